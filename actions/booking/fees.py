"""挂号费: what each kind of number costs and when it is released."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.booking.wording import money, phrase
from actions.common import UsesHospital, say_hospital_error
from hospital.interface import HospitalError


class FeeInfo(UsesHospital, Action):
    def name(self) -> Text:
        return "action_fee_info"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            fees = self.hospital.fees()
            policy = self.hospital.expert_release_policy()
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        lines = "\n".join(phrase("fee_line", number_type=kind, fee=money(fee)) for kind, fee in fees.items())
        dispatcher.utter_message(response="utter_fee_info", fees=lines, policy=policy.rstrip("。"))
        return []
