"""Schedule questions, no identity needed: who sees patients when, and how many
slots are left ("李医生周四出诊吗", "后天心内科还有号吗", "张医生礼拜三在不在")."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.booking.availability import EXPERT
from actions.booking.suggestions import suggested_departments
from actions.booking.wording import date_payload, money, parse_number_type, phrase, slots_left
from actions.catalogue_names import find_department, find_doctors
from actions.common import UsesHospital, buttons, latest_text, say_hospital_error
from hospital.facts import facts
from hospital.interface import Doctor, HospitalError, HospitalSystems
from language.dates import describe, parse_date

MAX_LINES = 8


class ScheduleInfo(UsesHospital, Action):
    """Who sees patients when, and how many slots are left — no identity needed."""

    def name(self) -> Text:
        return "action_schedule_info"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            reply = schedule_reply(self.hospital, latest_text(tracker), self.today())
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        dispatcher.utter_message(**reply)
        return []


def _doctor_buttons(doctors: List[Doctor], when: str) -> List[Dict[str, Any]]:
    return buttons(
        [
            (
                phrase("doctor_button", name=d.name, department=d.department, title=d.title),
                phrase("is_doctor_in_question", name=d.name, when=when),
            )
            for d in doctors[:MAX_LINES]
        ]
    )


def _ask_what(text: str, when: str) -> Dict[str, Any]:
    """Which department or doctor? With the departments the complaint or test points to as
    buttons, when it points to any ("22周想约四维彩超" → 产科)."""
    suggested = suggested_departments(text)
    if not suggested:
        return {"response": "utter_schedule_ask_what"}
    return {
        "response": "utter_schedule_ask_what_suggested",
        "departments": phrase("department_or").join(suggested),
        "buttons": buttons(
            [(name, phrase("department_schedule_question", department=name, when=when)) for name in suggested]
        ),
    }


def schedule_reply(system: HospitalSystems, text: str, today: dt.date) -> Dict[str, Any]:
    """The answer to "李医生周四出诊吗" / "后天心内科还有号吗" as utter_message kwargs."""
    parsed = parse_date(text, today)
    if parsed.invalid:
        return {"response": "utter_booking_no_such_date", "said": parsed.text}
    department = find_department(system, text)
    doctors = find_doctors(system, text, department.name if department else None)
    if len(doctors) > 1 and parsed.date:
        on_day = doctors_on_day(system, doctors, parsed.date, parsed.period)
        if len(on_day or ()) == 1:
            doctors = on_day  # "张医生礼拜三在不在": the one 张 who sees patients then
        elif on_day is not None:
            return doctors_on_day_reply(system, on_day, parsed.date, parsed.period, today)
    if len(doctors) > 1:
        return {"response": "utter_booking_which_doctor", "buttons": _doctor_buttons(doctors, parsed.text)}
    if not doctors and not department:
        return _ask_what(text, parsed.text if parsed.date else "")
    doctor = doctors[0] if doctors else None
    if doctor:
        who = phrase("doctor_who", name=doctor.name, department=doctor.department, title=doctor.title)
    else:
        who = department.name
    first, last = system.schedule_window()
    day = parsed.date
    if day and day < first:
        return {
            "response": "utter_schedule_date_past",
            "month": day.month,
            "day": day.day,
            "last": describe(last, today),
        }
    if day and day > last:
        expert = facts().release[EXPERT]
        return {
            "response": "utter_schedule_not_released",
            "last": describe(last, today),
            "expert_days": expert.days,
            "expert_at": f"{expert.at:%H:%M}",
        }
    if day and system.closed_reason(day):
        return {
            "response": "utter_booking_date_closed",
            "day": describe(day, today),
            "holiday": system.closed_reason(day),
        }
    sessions = system.sessions(
        department=doctor.department if doctor else department.name,
        doctor_id=doctor.id if doctor else None,
        start=day or first,
        end=day or last,
        period=parsed.period,
        number_type=parse_number_type(text),
    )
    if not sessions:
        when = describe(day, today) + (parsed.period or "") if day else phrase("two_weeks")
        later = system.sessions(
            department=doctor.department if doctor else department.name,
            doctor_id=doctor.id if doctor else None,
            only_available=True,
        )
        if not later:
            return {"response": "utter_schedule_none", "who": who, "when": when}
        return {
            "response": "utter_schedule_none_until",
            "who": who,
            "when": when,
            "next": phrase("next_free", day=describe(later[0].date, today), period=later[0].period),
        }
    lines = [
        phrase(
            "schedule_line",
            day=describe(s.date, today),
            period=s.period,
            doctor="" if doctor else phrase("schedule_doctor", name=s.doctor_name, title=s.doctor_title),
            number_type=s.number_type,
            fee=money(s.fee),
            left=slots_left(s.remaining),
        )
        for s in sessions[:MAX_LINES]
    ]
    more = phrase("schedule_more", count=len(sessions)) if len(sessions) > MAX_LINES else ""
    reply: Dict[str, Any] = {"response": "utter_schedule", "who": who, "lines": "\n".join(lines) + more}
    free = [s for s in sessions if s.remaining]
    if free:
        book = phrase(
            "book_payload", day=date_payload(free[0].date), period=free[0].period, department=free[0].department
        )
        if doctor:
            book += phrase("book_payload_doctor", name=free[0].doctor_name)
        reply["buttons"] = buttons([(phrase("book_button"), book)])
    return reply


def doctors_on_day(
    system: HospitalSystems, doctors: List[Doctor], day: dt.date, period: Optional[str]
) -> Optional[List[Doctor]]:
    """Those of `doctors` who see patients on `day` (and `period`), in the schedule's
    order; None when the day is outside the schedule or the hospital is closed."""
    first, last = system.schedule_window()
    if not first <= day <= last or system.closed_reason(day):
        return None
    return [
        doctor
        for doctor in doctors
        if system.sessions(department=doctor.department, doctor_id=doctor.id, start=day, end=day, period=period)
    ]


def doctors_on_day_reply(
    system: HospitalSystems, doctors: List[Doctor], day: dt.date, period: Optional[str], today: dt.date
) -> Dict[str, Any]:
    """Which of several doctors of one name see patients that day (none or several)."""
    when = describe(day, today) + (period or "")
    if not doctors:
        return {"response": "utter_no_doctor_on_day", "when": when}
    lines = []
    for doctor in doctors:
        sessions = system.sessions(department=doctor.department, doctor_id=doctor.id, start=day, end=day, period=period)
        times = phrase("doctor_on_day_times_joiner").join(
            phrase("doctor_on_day_time", period=s.period, number_type=s.number_type, left=slots_left(s.remaining))
            for s in sessions
        )
        lines.append(
            phrase("doctor_on_day", name=doctor.name, department=doctor.department, title=doctor.title, times=times)
        )
    return {
        "response": "utter_doctors_on_day",
        "when": when,
        "doctors": "\n".join(lines),
        "buttons": buttons(
            [
                (
                    phrase("doctor_on_day_button", name=d.name, department=d.department),
                    phrase("is_doctor_in_question", name=d.name, when=date_payload(day)),
                )
                for d in doctors[:MAX_LINES]
            ]
        ),
    }
