"""The words and reply pieces of data/booking/wording.yml, loaded once, and the
sentences built from them (a clinic session, an appointment, a day as a payload)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from hospital.interface import Appointment, ClinicSession
from language.dates import describe
from language.knowledge_files import load_yaml

WORDING_FILE = Path(__file__).resolve().parents[2] / "data" / "booking" / "wording.yml"


def load_wording(path: Path = WORDING_FILE) -> Dict[str, Any]:
    return load_yaml(str(path))


def words(name: str) -> List[Any]:
    return load_wording()["words"][name]


def phrase(key: str, /, **values: Any) -> str:
    return load_wording()["phrases"][key].format(**values)


def number_type_words() -> List[Tuple[str, List[str]]]:
    return [(number_type, said) for number_type, said in words("number_types")]


def parse_number_type(text: str) -> Optional[str]:
    for number_type, said in number_type_words():
        if any(word in text for word in said):
            return number_type
    return None


def money(fee: float) -> str:
    return f"{fee:g}"


def date_payload(day: dt.date) -> str:
    return phrase("date_payload", year=day.year, month=day.month, day=day.day)


def session_title(session: ClinicSession) -> str:
    return phrase("session_button", doctor=session.doctor_name, title=session.doctor_title, remaining=session.remaining)


def describe_session(session: ClinicSession, today: dt.date) -> str:
    return phrase(
        "session",
        department=session.department,
        doctor=session.doctor_name,
        title=session.doctor_title,
        day=describe(session.date, today),
        period=session.period,
        number_type=session.number_type,
        fee=money(session.fee),
        location=session.location,
    )


def appointment_title(appointment: Appointment) -> str:
    s = appointment.session
    return phrase(
        "appointment_title",
        month=s.date.month,
        day=s.date.day,
        period=s.period,
        department=s.department,
        doctor=s.doctor_name,
    )


def precheck_line(precheck: Optional[dict]) -> str:
    """What the patient told triage, as the doctor will see it with the appointment."""
    complaint = (precheck or {}).get("chief_complaint")
    if not complaint:
        return ""
    duration = precheck.get("duration")
    return phrase("precheck", complaint=complaint) + (
        phrase("precheck_duration", duration=duration) if duration else ""
    )


def describe_appointment(appointment: Appointment, today: dt.date, with_precheck: bool = False) -> str:
    text = phrase(
        "appointment",
        number=appointment.number,
        session=describe_session(appointment.session, today),
        queue_no=appointment.queue_no,
    )
    return text + precheck_line(appointment.precheck) if with_precheck else text


def slots_left(remaining: int) -> str:
    return phrase("slots_left", remaining=remaining) if remaining else phrase("fully_booked")
