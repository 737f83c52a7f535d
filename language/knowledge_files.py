"""Designer-owned knowledge (data/knowledge/*.yml) and word lists
(data/language/*.yml), loaded once.

The files are read lazily on first use and cached: importing this module costs nothing.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE_DIR = PROJECT_ROOT / "data" / "knowledge"
LANGUAGE_DIR = PROJECT_ROOT / "data" / "language"
LEXICON_DIR = PROJECT_ROOT / "data" / "lexicon"  # jieba user dictionaries (language/lexicon.py)
_REFERENCE = re.compile(r"\$\{(\w+)\}")
# libyaml's loader gives what yaml.safe_load gives, about five times faster: the
# development sets and the department files are thousands of lines.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Parsed YAML of a file, read afresh (load_yaml keeps what it read)."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LOADER)  # noqa: S506 (a safe loader)


@functools.lru_cache(maxsize=None)
def load_yaml(path: str) -> Any:
    """Parsed YAML of a file, by absolute path or a path relative to the project root."""
    file = Path(path)
    if not file.is_absolute():
        file = PROJECT_ROOT / file
    return read_yaml(file)


def knowledge(name: str) -> Any:
    """`knowledge("symptoms")` → data/knowledge/symptoms.yml."""
    return load_yaml(str(KNOWLEDGE_DIR / f"{name}.yml"))


@functools.lru_cache(maxsize=None)
def language_data(directory: Path = LANGUAGE_DIR) -> Dict[str, Any]:
    """Every entry of data/language/*.yml by its name; a name may be used in one file only."""
    entries: Dict[str, Any] = {}
    for path in sorted(directory.glob("*.yml")):
        for name, value in (load_yaml(str(path)) or {}).items():
            if name in entries:
                raise ValueError(f"{name} is defined twice in {directory}")
            entries[name] = value
    return entries


def words(name: str) -> Any:
    """Entry `name` of data/language as it is written (a word list, a table, a string)."""
    return language_data()[name]


def pattern(name: str) -> str:
    """Entry `name` of data/language as a regular expression: a list is the alternation
    of its entries, a string is one already; `${other}` stands for entry `other`."""
    value = language_data()[name]
    text = "|".join(value) if isinstance(value, list) else str(value)
    return _REFERENCE.sub(lambda m: pattern(m.group(1)), text)


@functools.lru_cache(maxsize=None)
def regex(name: str, flags: int = 0) -> "re.Pattern[str]":
    """pattern(name), compiled once."""
    return re.compile(pattern(name), flags)
