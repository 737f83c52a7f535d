"""Starting the booking form afresh, and booking (or moving) the appointment once
the patient confirmed."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.booking.availability import BOOKING_SLOTS
from actions.booking.wording import describe_appointment, phrase
from actions.catalogue_names import find_department
from actions.common import UsesHospital, latest_intent, latest_text, say_hospital_error
from actions.identity import renew, verified_card, whose
from actions.triage.after_outcome import finished_outcome
from actions.triage.form import NOT_BOOKABLE
from hospital.interface import HospitalError


class BookingStart(UsesHospital, Action):
    """Starts the booking form afresh, keeping a department handed over by triage.
    (It needs no hospital; built like every booking action.)"""

    def name(self) -> Text:
        return "action_booking_start"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        mode = "reschedule" if latest_intent(tracker) == "reschedule_appointment" else "book"
        if mode == "book":
            self._walk_in_first(dispatcher, tracker)
        keep = {"department"} if mode == "book" and tracker.get_slot("triage_department") else set()
        events = [SlotSet(name, None) for name in BOOKING_SLOTS if name not in keep]
        if keep:
            events.append(SlotSet("department", tracker.get_slot("triage_department")))
        return events + [SlotSet("booking_mode", mode)]

    def _walk_in_first(self, dispatcher, tracker) -> None:
        """ "帮我挂个号" right after "请直接去发热门诊": that one takes no booking; say so before
        asking which department, unless the message names one."""
        outcome = finished_outcome(tracker)
        if not outcome or outcome.get("department") not in NOT_BOOKABLE:
            return
        try:
            named = find_department(self.hospital, latest_text(tracker))
        except HospitalError:
            named = None
        if not named:
            dispatcher.utter_message(response="utter_booking_walk_in", department=outcome["department"])


class BookingCommit(UsesHospital, Action):
    def name(self) -> Text:
        return "action_booking_commit"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        reset = [SlotSet(name, None) for name in BOOKING_SLOTS]
        card = verified_card(tracker)
        if not tracker.get_slot("booking_confirmed") or not card or not tracker.get_slot("session_id"):
            dispatcher.utter_message(response="utter_booking_cancelled")
            return reset
        session_id = int(tracker.get_slot("session_id"))
        rescheduling = tracker.get_slot("booking_mode") == "reschedule"
        try:
            if rescheduling:
                appointment = self.hospital.reschedule(
                    card, tracker.get_slot("appointment_no"), session_id, conversation_id=tracker.sender_id
                )
            else:
                appointment = self.hospital.book(
                    card, session_id, precheck=tracker.get_slot("triage_summary"), conversation_id=tracker.sender_id
                )
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            if error.code != "unavailable":
                dispatcher.utter_message(response="utter_booking_not_done")
            return reset
        try:
            name = whose(tracker, card, self.hospital)
        except HospitalError:
            name = ""
        done = {
            "patient": phrase("patient", name=name) if name else "",
            "appointment": describe_appointment(appointment, self.today(), with_precheck=True),
        }
        if rescheduling:
            dispatcher.utter_message(response="utter_reschedule_done", **done)
        else:
            dispatcher.utter_message(response="utter_booking_done", **done)
        dispatcher.utter_message(response="utter_booking_arrival")
        return reset + renew(tracker)
