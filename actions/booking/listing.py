""" "我的预约": the verified patient's upcoming appointments."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.booking.wording import describe_appointment
from actions.common import UsesHospital, say_hospital_error
from actions.identity import verified_card, whose
from hospital.interface import HospitalError


class ListAppointments(UsesHospital, Action):
    def name(self) -> Text:
        return "action_list_appointments"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        card = verified_card(tracker)
        if not card:
            return []
        try:
            appointments = self.hospital.appointments(card, conversation_id=tracker.sender_id)
            name = whose(tracker, card, self.hospital)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        if not appointments:
            dispatcher.utter_message(response="utter_no_appointments", name=name)
            return []
        lines = "\n\n".join(describe_appointment(a, self.today(), with_precheck=True) for a in appointments)
        dispatcher.utter_message(response="utter_appointments", name=name, count=len(appointments), appointments=lines)
        return []
