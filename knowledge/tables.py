"""What the knowledge tables share: where they live, how a broken one is reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

from language.knowledge_files import KNOWLEDGE_DIR, load_yaml

SEXES = ("男", "女")
LAB_TESTS_PATH = KNOWLEDGE_DIR / "lab_tests.yml"
EXAMS_PATH = KNOWLEDGE_DIR / "exams.yml"


class KnowledgeError(ValueError):
    def __init__(self, source: str, problems: List[str]):
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def read_table(path: Path) -> Any:
    """A knowledge file through the one knowledge loader (cached there)."""
    return load_yaml(str(path)) or {}


def num(x) -> Optional[float]:
    return None if x is None else float(x)
