"""The text of a domain.yml response with its variables filled in, for the few places
that must also put the very words a patient sees into a custom payload (the web page
shows a critical value's alert as a banner). Everywhere else an action names the
response and Rasa fills it in."""

from __future__ import annotations

import functools
from typing import Dict

from language.knowledge_files import PROJECT_ROOT, load_yaml


@functools.lru_cache(maxsize=None)
def _texts() -> Dict[str, str]:
    responses = load_yaml(str(PROJECT_ROOT / "domain.yml"))["responses"]
    return {name: variations[0]["text"] for name, variations in responses.items()}


def render(response: str, /, **values: object) -> str:
    """What Rasa says for `response` with these variables (its first variation)."""
    return _texts()[response].format(**values)
