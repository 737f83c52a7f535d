"""Booking (挂号): book, reschedule, cancel and list appointments.

One form, `booking_form`, books and reschedules (slot `booking_mode`). Patients give
the pieces in any order and correct any of them at any time: every piece is read
from the latest message on every turn, and whatever depended on a changed piece
(the chosen clinic session, the confirmation) is cleared and asked again. Only
dates, half-days, number types and doctors that really have free slots are offered.
"""
from __future__ import annotations

import abc
import datetime as dt
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    FORM_INTERRUPTIONS,
    buttons,
    entity_value,
    find_department_in_text,
    find_doctors_in_text,
    hospital,
    latest_intent,
    latest_text,
    say_hospital_error,
    today,
)
from hospital.interface import (
    NUMBER_TYPES,
    PERIODS,
    Appointment,
    ClinicSession,
    HospitalError,
)
from actions.triage.assessment import evaluate
from actions.triage.flow import update
from actions.identity import IdentityFormValidation, identity_slots, renew, verified_card, whose
from language.dates import describe, parse_date, parse_period
from language.ordinals import parse_ordinal, pick

logger = logging.getLogger(__name__)

BOOKING_SLOTS = [
    "department", "doctor", "doctor_choices", "date", "period", "number_type",
    "session_id", "appointment_no", "booking_mode", "booking_confirmed",
]
# What each piece invalidates when the patient changes it.
DEPENDENTS = {
    "department": ["session_id", "booking_confirmed"],
    "doctor": ["session_id", "booking_confirmed"],
    "date": ["session_id", "booking_confirmed"],
    "period": ["session_id", "booking_confirmed"],
    "number_type": ["session_id", "booking_confirmed"],
    "session_id": ["booking_confirmed"],
}
_NUMBER_TYPE_WORDS = (("特需号", ("特需",)), ("专家号", ("专家", "主任号")), ("普通号", ("普通", "普号")))
_APPOINTMENT_NO = re.compile(r"GH\d{8}-\d{3,4}", re.IGNORECASE)
MAX_SUGGESTIONS = 6


def parse_number_type(text: str) -> Optional[str]:
    for number_type, words in _NUMBER_TYPE_WORDS:
        if any(word in text for word in words):
            return number_type
    return None


def appointment_no_said(tracker: Tracker) -> Dict[Text, Any]:
    """The appointment number the patient picked, when the form asked for one."""
    if tracker.get_slot("requested_slot") != "appointment_no":
        return {}
    text = latest_text(tracker)
    match = _APPOINTMENT_NO.search(text)
    if match:
        return {"appointment_no": match.group(0).upper()}
    if parse_ordinal(text) is not None:  # "第一个": in the order the list showed them
        try:
            chosen = pick(text, my_appointments(tracker))
        except HospitalError:
            return {}
        return {"appointment_no": chosen.number} if chosen else {}
    return {}


def _day(value: Optional[str]) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _doctor_id(name: Optional[str], department: Optional[str]) -> Optional[int]:
    if not name:
        return None
    matches = [d for d in hospital().doctors(department) if d.name == name]
    return matches[0].id if matches else None


def open_sessions(slots: Dict[str, Any], **overrides: Any) -> List[ClinicSession]:
    """Sessions with free slots matching what the patient has chosen so far."""
    chosen = {**slots, **overrides}
    department = chosen.get("department")
    day = _day(chosen.get("date"))
    return hospital().sessions(
        department=department,
        doctor_id=_doctor_id(chosen.get("doctor"), department),
        start=day,
        end=day,
        period=chosen.get("period"),
        number_type=chosen.get("number_type"),
        only_available=True,
    )


