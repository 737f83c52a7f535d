"""Worry and "严重吗": calm words about what was just said, never a list of hospital
questions. After a triage outcome, the department just named; after a report, the
doctor who ordered it (a critical value is said again, not softened); otherwise the
comfort for results not out yet."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType

from actions.common import previous_turn, responses
from actions.triage.after_outcome import finished_outcome
from actions.triage.form import book_button, outcome_payload
from actions.triage.wording import wording, words


def asks_how_serious(text: str) -> bool:
    return bool(words("how_serious").search(text))


def _report_reply(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """What to say when the previous turn showed a report with abnormal values: its
    critical-value alert again, or the calm words; None otherwise."""
    turn = [e for e in previous_turn(tracker) if e.get("event") == "bot"]
    said = dict(zip(responses(turn), turn))
    if "utter_lab_critical" in said:
        return {"text": said["utter_lab_critical"].get("text")}
    if "utter_lab_notes" in said:
        return {"response": "utter_reassure_report"}
    return None


def reassure(dispatcher, tracker: Tracker) -> bool:
    """Calm words in the middle of triage, or about the triage outcome or the report just
    given; False when none of these."""
    worried = wording()["feelings"]["worried"]["line"]
    if (tracker.active_loop or {}).get("name") == "triage_form":
        dispatcher.utter_message(text=worried)  # in the middle of triage: its question comes again
        return True
    report = _report_reply(tracker)
    if report:
        dispatcher.utter_message(**report)
        return True
    outcome = finished_outcome(tracker)
    if not outcome or not outcome.get("department"):
        return False
    payload = outcome_payload(outcome)
    key = "today" if outcome["urgency"] == "today" else "routine"
    text = wording()["reassure"][key].format(department=payload["department"])
    dispatcher.utter_message(text=f"{worried}\n{text}", buttons=book_button(payload))
    dispatcher.utter_message(response="utter_watch_for_emergency")
    return True


class Reassure(Action):
    """A worry (intent worried_about_results) about what was just said, or about
    results not out yet (then the report or a person)."""

    def name(self) -> Text:
        return "action_reassure"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not reassure(dispatcher, tracker):
            dispatcher.utter_message(response="utter_worried_about_results")
        return []
