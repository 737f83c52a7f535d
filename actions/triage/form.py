"""Triage (导诊) as a Rasa form: which department, how urgently.

`triage_form` has one required slot, `triage_outcome`. On every patient message
`validate_triage_form` feeds the text to the triage engine (actions/triage/flow.py),
whose state lives in the unfeaturized slot `triage_state`: a pending question is
answered with the text (a button press sends the plain answer, so it reads exactly
like typing), anything else in the message is taken in too. The engine then either
has another question — `action_ask_triage_outcome` asks it, with its one-sentence
"why" and answer buttons — or an outcome, which fills `triage_outcome` and ends the
form; `action_triage_outcome` then says it and hands the department and the
pre-consultation summary to booking (`triage_department`, `triage_summary`).

The engine never asks more than two questions and never one it has asked or whose
answer it already knows. An emergency said in a message goes to `action_emergency`
(actions/emergency.py) by rule, even inside this form; one the engine finds over
several messages ends the form with an emergency outcome. Both are decided by
safety/red_flags.py.

Validation is a pure function of the tracker it is given, because Rasa calls it twice
on the turn the form is activated; only the ask and outcome actions speak.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import FORM_INTERRUPTIONS, buttons, custom_payload, latest_intent, latest_text, since_latest_message
from actions.emergency import say_emergency, say_when_to_go
from actions.triage.answers import interpret_answer
from actions.triage.after_outcome import finished_outcome, just_finished
from actions.triage.flow import advance, resume, update
from actions.triage.questions import load_knowledge
from actions.triage.state import CLARIFY_ID, UNKNOWN, start
from actions.triage.steps import Question
from actions.triage.summary import summary
from actions.triage.wording import wording
from safety import red_flags as rf

logger = logging.getLogger(__name__)

FORM = "triage_form"
QUESTION_KEY = "question"  # the question on screen, kept in the engine state
# Walk-in only: an outcome naming these offers no booking button.
NOT_BOOKABLE = {"急诊科", "发热门诊"}
# What an outcome advises; a detail added right after it that leaves both alone is told so briefly.
ADVICE_KEYS = ("department", "urgency")


def book_request(department: str) -> str:
    """What the booking button sends: a sentence the NLU reads as book_appointment."""
    return wording()["book_request"].format(department=department)


def answer_payload(question: Dict[str, Any], option: Dict[str, str]) -> str:
    """The plain answer a button sends ("有", "没有", "3天以内"): the shortest wording
    the engine reads back as the same option."""
    title = option["title"]
    if question.get("kind") == "clarify":
        return title
    q = load_knowledge().questions.get(question["id"])
    for candidate in (title.split("/")[0], title):
        if q is None or interpret_answer(q, candidate) == option["value"]:
            return candidate
    return title


# A hospital question is left to its rule only when it does not also tell the triage
# something (see triage_step); the other interruptions always are, and so is what a
# number costs ("挂专家号还是普通号"), answered by its rule before the question again.
LEAVING_INTENTS = (FORM_INTERRUPTIONS - {"faq"}) | {"ask_fee"}
ANSWERED_IN_BETWEEN = {"faq", "ask_fee"}


def _tells_something(before: Dict[str, Any], after: Dict[str, Any]) -> bool:
    """Whether a message added a symptom or answered the pending question."""
    pending = before.get("pending")
    answered = pending and pending != CLARIFY_ID and after["answers"].get(pending) not in (None, UNKNOWN)
    return bool(answered or set(after["present"]) - set(before.get("present") or []))


def triage_step(tracker: Tracker) -> List[EventType]:
    """One turn of triage: the events validate_triage_form returns."""
    intent = latest_intent(tracker)
    active = (tracker.active_loop or {}).get("name") == FORM
    if active and intent in LEAVING_INTENTS:
        return []
    text = latest_text(tracker)
    before = tracker.get_slot("triage_state") if active else None
    if before is None:
        finished = just_finished(tracker)
        before = resume(finished, text) if finished else None
        if before is None:
            before = start()
        else:  # what was advised, so an addition that changes nothing is told so briefly
            before["resumed"] = {key: (finished_outcome(tracker) or {}).get(key) for key in ADVICE_KEYS}
    state = update(before, text)
    if active and intent == "faq" and not _tells_something(before, state):
        return []  # a real hospital question: answered by rule, then the question again
    state, step = advance(state)
    if isinstance(step, Question):
        state[QUESTION_KEY] = step.to_dict()
        return [SlotSet("triage_state", state)]
    state[QUESTION_KEY] = None
    return [SlotSet("triage_state", state), SlotSet("triage_outcome", step.to_dict())]


class ValidateTriageForm(Action):
    """Not a FormValidationAction: the engine, not per-slot extraction, decides what
    to ask, and the state slot is not a required slot (rasa_sdk would drop it)."""

    def name(self) -> Text:
        return "validate_triage_form"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        return triage_step(tracker)


def say_question(dispatcher: CollectingDispatcher, question: Dict[str, Any], again: bool = False) -> None:
    """The question's own words (designer data, in the state since it was chosen) and
    its why, with answer buttons: text, not a domain response, so a question stays on
    screen whatever model is running."""
    text = question["text"]
    if again:
        text = wording()["question_again"].format(question=text)
    dispatcher.utter_message(
        text=f"{text}\n{question['why']}",
        buttons=buttons([(o["title"], answer_payload(question, o)) for o in question["buttons"]]),
    )


class AskTriageQuestion(Action):
    def name(self) -> Text:
        return "action_ask_triage_outcome"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        state = tracker.get_slot("triage_state") or start()
        question = state.get(QUESTION_KEY)
        if not question:
            # The form was entered without a validated turn (should not happen): ask afresh.
            state, step = advance(state)
            if not isinstance(step, Question):
                dispatcher.utter_message(text=wording()["describe"])
                return []
            question = step.to_dict()
            state[QUESTION_KEY] = question
            say_question(dispatcher, question)
            return [SlotSet("triage_state", state)]
        again = latest_intent(tracker) in ANSWERED_IN_BETWEEN and not started_this_turn(tracker)
        say_question(dispatcher, question, again=again)
        return []


def started_this_turn(tracker: Tracker) -> bool:
    """Whether triage began after the patient's latest message (a hospital question that
    named a condition), rather than being interrupted by it: only then is there no
    earlier question to come back to."""
    return since_latest_message(tracker, "active_loop", "triage_form")


def outcome_payload(outcome: Dict[str, Any]) -> Dict[str, Any]:
    department = outcome.get("department")
    bookable = bool(department) and outcome["urgency"] != "emergency" and department not in NOT_BOOKABLE
    return {
        "department": department,
        "urgency": outcome["urgency"],
        "reason": outcome["reason"],
        "advice": outcome.get("advice"),
        "book_payload": book_request(department) if bookable else None,
    }


def book_button(payload: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The "预约{department}" button under a department, when it takes bookings."""
    book = payload["book_payload"]
    return buttons([(wording()["book_button"].format(department=payload["department"]), book)]) if book else []


