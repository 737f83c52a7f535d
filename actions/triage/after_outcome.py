"""Right after a triage outcome: what the patient says next belongs to that triage. A
detail the NLU cannot place ("一年多了") reopens it (flow.resume, in form.triage_step);
"严重吗" is answered in actions/reassurance.py."""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa_sdk import Tracker

from actions.common import latest_text, previous_turn
from actions.triage.flow import adds_to

OUTCOME_ACTION = "action_triage_outcome"


def _finished_turn(tracker: Tracker) -> Dict[str, Any]:
    """The triage state and outcome set in the turn before the patient's latest message,
    if that turn ended with the outcome; {} otherwise."""
    turn = previous_turn(tracker)
    if not any(e.get("event") == "action" and e.get("name") == OUTCOME_ACTION for e in turn):
        return {}
    found: Dict[str, Any] = {}
    for e in turn:
        if e.get("event") == "slot" and e.get("name") in ("triage_state", "triage_outcome") and e.get("value"):
            found[e["name"]] = e["value"]
    return found


def finished_outcome(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The outcome (not an emergency) the assistant gave in answer to the previous message."""
    outcome = _finished_turn(tracker).get("triage_outcome")
    return outcome if outcome and outcome.get("urgency") != "emergency" else None


def just_finished(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The state of that triage."""
    return _finished_turn(tracker).get("triage_state") if finished_outcome(tracker) else None


def adds_to_last_triage(tracker: Tracker) -> bool:
    """A message right after a triage outcome that adds to it, whatever the NLU made of
    the fragment ("一年多了" reads as nothing in particular)."""
    finished = just_finished(tracker)
    return bool(finished) and adds_to(finished, latest_text(tracker))
