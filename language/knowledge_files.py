"""Designer-owned knowledge (data/knowledge/*.yml, data/hospital/facts.yml), loaded once.

The files are read lazily on first use and cached: importing this module costs nothing.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE_DIR = PROJECT_ROOT / "data" / "knowledge"
HOSPITAL_FACTS = PROJECT_ROOT / "data" / "hospital" / "facts.yml"


@functools.lru_cache(maxsize=None)
def load_yaml(path: str) -> Any:
    """Parsed YAML of a file, by absolute path or a path relative to the project root."""
    file = Path(path)
    if not file.is_absolute():
        file = PROJECT_ROOT / file
    with file.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def knowledge(name: str) -> Any:
    """`knowledge("symptoms")` → data/knowledge/symptoms.yml."""
    return load_yaml(str(KNOWLEDGE_DIR / f"{name}.yml"))


def hospital_facts() -> Any:
    return load_yaml(str(HOSPITAL_FACTS))
