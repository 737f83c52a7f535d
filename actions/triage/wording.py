"""The triage wording designers own (data/triage/wording.yml), read once."""

from __future__ import annotations

import functools
import re
from typing import Any, Mapping

from language.knowledge_files import load_yaml

WORDING_FILE = "data/triage/wording.yml"


def wording() -> Mapping[str, Any]:
    return load_yaml(WORDING_FILE)


@functools.lru_cache(maxsize=None)
def words(*path: str) -> "re.Pattern[str]":
    """A word list of the wording file as one expression: `words("fever", "high")`."""
    found: Any = wording()
    for key in path:
        found = found[key]
    return re.compile("|".join(re.escape(str(w)) for w in sorted(found, key=len, reverse=True)))