def date_payload(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def session_title(session: ClinicSession) -> str:
    return f"{session.doctor_name} {session.doctor_title}（余{session.remaining}）"


def describe_session(session: ClinicSession) -> str:
    return (
        f"{session.department} {session.doctor_name}（{session.doctor_title}）\n"
        f"{describe(session.date, today())} {session.period} · {session.number_type} "
        f"{session.fee:g} 元\n地点：{session.location}"
    )


def appointment_title(appointment: Appointment) -> str:
    s = appointment.session
    return f"{s.date.month}月{s.date.day}日{s.period} {s.department} {s.doctor_name}"


def precheck_line(precheck: Optional[dict]) -> str:
    """What the patient told triage, as the doctor will see it with the appointment."""
    complaint = (precheck or {}).get("chief_complaint")
    if not complaint:
        return ""
    duration = precheck.get("duration")
    return f"\n预问诊（已随预约交给医生）：{complaint}" + (f"，{duration}" if duration else "")


def describe_appointment(appointment: Appointment, with_precheck: bool = False) -> str:
    text = f"预约号 {appointment.number}：{describe_session(appointment.session)}\n就诊序号：{appointment.queue_no}"
    return text + precheck_line(appointment.precheck) if with_precheck else text


def my_appointments(tracker: Tracker) -> List[Appointment]:
    """The verified patient's upcoming appointments (audited with this conversation)."""
    return hospital().appointments(verified_card(tracker), conversation_id=tracker.sender_id)


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
        before = {name: tracker.get_slot(name) for name in BOOKING_SLOTS}
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
                candidates = open_sessions(slots)
            except HospitalError:
                candidates = []
            if len(candidates) == 1:
                derived["session_id"] = str(candidates[0].id)
            elif not candidates and changed:
                # A change (say, another day) left the half-day or number type chosen
                # earlier without a free slot: ask for them again, with real options.
                try:
                    same_half_day = open_sessions(slots, number_type=None)
                except HospitalError:
                    same_half_day = []
                day = describe(_day(slots["date"]), today())
                if same_half_day:
                    stale = ["number_type"]
                    text = f"{day}{slots['period']}没有可预约的{slots['number_type']}了，请重新选择号别。"
                else:
                    stale = ["period", "number_type"]
                    text = f"{day}{slots['period']}没有可预约的号了，请重新选择时段。"
                dispatcher.utter_message(text=text)
                derived.update({name: None for name in stale})
        return [SlotSet(name, value) for name, value in derived.items()]

    # --- which appointment (reschedule) ----------------------------------------------
    async def extract_appointment_no(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return appointment_no_said(tracker)

    def validate_appointment_no(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        try:
            appointment = next(
                (a for a in my_appointments(tracker) if a.number == value), None
            )
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"appointment_no": None}
        if appointment is None:
            dispatcher.utter_message(text="没有找到这个预约，请从下面的列表里选。")
            return {"appointment_no": None}
        s = appointment.session
        return {
            "appointment_no": value,
            "department": s.department,
            "number_type": s.number_type,
            "doctor": s.doctor_name if s.number_type != "普通号" else None,
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
                departments = [d.department for d in hospital().doctors() if d.name == name]
                return {"doctor": name, "doctor_choices": None, **({"department": departments[0]} if departments else {})}
            doctors = find_doctors_in_text(text, tracker.get_slot("department"))
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
        if requested in ("card_no", "identity_secret", "appointment_no") or not text:
            return {}
        try:
            department = find_department_in_text(text)
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
            department = hospital().find_department(value)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"department": None}
        if department is None:
            dispatcher.utter_message(
                text=f"抱歉，本院没有“{value[:20]}”这个科室。请说科室名称，比如“心血管内科”；不确定挂哪个科，可以告诉我哪里不舒服。"
            )
            return {"department": None}
        return {"department": department.name}

    # --- date -------------------------------------------------------------------------------
    async def extract_date(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") in ("card_no", "identity_secret", "appointment_no"):
            return {}
        parsed = parse_date(latest_text(tracker), today())
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
            dispatcher.utter_message(text=f"“{value[8:]}”这个日期不存在，请再看一下日期。")
            self._suggest_dates(dispatcher, tracker)
            return {"date": None}
        day = dt.date.fromisoformat(value)
        system = hospital()
        try:
            first, last = system.schedule_window()
            closed = system.closed_reason(day)
            available = first <= day <= last and bool(
                open_sessions(self._slots(tracker), date=value, period=None, number_type=None)
            )
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"date": None}
        if day < first:
            problem = f"{day.month}月{day.day}日已经过去了，不能预约。"
        elif day > last:
            problem = f"{day.month}月{day.day}日还没有放号，目前可以预约到 {describe(last, today())}。"
        elif closed:
            problem = f"{describe(day, today())}是{closed}，门诊休息（急诊和发热门诊照常开放）。"
        elif not available:
            problem = f"{describe(day, today())}{self._what(tracker)}没有可预约的号了。"
        else:
            return {"date": value}
        dispatcher.utter_message(text=problem)
        self._suggest_dates(dispatcher, tracker)
        return {"date": None}

    def _slots(self, tracker: Tracker) -> Dict[str, Any]:
        return {name: tracker.get_slot(name) for name in BOOKING_SLOTS}

    def _what(self, tracker: Tracker) -> str:
        return tracker.get_slot("doctor") or tracker.get_slot("department") or ""

    def _suggest_dates(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        days = available_days(self._slots(tracker))
        if days:
            dispatcher.utter_message(
                text="最近还有号的日期：",
                buttons=buttons([(describe(d, today()), date_payload(d)) for d in days]),
            )
        else:
            dispatcher.utter_message(
                text="最近两周这个科室的号都约满了。可以换个科室或医生，也可以关注每天 15:00 放出的专家号。"
            )

    # --- half-day ---------------------------------------------------------------------------
    async def extract_period(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") in ("card_no", "identity_secret", "appointment_no"):
            return {}
        period = parse_period(latest_text(tracker))
        return {"period": period} if period else {}

    def validate_period(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not tracker.get_slot("date"):
            return {"period": value}  # checked once the day is known
        try:
            fits = open_sessions(self._slots(tracker), period=value, number_type=None)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"period": None}
        kinds = {session.number_type for session in fits}
        if len(kinds) == 1 and not tracker.get_slot("number_type"):
            return {"period": value, "number_type": kinds.pop()}  # nothing to choose: not asked
        if fits:
            return {"period": value}
        dispatcher.utter_message(text=f"那天{value}没有可预约的号。")
        return {"period": None}

    # --- number type ------------------------------------------------------------------------
    async def extract_number_type(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") in ("card_no", "identity_secret", "appointment_no"):
            return {}
        number_type = parse_number_type(latest_text(tracker)) or entity_value(tracker, "number_type")
        return {"number_type": number_type} if number_type in NUMBER_TYPES else {}

    def validate_number_type(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not (tracker.get_slot("date") and tracker.get_slot("period")):
            return {"number_type": value}
        try:
            fits = open_sessions(self._slots(tracker), number_type=value)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"number_type": None}
        if fits:
            return {"number_type": value}
        days_ahead = (dt.date.fromisoformat(tracker.get_slot("date")) - today()).days
        released = "" if value == "普通号" or days_ahead < 7 else f"（{hospital().expert_release_policy()}）"
        dispatcher.utter_message(text=f"这个时段没有可预约的{value}了{released}。")
        return {"number_type": None}

    # --- the clinic session (which doctor) -------------------------------------------------
    async def extract_session_id(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "session_id":
            return {}
        text = latest_text(tracker)
        try:
            candidates = open_sessions(self._slots(tracker))
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
        text = latest_text(tracker)
        if intent == "affirm" or text in ("确认预约", "确认改约"):
            return {"booking_confirmed": True}
        if intent in ("deny", "stop"):
            return {"booking_confirmed": False}
        return {}

    def validate_booking_confirmed(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"booking_confirmed": value}


def available_days(slots: Dict[str, Any]) -> List[dt.date]:
    """Days in the booking window with a free slot for the chosen department/doctor."""
    sessions = hospital().sessions(
        department=slots.get("department"),
        doctor_id=_doctor_id(slots.get("doctor"), slots.get("department")),
        start=today(),
        only_available=True,
    )
    days = sorted({s.date for s in sessions})
    return days[:MAX_SUGGESTIONS]


class BookingQuestion(Action, abc.ABC):
    """An `action_ask_<slot>` of the booking forms: it offers only what the hospital
    can really give, so it reads the hospital; if that fails the patient is told."""

    @abc.abstractmethod  # abstract, so the action server's package scan skips this base
    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        """Say the question, with the choices as buttons."""

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        slots = {name: tracker.get_slot(name) for name in BOOKING_SLOTS}
        try:
            self.ask(dispatcher, slots, tracker)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
        return []


class AskDepartment(BookingQuestion):
    """Asks for the department; a patient who answers with symptoms instead ("我头晕手麻")
    gets the departments the triage engine ranks first, as buttons."""

    def name(self) -> Text:
        return "action_ask_department"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        assessment = evaluate(update(None, latest_text(tracker)))
        suggested = [name for name, _ in assessment.ranking[:2]]
        if not suggested or assessment.red_flags:
            dispatcher.utter_message(response="utter_ask_department")
            return
        dispatcher.utter_message(
            text=(
                f"按您说的情况，一般可以先看{'或'.join(suggested)}（只是初步建议，医生会再判断）。"
                "请问挂哪个科室？"
            ),
            buttons=buttons([(name, name) for name in suggested]),
        )


class AskDoctor(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_doctor"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        names = slots.get("doctor_choices") or []
        # In the order of doctor_choices, so that "第二位" is the second button.
        doctors = sorted((d for d in hospital().doctors() if d.name in names), key=lambda d: names.index(d.name))
        dispatcher.utter_message(
            text="有几位医生符合，请问是哪一位？",
            buttons=buttons([(f"{d.name}（{d.department} {d.title}）", d.name) for d in doctors]),
        )


class AskDate(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_date"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        days = available_days(slots)
        who = slots.get("doctor") or slots.get("department")
        if not days:
            dispatcher.utter_message(
                text=f"{who}最近两周的号都约满了。可以换个科室或医生，或者说“转人工”。"
            )
            return
        dispatcher.utter_message(
            text=f"想约{who}哪一天？下面是还有号的日期，也可以直接说“周四”“12月1日”。",
            buttons=buttons([(describe(d, today()), date_payload(d)) for d in days]),
        )


class AskPeriod(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_period"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        periods = {s.period for s in open_sessions(slots, period=None, number_type=None)}
        options = [p for p in PERIODS if p in periods]
        dispatcher.utter_message(
            text="想约上午、下午还是夜间？", buttons=buttons([(p, p) for p in options])
        )


class AskNumberType(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_number_type"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        sessions = open_sessions(slots, number_type=None)
        fees = {s.number_type: s.fee for s in sessions}
        options = [t for t in NUMBER_TYPES if t in fees]
        dispatcher.utter_message(
            text="想挂哪种号？普通号由主治医师看诊，专家号由副主任及以上医师看诊。",
            buttons=buttons([(f"{t}（{fees[t]:g}元）", t) for t in options]),
        )


class AskSessionId(BookingQuestion):
    def name(self) -> Text:
        return "action_ask_session_id"

    def ask(self, dispatcher: CollectingDispatcher, slots: Dict[str, Any], tracker: Tracker) -> None:
        sessions = open_sessions(slots)
        dispatcher.utter_message(
            text="这个时段有以下医生可约，请选一位：",
            buttons=buttons([(session_title(s), s.doctor_name) for s in sessions[:8]]),
        )


class AskBookingConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_booking_confirmed"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            session = hospital().session(int(tracker.get_slot("session_id")))
        except (HospitalError, TypeError, ValueError) as error:
            logger.warning("cannot show the chosen session: %s", error)
            dispatcher.utter_message(response="utter_system_down")
            return [SlotSet("session_id", None)]
        rescheduling = tracker.get_slot("booking_mode") == "reschedule"
        verb = "改约到" if rescheduling else "预约"
        dispatcher.utter_message(
            text=f"请确认{verb}：\n{describe_session(session)}\n确认无误请点“{'确认改约' if rescheduling else '确认预约'}”。想改日期或时间，直接告诉我，比如“改成周四”。",
            buttons=buttons(
                [("确认改约" if rescheduling else "确认预约", "确认改约" if rescheduling else "确认预约"), ("不约了", "算了，不约了")]
            ),
        )
        return []


class BookingStart(Action):
    """Starts the booking form afresh, keeping a department handed over by triage."""

    def name(self) -> Text:
        return "action_booking_start"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        mode = "reschedule" if latest_intent(tracker) == "reschedule_appointment" else "book"
        keep = {"department"} if mode == "book" and tracker.get_slot("triage_department") else set()
        events = [SlotSet(name, None) for name in BOOKING_SLOTS if name not in keep]
        if keep:
            events.append(SlotSet("department", tracker.get_slot("triage_department")))
        return events + [SlotSet("booking_mode", mode)]


def arrival_notes(appointment: Appointment) -> str:
    return (
        "就诊当天请提前 15 分钟到达，凭医保卡（社保卡）或电子健康卡在门诊楼 1 楼自助机签到取号，"
        "也可以到挂号窗口签到。\n请带好医保卡或身份证，以及以前的病历和检查资料。"
    )


class BookingCommit(Action):
    def name(self) -> Text:
        return "action_booking_commit"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        reset = [SlotSet(name, None) for name in BOOKING_SLOTS]
        card = verified_card(tracker)
        if not tracker.get_slot("booking_confirmed") or not card or not tracker.get_slot("session_id"):
            dispatcher.utter_message(response="utter_booking_cancelled")
            return reset
        session_id = int(tracker.get_slot("session_id"))
        system = hospital()
        try:
            if tracker.get_slot("booking_mode") == "reschedule":
                appointment = system.reschedule(card, tracker.get_slot("appointment_no"), session_id,
                                                 conversation_id=tracker.sender_id)
                headline = "改约成功！"
            else:
                appointment = system.book(card, session_id, precheck=tracker.get_slot("triage_summary"),
                                          conversation_id=tracker.sender_id)
                headline = "预约成功！"
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            if error.code != "unavailable":
                dispatcher.utter_message(text="本次没有预约成功。可以说“挂号”重新选择。")
            return reset
        try:
            name = whose(tracker, card)
        except HospitalError:
            name = ""
        patient = f"就诊人：{name}\n" if name else ""
        dispatcher.utter_message(text=f"{headline}\n{patient}{describe_appointment(appointment, with_precheck=True)}")
        dispatcher.utter_message(text=arrival_notes(appointment))
        return reset + renew(tracker)


class ListAppointments(Action):
    def name(self) -> Text:
        return "action_list_appointments"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        card = verified_card(tracker)
        if not card:
            return []
        try:
            appointments = hospital().appointments(card, conversation_id=tracker.sender_id)
            name = whose(tracker, card)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        if not appointments:
            dispatcher.utter_message(
                text=f"{name}，您目前没有待就诊的预约。需要挂号的话，说“挂号”就可以。",
                buttons=buttons([("我要挂号", "我要挂号")]),
            )
            return []
        lines = "\n\n".join(describe_appointment(a, with_precheck=True) for a in appointments)
        dispatcher.utter_message(
            text=f"{name}，您有 {len(appointments)} 个待就诊的预约：\n\n{lines}",
            buttons=buttons([("改约", "我要改约"), ("取消预约", "取消预约")]),
        )
        return []


class AskAppointmentNo(Action):
    """Which appointment to reschedule or cancel: the patient's own, as buttons."""

    def name(self) -> Text:
        return "action_ask_appointment_no"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            appointments = my_appointments(tracker)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        dispatcher.utter_message(
            text="请选择是哪一个预约：",
            buttons=buttons([(appointment_title(a), a.number) for a in appointments]),
        )
        return []


class ValidateCancelForm(IdentityFormValidation):
    def name(self) -> Text:
        return "validate_cancel_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        pending = identity_slots(tracker)
        if pending:
            return pending
        try:
            if not my_appointments(tracker):
                return []  # nothing to cancel: action_cancel_appointment says so
        except HospitalError:
            return []
        return ["appointment_no", "cancel_confirmed"]

    async def extract_appointment_no(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return appointment_no_said(tracker)

    def validate_appointment_no(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        try:
            mine = {a.number: a for a in my_appointments(tracker)}
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"appointment_no": None}
        if value not in mine:
            dispatcher.utter_message(text="没有找到这个预约，请从列表里选。")
            return {"appointment_no": None}
        return {"appointment_no": value}

    async def extract_cancel_confirmed(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "cancel_confirmed":
            return {}
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"cancel_confirmed": True}
        if intent in ("deny", "stop") or "不取消" in latest_text(tracker):
            return {"cancel_confirmed": False}
        return {}

    def validate_cancel_confirmed(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"cancel_confirmed": value}


class AskCancelConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_cancel_confirmed"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        number = tracker.get_slot("appointment_no")
        try:
            mine = {a.number: a for a in my_appointments(tracker)}
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        if number in mine:
            dispatcher.utter_message(
                text=f"确定要取消这个预约吗？\n{describe_appointment(mine[number])}",
                buttons=buttons([("确定取消", "确定"), ("不取消了", "不取消了")]),
            )
        return []


class CancelAppointment(Action):
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
                if not hospital().appointments(card, conversation_id=tracker.sender_id):
                    dispatcher.utter_message(text="您目前没有待就诊的预约，不需要取消。")
                return reset
            if not tracker.get_slot("cancel_confirmed"):
                dispatcher.utter_message(text="好的，预约保留不变。")
                return reset
            appointment = hospital().cancel(card, number, conversation_id=tracker.sender_id)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return reset
        dispatcher.utter_message(
            text=f"已取消预约 {appointment.number}（{appointment_title(appointment)}），号源已释放。需要重新挂号随时告诉我。"
        )
        return reset


class ScheduleInfo(Action):
    """Who sees patients when, and how many slots are left — no identity needed."""

    def name(self) -> Text:
        return "action_schedule_info"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = latest_text(tracker)
        try:
            reply = schedule_reply(text)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        dispatcher.utter_message(**reply)
        return []


def schedule_reply(text: str) -> Dict[str, Any]:
    """The answer to "李医生周四出诊吗" / "后天心内科还有号吗" as utter_message kwargs."""
    system = hospital()
    parsed = parse_date(text, today())
    if parsed.invalid:
        return {"text": f"“{parsed.text}”这个日期不存在，请再看一下日期。"}
    department = find_department_in_text(text)
    doctors = find_doctors_in_text(text, department.name if department else None)
    if len(doctors) > 1 and parsed.date:
        on_day = doctors_on_day(doctors, parsed.date, parsed.period)
        if len(on_day) == 1:
            doctors = on_day  # "张医生礼拜三在不在": the one 张 who sees patients then
        elif on_day is not None:
            return doctors_on_day_reply(on_day, parsed.date, parsed.period)
    if len(doctors) > 1:
        when = parsed.text
        return {
            "text": "有几位医生符合，请问是哪一位？",
            "buttons": buttons(
                [(f"{d.name}（{d.department} {d.title}）", f"{d.name}{when}出诊吗") for d in doctors[:8]]
            ),
        }
    if not doctors and not department:
        return {"text": "请问想查哪个科室或哪位医生？比如“心内科明天有号吗”“李建国医生周四出诊吗”。"}
    doctor = doctors[0] if doctors else None
    who = f"{doctor.name}医生（{doctor.department} {doctor.title}）" if doctor else department.name
    first, last = system.schedule_window()
    day = parsed.date
    if day and not first <= day <= last:
        if day < first:
            return {"text": f"{day.month}月{day.day}日已经过去了。可以问我今天到 {describe(last, today())} 之间的排班。"}
        return {"text": f"目前只能查到 {describe(last, today())} 的排班；专家号提前 7 天 15:00 放号。"}
    if day and system.closed_reason(day):
        return {"text": f"{describe(day, today())}是{system.closed_reason(day)}，门诊休息（急诊和发热门诊照常开放）。"}
    sessions = system.sessions(
        department=doctor.department if doctor else department.name,
        doctor_id=doctor.id if doctor else None,
        start=day or first,
        end=day or last,
        period=parsed.period,
        number_type=parse_number_type(text),
    )
    if not sessions:
        when = describe(day, today()) + (parsed.period or "") if day else "最近两周"
        later = system.sessions(
            department=doctor.department if doctor else department.name,
            doctor_id=doctor.id if doctor else None,
            only_available=True,
        )
        hint = f"最近可约：{describe(later[0].date, today())}{later[0].period}。" if later else ""
        return {"text": f"{who}{when}没有出诊。{hint}"}
    lines = []
    for s in sessions[:8]:
        left = f"余{s.remaining}个" if s.remaining else "已约满"
        name = "" if doctor else f"{s.doctor_name}（{s.doctor_title}）"
        lines.append(f"· {describe(s.date, today())}{s.period} {name}{s.number_type} {s.fee:g}元，{left}")
    more = f"\n……共 {len(sessions)} 个出诊时段" if len(sessions) > 8 else ""
    free = [s for s in sessions if s.remaining]
    book = f"帮我约{date_payload(free[0].date)}{free[0].period}{free[0].department}" if free else None
    reply = {"text": f"{who}的出诊安排：\n" + "\n".join(lines) + more}
    if book:
        reply["buttons"] = buttons([("帮我预约", book + (f"{free[0].doctor_name}医生" if doctor else ""))])
    return reply


def doctors_on_day(doctors, day: dt.date, period: Optional[str]):
    """Those of `doctors` who see patients on `day` (and `period`), in the schedule's
    order; None when the day is outside the schedule or the hospital is closed."""
    system = hospital()
    first, last = system.schedule_window()
    if not first <= day <= last or system.closed_reason(day):
        return None
    working = []
    for doctor in doctors:
        if system.sessions(department=doctor.department, doctor_id=doctor.id, start=day, end=day, period=period):
            working.append(doctor)
    return working


def doctors_on_day_reply(doctors, day: dt.date, period: Optional[str]) -> Dict[str, Any]:
    """Which of several doctors of one name see patients that day (none or several)."""
    when = describe(day, today()) + (period or "")
    if not doctors:
        return {"response": "utter_no_doctor_on_day", "when": when}
    system = hospital()
    lines = []
    for doctor in doctors:
        sessions = system.sessions(department=doctor.department, doctor_id=doctor.id, start=day, end=day, period=period)
        times = "、".join(f"{s.period}{s.number_type}（{'余' + str(s.remaining) + '个' if s.remaining else '已约满'}）"
                         for s in sessions)
        lines.append(f"· {doctor.name}（{doctor.department} {doctor.title}）：{times}")
    return {
        "response": "utter_doctors_on_day", "when": when, "doctors": "\n".join(lines),
        "buttons": buttons([(f"{d.name}（{d.department}）", f"{d.name}{date_payload(day)}出诊吗") for d in doctors[:8]]),
    }


class FeeInfo(Action):
    def name(self) -> Text:
        return "action_fee_info"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            fees = hospital().fees()
            policy = hospital().expert_release_policy()
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        lines = "\n".join(f"· {kind}：{fee:g} 元" for kind, fee in fees.items())
        dispatcher.utter_message(
            text=f"本院挂号费：\n{lines}\n普通号由主治医师看诊，专家号由副主任及以上医师看诊，特需号为知名专家。{policy.rstrip('。')}。挂号费可以用医保支付。"
        )
        return []
