"""The booking form, `booking_form`: books and reschedules (slot `booking_mode`).

Patients give the pieces in any order and correct any of them at any time: every
piece is read from the latest message on every turn, and whatever depended on a
changed piece (the chosen clinic session, the confirmation) is cleared and asked
again. Only dates, half-days, number types and doctors that really have free slots
are offered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Text

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.availability import (
    appointment_no_said,
    booking_slots,
    my_appointments,
    open_sessions,
    slot_day,
)
from actions.booking.wording import parse_number_type, words
from actions.catalogue_names import doctor_named, find_department, find_doctors
from actions.common import (
    FORM_INTERRUPTIONS,
    entity_value,
    latest_intent,
    latest_text,
    say_hospital_error,
)
from actions.identity import IdentityFormValidation, identity_slots
from hospital.facts import facts
from hospital.interface import NUMBER_TYPES, HospitalError
from language.dates import describe, parse_date, parse_period
from language.ordinals import pick

# What each piece invalidates when the patient changes it.
DEPENDENTS = {
    "department": ["session_id", "booking_confirmed"],
    "doctor": ["session_id", "booking_confirmed"],
    "date": ["session_id", "booking_confirmed"],
    "period": ["session_id", "booking_confirmed"],
    "number_type": ["session_id", "booking_confirmed"],
    "session_id": ["booking_confirmed"],
}
# While identity or the appointment is asked, what the patient says is not a booking piece.
_NOT_A_PIECE = ("card_no", "identity_secret", "appointment_no")
ORDINARY = NUMBER_TYPES[0]  # 普通号: seen by any doctor of the department


class ValidateBookingForm(IdentityFormValidation):
    def name(self) -> Text:
        return "validate_booking_form"

    # The booking form also has digression rules for these (data/rules/booking.yml, triage.yml).
    interruptions = FORM_INTERRUPTIONS | {"ask_fee", "ask_schedule", "ask_department"}

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        rescheduling = tracker.get_slot("booking_mode") == "reschedule"
        slots: List[Text] = identity_slots(tracker) + ["appointment_no"] if rescheduling else []
        if tracker.get_slot("doctor_choices") and not tracker.get_slot("doctor"):
            slots.append("doctor")
        slots += ["department", "date", "period", "number_type", "session_id"]
        if not rescheduling:
            slots += identity_slots(tracker)
        return slots + ["booking_confirmed"]

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        # Extraction and validation write into tracker.slots: keep what was there before.
        before = booking_slots(tracker)
        events = await super().run(dispatcher, tracker, domain)
        if self._ending or not events:
            # The hospital system failed (the patient was told, the form stops), or the
            # turn was left to a rule: nothing may be added, or the form would not reject.
            return events
        # The doctor is read on every turn but is a required slot only while several
        # doctors match, so rasa_sdk drops it from the validated events otherwise.
        named = {e["name"] for e in events if e.get("event") == "slot"}
        doctor = [
            SlotSet(name, tracker.get_slot(name))
            for name in ("doctor", "doctor_choices")
            if name not in named and tracker.get_slot(name) != before[name]
        ]
        asks = [e for e in events if e.get("name") == "requested_slot"]
        events = [e for e in events if e.get("name") != "requested_slot"] + doctor
        derived = self._derived_events(before, events, dispatcher)
        if asks:
            # What to ask next depends on what the derived events cleared or picked.
            tracker.slots.update({e["name"]: e["value"] for e in derived})
            following = await self.next_requested_slot(dispatcher, tracker, domain)
            asks = [following] if following else asks
        return events + derived + asks

    async def get_extraction_events(self, dispatcher, tracker, domain) -> List[EventType]:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if "doctor" in required:
            return events
        # After the department, so "心内科李医生" narrows the doctors to that department.
        doctor = await self.extract_doctor(dispatcher, tracker, domain)
        tracker.slots.update(doctor)
        return events + [SlotSet(name, value) for name, value in doctor.items()]

    def _derived_events(
        self, before: Dict[str, Any], events: List[EventType], dispatcher: CollectingDispatcher
    ) -> List[EventType]:
        """Clear what a changed piece invalidates; pick the session when only one fits."""
        changed = {
            event["name"]: event["value"]
            for event in events
            if event.get("event") == "slot" and event["name"] != "requested_slot"
        }
        slots = dict(before)
        derived: Dict[str, Any] = {}
        for name, value in changed.items():
            if value is not None and value != slots.get(name):
                for dependent in DEPENDENTS.get(name, []):
                    if dependent not in changed and slots.get(dependent) is not None:
                        derived[dependent] = None
        slots.update(changed)
        slots.update(derived)
        if all(slots.get(k) for k in ("department", "date", "period", "number_type")) and not slots.get("session_id"):
            try:
                candidates = open_sessions(self.hospital, slots)
            except HospitalError:
                candidates = []
            if len(candidates) == 1:
                derived["session_id"] = str(candidates[0].id)
            elif not candidates and changed:
                # A change (say, another day) left the half-day or number type chosen
                # earlier without a free slot: ask for them again, with real options.
                try:
                    same_half_day = open_sessions(self.hospital, slots, number_type=None)
                except HospitalError:
                    same_half_day = []
                day = describe(slot_day(slots["date"]), self.today())
                if same_half_day:
                    stale = ["number_type"]
                    dispatcher.utter_message(
                        response="utter_booking_number_type_gone",
                        day=day,
                        period=slots["period"],
                        number_type=slots["number_type"],
                    )
                else:
                    stale = ["period", "number_type"]
                    dispatcher.utter_message(response="utter_booking_half_day_gone", day=day, period=slots["period"])
                derived.update({name: None for name in stale})
        return [SlotSet(name, value) for name, value in derived.items()]

    # --- which appointment (reschedule) ----------------------------------------------
    async def extract_appointment_no(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return appointment_no_said(self.hospital, tracker)

    def validate_appointment_no(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        try:
            appointment = next((a for a in my_appointments(self.hospital, tracker) if a.number == value), None)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"appointment_no": None}
        if appointment is None:
            dispatcher.utter_message(response="utter_reschedule_appointment_not_found")
            return {"appointment_no": None}
        s = appointment.session
        return {
            "appointment_no": value,
            "department": s.department,
            "number_type": s.number_type,
            "doctor": s.doctor_name if s.number_type != ORDINARY else None,
        }

    # --- doctor -------------------------------------------------------------------------
    async def extract_doctor(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = latest_text(tracker)
        if tracker.get_slot("requested_slot") in ("card_no", "identity_secret") or not text:
            return {}
        choices = tracker.get_slot("doctor_choices") or []
        picked = [name for name in choices if name in text]
        if choices and not picked and pick(text, choices):
            picked = [pick(text, choices)]  # "第一个", "第二位"
        try:
            if picked:
                name = max(picked, key=len)  # 李梅华 is not 李梅
                doctor = doctor_named(self.hospital, name)
                return {"doctor": name, "doctor_choices": None, **({"department": doctor.department} if doctor else {})}
            doctors = find_doctors(self.hospital, text, tracker.get_slot("department"))
        except HospitalError:
            return {}
        if len(doctors) == 1:
            return {"doctor": doctors[0].name, "department": doctors[0].department, "doctor_choices": None}
        if len(doctors) > 1:
            return {"doctor": None, "doctor_choices": [d.name for d in doctors]}
        return {}

    def validate_doctor(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"doctor": value}

    # --- department ------------------------------------------------------------------------
    async def extract_department(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        if requested in _NOT_A_PIECE or not text:
            return {}
        try:
            department = find_department(self.hospital, text)
        except HospitalError:
            return {}
        if department:
            return {"department": department.name}
        named = entity_value(tracker, "department")
        if named:
            return {"department": named}
        if requested == "department" and latest_intent(tracker) == "inform":
            return {"department": text}  # validate_department explains it is unknown
        return {}

    def validate_department(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        try:
            department = find_department(self.hospital, value)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"department": None}
        if department is None:
            dispatcher.utter_message(response="utter_booking_unknown_department", department=value[:20])
            return {"department": None}
        return {"department": department.name}

    # --- date -------------------------------------------------------------------------------
    async def extract_date(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") in _NOT_A_PIECE:
            return {}
        parsed = parse_date(latest_text(tracker), self.today())
        if parsed.invalid:
            return {"date": f"invalid:{parsed.text}"}
        if parsed.date:
            result = {"date": parsed.date.isoformat()}
            if parsed.period:
                result["period"] = parsed.period
            return result
        return {}

    def validate_date(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value.startswith("invalid:"):
            dispatcher.utter_message(response="utter_booking_no_such_date", said=value[8:])
            return {"date": None}
        day = dt.date.fromisoformat(value)
        system = self.hospital
        try:
            first, last = system.schedule_window()
            closed = system.closed_reason(day)
            available = first <= day <= last and bool(
                open_sessions(system, booking_slots(tracker), date=value, period=None, number_type=None)
            )
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"date": None}
        today = self.today()
        if day < first:
            dispatcher.utter_message(response="utter_booking_date_past", month=day.month, day=day.day)
        elif day > last:
            dispatcher.utter_message(
                response="utter_booking_date_not_released", month=day.month, day=day.day, last=describe(last, today)
            )
        elif closed:
            dispatcher.utter_message(response="utter_booking_date_closed", day=describe(day, today), holiday=closed)
        elif not available:
            dispatcher.utter_message(
                response="utter_booking_date_full",
                day=describe(day, today),
                who=tracker.get_slot("doctor") or tracker.get_slot("department") or "",
            )
        else:
            return {"date": value}
        # The form asks for the day again next, with the days still open (AskDate).
        return {"date": None}

    # --- half-day ---------------------------------------------------------------------------
    async def extract_period(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") in _NOT_A_PIECE:
            return {}
        period = parse_period(latest_text(tracker))
        return {"period": period} if period else {}

    def validate_period(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not tracker.get_slot("date"):
            return {"period": value}  # checked once the day is known
        try:
            fits = open_sessions(self.hospital, booking_slots(tracker), period=value, number_type=None)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"period": None}
        kinds = {session.number_type for session in fits}
        if len(kinds) == 1 and not tracker.get_slot("number_type"):
            return {"period": value, "number_type": kinds.pop()}  # nothing to choose: not asked
        if fits:
            return {"period": value}
        dispatcher.utter_message(response="utter_booking_half_day_closed", period=value)
        return {"period": None}

    # --- number type ------------------------------------------------------------------------
    async def extract_number_type(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") in _NOT_A_PIECE:
            return {}
        number_type = parse_number_type(latest_text(tracker)) or entity_value(tracker, "number_type")
        return {"number_type": number_type} if number_type in NUMBER_TYPES else {}

    def validate_number_type(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not (tracker.get_slot("date") and tracker.get_slot("period")):
            return {"number_type": value}
        try:
            fits = open_sessions(self.hospital, booking_slots(tracker), number_type=value)
            if fits:
                return {"number_type": value}
            days_ahead = (dt.date.fromisoformat(tracker.get_slot("date")) - self.today()).days
            policy = self.hospital.expert_release_policy() if days_ahead >= facts().release[value].days else None
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"number_type": None}
        if policy:  # not released yet for that day: say when it opens
            dispatcher.utter_message(
                response="utter_booking_number_type_not_released", number_type=value, policy=policy
            )
        else:
            dispatcher.utter_message(response="utter_booking_number_type_full", number_type=value)
        return {"number_type": None}

    # --- the clinic session (which doctor) -------------------------------------------------
    async def extract_session_id(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "session_id":
            return {}
        text = latest_text(tracker)
        try:
            candidates = open_sessions(self.hospital, booking_slots(tracker))
        except HospitalError:
            return {}
        for session in candidates:
            if session.doctor_name in text:
                return {"session_id": str(session.id)}
        chosen = pick(text, candidates)
        return {"session_id": str(chosen.id)} if chosen else {}

    def validate_session_id(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"session_id": value}

    # --- confirmation ----------------------------------------------------------------------------
    async def extract_booking_confirmed(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "booking_confirmed":
            return {}
        intent = latest_intent(tracker)
        if intent == "affirm" or latest_text(tracker) in words("confirm"):
            return {"booking_confirmed": True}
        if intent in ("deny", "stop"):
            return {"booking_confirmed": False}
        return {}

    def validate_booking_confirmed(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"booking_confirmed": value}
