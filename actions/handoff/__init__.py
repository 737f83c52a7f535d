"""A person is one step away: 转人工, a complaint, repeated misunderstanding, or a
request only staff can serve. A handoff ticket goes into the hospital database with
a short, masked summary, and the `handoff_active` slot is set: until staff hand the
conversation back (`python -m scripts.handoff resume <ticket>` clears the slot),
components/safety_policy.py keeps the assistant silent, except for emergencies,
which are always answered. (Rasa's ConversationPaused would silence those too.)"""
from __future__ import annotations

import logging
import re
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet

from actions.common import hospital, latest_intent, say_hospital_error
from hospital.facts import facts
from hospital.interface import HospitalError

logger = logging.getLogger(__name__)

SUMMARY_MESSAGES = 6
# Card numbers, phones, SMS codes, ids, appointment numbers: any run of 3+ digits.
_DIGITS = re.compile(r"\d{3,}")

REASONS = {
    "human_handoff": "患者要求人工服务",
    "complain": "患者投诉",
    "ask_inpatient_status": "询问住院患者病情（需人工）",
    "nlu_fallback": "连续没有听懂患者",
}


def mask(text: str) -> str:
    """Card numbers, phones, codes and ids never reach a ticket in clear: every run of
    three or more digits (half or full width) is starred out."""
    return _DIGITS.sub(lambda m: "*" * len(m.group(0)), text)


def conversation_summary(tracker: Tracker) -> str:
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user" and e.get("text")]
    # Masked before cut, so a number cut in two is still hidden.
    return " / ".join(mask(text)[:80] for text in said[-SUMMARY_MESSAGES:])


class Handoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        intent = latest_intent(tracker)
        if intent == "human_handoff" and any(w in (tracker.latest_message.get("text") or "") for w in ("投诉", "太差", "负责人")):
            intent = "complain"
        reason = REASONS.get(intent, REASONS["human_handoff"])
        try:
            ticket = hospital().create_handoff(tracker.sender_id, reason, conversation_summary(tracker))
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            dispatcher.utter_message(text=f"您也可以直接拨打服务热线 {facts().hotline_with_hours}。")
            return []
        logger.info("handoff ticket %s opened", ticket.id)
        dispatcher.utter_message(
            text=(
                f"好的，已为您转接人工客服（工单号 {ticket.id}），工作人员会在这里回复您，请稍等。\n"
                f"人工服务时间 {facts().hotline_hours}；着急的话可以直接拨打服务热线 {facts().hotline_with_hours}，"
                "或到门诊楼 1 楼咨询台。\n如有胸痛、呼吸困难等紧急情况，请立即拨打 120。"
            )
        )
        # Leave whatever form was open, then stay silent (but for emergencies) until staff resume.
        return [ActiveLoop(None), SlotSet("handoff_active", True)]
