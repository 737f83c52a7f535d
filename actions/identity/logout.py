""" "退出" / "换个人": the end of a verification before its time."""

from __future__ import annotations

import logging
from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType

from actions.common import UsesHospital
from hospital.interface import HospitalError

logger = logging.getLogger(__name__)


class Logout(UsesHospital, Action):
    """ "退出" / "换个人": whoever was verified is forgotten, any flow ends, and nothing
    of this person (booking, triage answers) is left for the next one."""

    def name(self) -> Text:
        return "action_logout"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            self.hospital.detach_reminders(tracker.sender_id)  # the next person sees none of them
        except HospitalError as error:
            logger.warning("reminders not detached at logout: %s", error.code)
        dispatcher.utter_message(response="utter_logged_out")
        return [ActiveLoop(None), AllSlotsReset()]
