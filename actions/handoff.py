"""A person is one step away: 转人工, a complaint, repeated misunderstanding, or a
request only staff can serve. A handoff ticket goes into the hospital database with
a short, masked summary; the conversation is paused (Rasa's ConversationPaused), so
the assistant stops answering until staff hand it back with the `resume` event
(`python -m scripts.handoff resume <conversation id>`)."""
from __future__ import annotations

import logging
import re
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType

from actions.common import HOTLINE, hospital, latest_intent, say_hospital_error
from actions.hospital.interface import HospitalError

logger = logging.getLogger(__name__)

SUMMARY_MESSAGES = 6
_DIGITS = re.compile(r"\d{4,}")

REASONS = {
    "human_handoff": "患者要求人工服务",
    "complain": "患者投诉",
    "ask_inpatient_status": "询问住院患者病情（需人工）",
    "nlu_fallback": "连续没有听懂患者",
}


def mask(text: str) -> str:
    """Card numbers, phones and codes never reach a ticket in clear."""
    return _DIGITS.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 2), text)


def conversation_summary(tracker: Tracker) -> str:
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user" and e.get("text")]
    return " / ".join(mask(text[:80]) for text in said[-SUMMARY_MESSAGES:])


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
            dispatcher.utter_message(text=f"您也可以直接拨打服务热线 {HOTLINE}。")
            return []
        logger.info("handoff ticket %s opened", ticket.id)
        dispatcher.utter_message(
            text=(
                f"好的，已为您转接人工客服（工单号 {ticket.id}），工作人员会在这里回复您，请稍等。\n"
                f"人工服务时间 每天 8:00-20:00；着急的话可以直接拨打服务热线 {HOTLINE}，"
                "或到门诊楼 1 楼咨询台。\n如有胸痛、呼吸困难等紧急情况，请立即拨打 120。"
            )
        )
        # Leave whatever form was open, then stop answering until staff resume.
        return [ActiveLoop(None), ConversationPaused()]
