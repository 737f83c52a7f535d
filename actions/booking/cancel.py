"""Cancelling an appointment: the cancel form (which one, are you sure) and the cancellation."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.booking.availability import appointment_no_said, my_appointments
from actions.booking.wording import appointment_title, describe_appointment, words
from actions.common import UsesHospital, latest_intent, latest_text, say_hospital_error
from actions.identity import IdentityFormValidation, identity_slots, verified_card
from hospital.interface import HospitalError


class ValidateCancelForm(IdentityFormValidation):
    def name(self) -> Text:
        return "validate_cancel_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        pending = identity_slots(tracker)
        if pending:
            return pending
        try:
            if not my_appointments(self.hospital, tracker):
                return []  # nothing to cancel: action_cancel_appointment says so
        except HospitalError:
            return []
        return ["appointment_no", "cancel_confirmed"]

    async def extract_appointment_no(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return appointment_no_said(self.hospital, tracker)

    def validate_appointment_no(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        try:
            mine = {a.number: a for a in my_appointments(self.hospital, tracker)}
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"appointment_no": None}
        if value not in mine:
            dispatcher.utter_message(response="utter_cancel_appointment_not_found")
            return {"appointment_no": None}
        return {"appointment_no": value}

    async def extract_cancel_confirmed(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "cancel_confirmed":
            return {}
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"cancel_confirmed": True}
        text = latest_text(tracker)
        if intent in ("deny", "stop") or any(word in text for word in words("keep_appointment")):
            return {"cancel_confirmed": False}
        return {}

    def validate_cancel_confirmed(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"cancel_confirmed": value}


class AskCancelConfirmed(UsesHospital, Action):
    def name(self) -> Text:
        return "action_ask_cancel_confirmed"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        number = tracker.get_slot("appointment_no")
        try:
            mine = {a.number: a for a in my_appointments(self.hospital, tracker)}
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        if number in mine:
            dispatcher.utter_message(
                response="utter_cancel_confirm", appointment=describe_appointment(mine[number], self.today())
            )
        return []


class CancelAppointment(UsesHospital, Action):
    def name(self) -> Text:
        return "action_cancel_appointment"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        reset = [SlotSet("appointment_no", None), SlotSet("cancel_confirmed", None)]
        card = verified_card(tracker)
        number = tracker.get_slot("appointment_no")
        if not card:
            return reset
        try:
            if not number:
                if not self.hospital.appointments(card, conversation_id=tracker.sender_id):
                    dispatcher.utter_message(response="utter_nothing_to_cancel")
                return reset
            if not tracker.get_slot("cancel_confirmed"):
                dispatcher.utter_message(response="utter_cancel_kept")
                return reset
            appointment = self.hospital.cancel(card, number, conversation_id=tracker.sender_id)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return reset
        dispatcher.utter_message(
            response="utter_cancel_done", number=appointment.number, appointment=appointment_title(appointment)
        )
        return reset
