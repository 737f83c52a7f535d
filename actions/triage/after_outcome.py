"""Right after a triage outcome: what the patient says next belongs to that triage.

A detail the NLU cannot place ("一年多了") reopens it (flow.resume, in form.triage_step),
and "严重吗" or a fear ("会不会是心脏病 我好害怕") gets calm words and the department just
named, not the comfort for a report not out yet nor a list of hospital questions."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType

from actions.common import latest_text
from actions.triage.flow import adds_to
from actions.triage.wording import wording, words

OUTCOME_ACTION = "action_triage_outcome"


def _finished_turn(tracker: Tracker) -> Dict[str, Any]:
    """The triage state and outcome set in the turn before the patient's latest message,
    if that turn ended with the outcome; {} otherwise."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return {}
    turn = tracker.events[users[-2] + 1 : users[-1]]
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


def asks_how_serious(text: str) -> bool:
    return bool(words("how_serious").search(text))


def reassure(dispatcher, tracker: Tracker) -> bool:
    """Calm words and the department of the outcome just given, with its booking button;
    False when no triage has just ended with a department."""
    from actions.triage.form import book_button, outcome_payload

    outcome = finished_outcome(tracker)
    if not outcome or not outcome.get("department"):
        return False
    payload = outcome_payload(outcome)
    key = "today" if outcome["urgency"] == "today" else "routine"
    text = wording()["reassure"][key].format(department=payload["department"])
    dispatcher.utter_message(text=f"{wording()['feelings']['worried']['line']}\n{text}", buttons=book_button(payload))
    dispatcher.utter_message(response="utter_watch_for_emergency")
    return True


class Reassure(Action):
    """A worry: after a triage outcome, about the complaint; otherwise about results
    not out yet (then the report or a person)."""

    def name(self) -> Text:
        return "action_reassure"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not reassure(dispatcher, tracker):
            dispatcher.utter_message(response="utter_worried_about_results")
        return []
