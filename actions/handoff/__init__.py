"""A person is one step away: 转人工, a complaint, repeated misunderstanding, or a
request only staff can serve. A handoff ticket goes into the hospital database with
a short, masked summary, and the `handoff_active` slot is set: until staff hand the
conversation back (the staff console, or `python -m scripts.handoff resume <ticket>`),
components/safety_policy.py keeps the assistant silent, except for emergencies,
which are always answered. (Rasa's ConversationPaused would silence those too.)"""

from __future__ import annotations

import logging
import re
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet

from actions.common import UsesHospital, custom_payload, latest_intent, say_hospital_error
from actions.triage.pointer import answer_which_department
from hospital.facts import facts
from hospital.interface import HospitalError
from language.knowledge_files import knowledge

logger = logging.getLogger(__name__)

SUMMARY_MESSAGES = 6
# Card numbers, phones, SMS codes, ids, appointment numbers: any run of 3+ digits.
_DIGITS = re.compile(r"\d{3,}")


def reason(intent: Optional[str], text: str) -> str:
    """What the ticket tells staff (data/knowledge/handoff_words.yml): a request for a
    person in complaining words is a complaint."""
    words = knowledge("handoff_words")
    if intent == "human_handoff" and any(word in text for word in words["complaint"]):
        intent = "complain"
    return words["reasons"].get(intent, words["reasons"]["human_handoff"])


def mask(text: str) -> str:
    """Card numbers, phones, codes and ids never reach a ticket in clear: every run of
    three or more digits (half or full width) is starred out."""
    return _DIGITS.sub(lambda m: "*" * len(m.group(0)), text)


def conversation_summary(tracker: Tracker) -> str:
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user" and e.get("text")]
    # Masked before cut, so a number cut in two is still hidden.
    return " / ".join(mask(text)[:80] for text in said[-SUMMARY_MESSAGES:])


class Handoff(UsesHospital, Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        intent, text = latest_intent(tracker), tracker.latest_message.get("text") or ""
        if intent == "ask_inpatient_status":
            # "胃癌术后在化疗…该挂哪个科": a question of which department, not of a ward's patient.
            if answer_which_department(dispatcher, text):
                return [ActiveLoop(None)]
            dispatcher.utter_message(response="utter_inpatient_status")
        why = reason(intent, text)
        try:
            ticket = self.hospital.create_handoff(tracker.sender_id, why, conversation_summary(tracker))
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            dispatcher.utter_message(response="utter_handoff_call", hotline=facts().hotline_with_hours)
            return []
        logger.info("handoff ticket %s opened", ticket.id)
        dispatcher.utter_message(
            response="utter_handoff_opened",
            ticket=ticket.id,
            hotline=facts().hotline_with_hours,
            hours=facts().hotline_hours,
        )
        # The page shows "人工客服接待中" instead of 小安's typing indicator until the hand-back.
        dispatcher.utter_message(json_message=custom_payload(handoff="open"))
        # Leave whatever form was open, then stay silent (but for emergencies) until staff resume.
        return [ActiveLoop(None), SlotSet("handoff_active", True)]
