"""What the triage engine gives back each turn: a Question to ask or an Outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Union

from actions.triage.wording import wording


@dataclass
class Question:
    id: str
    text: str
    why: str
    buttons: List[Dict[str, str]]
    kind: str = "question"  # question | clarify

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass
class Outcome:
    department: Optional[str]
    urgency: str
    reason: str
    advice: str
    return_if: Optional[str] = None
    red_flags: List[Dict[str, Any]] = field(default_factory=list)
    first_aid: Optional[str] = None
    crisis_hotline: Optional[str] = None
    info: Optional[str] = None  # the short safe answer to a health-knowledge question
    note: str = field(default_factory=lambda: wording()["note"])
    kind: str = "outcome"

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def payload(self) -> Dict[str, Any]:
        """The custom JSON payload the assistant sends: {"triage": {...}}."""
        return {
            "triage": {
                "department": self.department,
                "urgency": self.urgency,
                "reason": self.reason,
                "advice": self.advice,
                "return_if": self.return_if,
                "red_flags": [f["id"] for f in self.red_flags],
            }
        }


Step = Union[Question, Outcome]
