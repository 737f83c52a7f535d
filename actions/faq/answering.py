"""A hospital question answered by the ResponseSelector's choice, or, when it is not
confident, "您是不是想问…" with the likely questions as buttons."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, FollowupAction

from actions.booking.schedule_questions import ScheduleInfo
from actions.common import HANDOFF_BUTTON, UsesHospital, buttons, latest_text
from actions.emergency import say_when_to_go
from actions.faq import catalog as faq_catalog
from actions.reassurance import asks_how_serious, reassure
from actions.faq.fallback import (
    DidYouMean,
    asks_schedule,
    complains_now,
    selection,
    suggestion_buttons,
    symptoms_to_triage,
)
from actions.triage.pointer import UNANSWERED_KINDS, point_to_department
from safety import red_flags as rf

# Below this ResponseSelector confidence an answer is offered as a suggestion only.
CONFIDENT = 0.6


class AnswerFaq(UsesHospital, Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = latest_text(tracker)
        chosen = selection(tracker)
        response = chosen.get("response") or {}
        key = response.get("intent_response_key")
        confidence = response.get("confidence") or 0.0
        if key and confidence >= CONFIDENT and not faq_catalog.is_vague(text):
            dispatcher.utter_message(response=f"utter_{key}")
            if complains_now(tracker):
                # "切菜切到手指了，口子挺深的，要不要去缝针": the answer, then what a nurse asks
                # (triage's outcome says when to go to 急诊, once).
                return [FollowupAction("triage_form")]
            say_when_to_go(dispatcher, rf.mentioned(text))
            point_to_department(dispatcher, text)
            return []
        if not tracker.active_loop and asks_schedule(text):
            await ScheduleInfo(hospital=self.hospital, today=self.today()).run(dispatcher, tracker, domain)
            return []
        if symptoms_to_triage(tracker):
            return [FollowupAction("triage_form")]
        # "碳13呼气试验阳性，要吃四联药吗": not vague, not an FAQ
        if point_to_department(dispatcher, text, UNANSWERED_KINDS):
            say_when_to_go(dispatcher, rf.mentioned(text))
            return []
        if asks_how_serious(text) and reassure(dispatcher, tracker):
            return []  # "严重吗" right after an outcome
        options = suggestion_buttons(tracker)
        if not options:
            return await DidYouMean().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_faq_did_you_mean", buttons=options + buttons([HANDOFF_BUTTON]))
        say_when_to_go(dispatcher, rf.mentioned(text))
        return []