class TriageOutcome(Action):
    """Says the outcome and hands department and summary over to booking."""

    def name(self) -> Text:
        return "action_triage_outcome"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        outcome = tracker.get_slot("triage_outcome")
        state = tracker.get_slot("triage_state") or start()
        done = [SlotSet("triage_outcome", None), SlotSet("triage_state", None)]
        if not outcome:
            return done
        payload = outcome_payload(outcome)
        if outcome["urgency"] == "emergency":
            flags = rf.known(f["id"] for f in (outcome.get("red_flags") or [])[:1])
            say_emergency(dispatcher, flags[0] if flags else None)
            dispatcher.utter_message(json_message=custom_payload(triage=payload))
            return done + [SlotSet("triage_department", None), SlotSet("triage_summary", None)]
        text = "\n".join(
            part for part in (outcome.get("info"), outcome["reason"], outcome["advice"], outcome.get("note")) if part
        )
        resumed = state.get("resumed")
        if resumed == {key: outcome.get(key) for key in ADVICE_KEYS}:
            text = wording()["resumed_same"] + outcome["advice"]  # "还有点恶心": the same advice, briefly
        elif resumed:
            text = wording()["resumed"] + text
        book = payload["book_payload"]
        dispatcher.utter_message(text=text, buttons=book_button(payload))
        say_when_to_go(dispatcher, rf.known(state.get("red_flags_mentioned") or []))
        if state.get("watch") and not state.get("red_flags_mentioned"):
            dispatcher.utter_message(response="utter_watch_for_emergency")
        dispatcher.utter_message(json_message=custom_payload(triage=payload))
        return done + [
            SlotSet("triage_department", payload["department"] if book else None),
            SlotSet("triage_summary", summary(state)),
        ]
