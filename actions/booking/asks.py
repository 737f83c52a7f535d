"""The booking forms' questions (`action_ask_<slot>`): each offers only what the
hospital can really give, as buttons."""

from __future__ import annotations

import abc
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.suggestions import suggested_departments
from actions.booking.availability import EXPERT, available_days, booking_slots, my_appointments, open_sessions
from actions.booking.wording import (
    appointment_title,
    date_payload,
    describe_session,
    money,
    phrase,
    session_title,
)
from actions.common import UsesHospital, buttons, latest_text, say_hospital_error
from hospital.facts import facts
from hospital.interface import NUMBER_TYPES, PERIODS, HospitalError
from language.dates import describe

logger = logging.getLogger(__name__)


class BookingQuestion(UsesHospital, Action, abc.ABC):
    """An `action_ask_<slot>` of the booking forms: it reads the hospital; if that
    fails the patient is told."""

    @abc.abstractmethod  # abstract, so the action server's package scan skips this base
    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        """Say the question, with the choices as buttons."""

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            self.ask(dispatcher, booking_slots(tracker), tracker)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
        return []


class AskDepartment(BookingQuestion):
    """Asks for the department; a patient who answers with symptoms instead ("我头晕手麻")
    gets the departments the triage engine ranks first, as buttons."""

    def name(self) -> Text:
        return "action_ask_department"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        suggested = suggested_departments(latest_text(tracker))
        if not suggested:
            dispatcher.utter_message(response="utter_ask_department")
            return
        dispatcher.utter_message(
            response="utter_booking_ask_department_suggested",
            departments=phrase("department_or").join(suggested),
            buttons=buttons([(name, name) for name in suggested]),
        )


class AskDoctor(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_doctor"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        names = slots.get("doctor_choices") or []
        # In the order of doctor_choices, so that "第二位" is the second button.
        doctors = sorted((d for d in self.hospital.doctors() if d.name in names), key=lambda d: names.index(d.name))
        dispatcher.utter_message(
            response="utter_booking_which_doctor",
            buttons=buttons(
                [
                    (phrase("doctor_button", name=d.name, department=d.department, title=d.title), d.name)
                    for d in doctors
                ]
            ),
        )


class AskDate(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_date"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        days = available_days(self.hospital, slots, self.today())
        who = slots.get("doctor") or slots.get("department")
        if not days:
            dispatcher.utter_message(
                response="utter_booking_no_days", who=who, expert_at=f"{facts().release[EXPERT].at:%H:%M}"
            )
            return
        dispatcher.utter_message(
            response="utter_booking_ask_date",
            who=who,
            buttons=buttons([(describe(d, self.today()), date_payload(d)) for d in days]),
        )


class AskPeriod(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_period"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        periods = {s.period for s in open_sessions(self.hospital, slots, period=None, number_type=None)}
        options = [p for p in PERIODS if p in periods]
        dispatcher.utter_message(response="utter_booking_ask_period", buttons=buttons([(p, p) for p in options]))


class AskNumberType(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_number_type"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        sessions = open_sessions(self.hospital, slots, number_type=None)
        fees = {s.number_type: s.fee for s in sessions}
        options = [t for t in NUMBER_TYPES if t in fees]
        dispatcher.utter_message(
            response="utter_booking_ask_number_type",
            buttons=buttons([(phrase("number_type_button", number_type=t, fee=money(fees[t])), t) for t in options]),
        )


class AskSessionId(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_session_id"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        sessions = open_sessions(self.hospital, slots)
        dispatcher.utter_message(
            response="utter_booking_ask_session",
            buttons=buttons([(session_title(s), s.doctor_name) for s in sessions[:8]]),
        )


class AskBookingConfirmed(UsesHospital, Action):
    def name(self) -> Text:
        return "action_ask_booking_confirmed"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            session = self.hospital.session(int(tracker.get_slot("session_id")))
        except (HospitalError, TypeError, ValueError) as error:
            logger.warning("cannot show the chosen session: %s", error)
            dispatcher.utter_message(response="utter_system_down")
            return [SlotSet("session_id", None)]
        shown = describe_session(session, self.today())
        if tracker.get_slot("booking_mode") == "reschedule":
            dispatcher.utter_message(response="utter_reschedule_confirm", session=shown)
        else:
            dispatcher.utter_message(response="utter_booking_confirm", session=shown)
        return []


class AskAppointmentNo(UsesHospital, Action):
    """Which appointment to reschedule or cancel: the patient's own, as buttons."""

    def name(self) -> Text:
        return "action_ask_appointment_no"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            appointments = my_appointments(self.hospital, tracker)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        dispatcher.utter_message(
            response="utter_booking_pick_appointment",
            buttons=buttons([(appointment_title(a), a.number) for a in appointments]),
        )
        return []
