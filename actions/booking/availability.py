"""What the hospital can still offer for what the patient has chosen so far, and
the patient's own appointments."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker

from actions.catalogue_names import doctor_named
from actions.common import latest_text
from actions.identity import verified_card
from hospital.interface import NUMBER_TYPES, Appointment, ClinicSession, HospitalError, HospitalSystems
from language.ordinals import parse_ordinal, pick

BOOKING_SLOTS = [
    "department",
    "doctor",
    "doctor_choices",
    "date",
    "period",
    "number_type",
    "session_id",
    "appointment_no",
    "booking_mode",
    "booking_confirmed",
]
MAX_SUGGESTIONS = 6
EXPERT = NUMBER_TYPES[1]  # 专家号
_APPOINTMENT_NO = re.compile(r"GH\d{8}-\d{3,4}", re.IGNORECASE)


def booking_slots(tracker: Tracker) -> Dict[str, Any]:
    return {name: tracker.get_slot(name) for name in BOOKING_SLOTS}


def slot_day(value: Optional[str]) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _doctor_id(hospital: HospitalSystems, name: Optional[str], department: Optional[str]) -> Optional[int]:
    doctor = doctor_named(hospital, name, department)
    return doctor.id if doctor else None


def open_sessions(hospital: HospitalSystems, slots: Dict[str, Any], **overrides: Any) -> List[ClinicSession]:
    """Sessions with free slots matching what the patient has chosen so far."""
    chosen = {**slots, **overrides}
    department = chosen.get("department")
    day = slot_day(chosen.get("date"))
    return hospital.sessions(
        department=department,
        doctor_id=_doctor_id(hospital, chosen.get("doctor"), department),
        start=day,
        end=day,
        period=chosen.get("period"),
        number_type=chosen.get("number_type"),
        only_available=True,
    )


def available_days(hospital: HospitalSystems, slots: Dict[str, Any], today: dt.date) -> List[dt.date]:
    """Days in the booking window with a free slot for the chosen department/doctor."""
    sessions = hospital.sessions(
        department=slots.get("department"),
        doctor_id=_doctor_id(hospital, slots.get("doctor"), slots.get("department")),
        start=today,
        only_available=True,
    )
    days = sorted({s.date for s in sessions})
    return days[:MAX_SUGGESTIONS]


def my_appointments(hospital: HospitalSystems, tracker: Tracker) -> List[Appointment]:
    """The verified patient's upcoming appointments (audited with this conversation)."""
    return hospital.appointments(verified_card(tracker), conversation_id=tracker.sender_id)


def appointment_no_said(hospital: HospitalSystems, tracker: Tracker) -> Dict[Text, Any]:
    """The appointment number the patient picked, when the form asked for one."""
    if tracker.get_slot("requested_slot") != "appointment_no":
        return {}
    text = latest_text(tracker)
    match = _APPOINTMENT_NO.search(text)
    if match:
        return {"appointment_no": match.group(0).upper()}
    try:
        mine = my_appointments(hospital, tracker)
    except HospitalError:
        return {}
    if parse_ordinal(text) is not None:  # "第一个": in the order the list showed them
        chosen = pick(text, mine)
        return {"appointment_no": chosen.number} if chosen else {}
    if len(mine) == 1:  # "改到后天", "就这个": with one appointment, that one
        return {"appointment_no": mine[0].number}
    return {}
