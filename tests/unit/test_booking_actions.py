"""The booking actions (actions/booking/) run against the real domain and a freshly
seeded in-memory hospital whose today is 2026-11-24 (a Tuesday, 09:00).

Session ids are looked up in the hospital, never hard-coded; what a patient is told
and which slots change are asserted exactly."""

import datetime as dt

import pytest
from sqlalchemy import text

from actions.booking.asks import (
    AskAppointmentNo,
    AskBookingConfirmed,
    AskDate,
    AskDepartment,
    AskDoctor,
    AskNumberType,
    AskPeriod,
    AskSessionId,
)
from actions.booking.cancel import AskCancelConfirmed, CancelAppointment, ValidateCancelForm
from actions.booking.commit import BookingCommit, BookingStart
from actions.booking.fees import FeeInfo
from actions.booking.form import ValidateBookingForm
from actions.booking.listing import ListAppointments
from actions.booking.schedule_questions import ScheduleInfo, schedule_reply
from actions.catalogue_names import find_doctors
from hospital.demo.scenario import demo_patients
from hospital import create_hospital
from tests.conftest import reference_hospital
from tests.unit.action_harness import (
    Harness,
    button_payloads,
    button_titles,
    delivered,
    domain,
    responses,
    slot_events,
    texts,
    tracker,
)

CARD = "1000005"  # 赵丽华: no appointments in the seed
PATIENT = next(p for p in demo_patients() if p.card_no == CARD)
D = dt.date
THU = D(2026, 11, 26)
FRI = D(2026, 11, 27)

# Doctors' names are drawn at random by the demo; the scenario fixes only that several
# departments' first doctor is surnamed 李 (心血管内科 and 眼科 among them).
LI = find_doctors(reference_hospital(), "李医生")
LI_DOCTORS = [d.name for d in LI]
LI_CARDIOLOGIST = next(d.name for d in LI if d.department == "心血管内科")
LI_OPHTHALMOLOGIST = next(d.name for d in LI if d.department == "眼科")
# 心血管内科's expert clinic on Thursday afternoon (the demo appointment of card 1000001).
THU_EXPERT = min(
    reference_hospital().sessions(department="心血管内科", start=THU, end=THU, period="下午", number_type="专家号"),
    key=lambda s: s.id,
)
EXPERT = THU_EXPERT.doctor_name
EXPERT_WITH_TITLE = f"{EXPERT}（{THU_EXPERT.doctor_title}）"


@pytest.fixture
def h(hospital, today):
    return Harness(hospital, today)


def SLOT(name, value):
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


def ASK(name):
    return SLOT("requested_slot", name)


def only(sessions):
    assert len(sessions) == 1, sessions
    return sessions[0]


def book_slots(**slots):
    """Booking-form slots of a verified patient (the required slots then equal the
    domain's, so Rasa itself picks what to ask next: no requested_slot event)."""
    return {"booking_mode": "book", "verified_card": CARD, **slots}


def answer(h, question):
    """The schedule answer to `question` as the patient reads it."""
    return delivered(schedule_reply(h.hospital, question, h.today))


async def validate(h, text_, intent="inform", entities=(), requested=None, **slots):
    return await h.run(h.build(ValidateBookingForm), tracker(text_, intent, entities, slots=slots, requested=requested))


# --- which slots the form asks for -----------------------------------------------------------


@pytest.mark.parametrize(
    "slots, expected",
    [
        (
            {"booking_mode": "book"},
            [
                "department",
                "date",
                "period",
                "number_type",
                "session_id",
                "card_no",
                "identity_secret",
                "booking_confirmed",
            ],
        ),
        (
            {"booking_mode": "book", "verified_card": CARD},
            ["department", "date", "period", "number_type", "session_id", "booking_confirmed"],
        ),
        (
            {"booking_mode": "reschedule"},
            [
                "card_no",
                "identity_secret",
                "appointment_no",
                "department",
                "date",
                "period",
                "number_type",
                "session_id",
                "booking_confirmed",
            ],
        ),
        (
            {"booking_mode": "reschedule", "verified_card": CARD},
            ["appointment_no", "department", "date", "period", "number_type", "session_id", "booking_confirmed"],
        ),
        (
            {"booking_mode": "book", "verified_card": CARD, "doctor_choices": LI_DOCTORS[:2]},
            ["doctor", "department", "date", "period", "number_type", "session_id", "booking_confirmed"],
        ),
        (
            {"booking_mode": "book", "verified_card": CARD, "doctor_choices": LI_DOCTORS[:2], "doctor": LI_DOCTORS[1]},
            ["department", "date", "period", "number_type", "session_id", "booking_confirmed"],
        ),
    ],
)
async def test_required_slots(h, slots, expected):
    form = ValidateBookingForm()
    t = tracker("", "book_appointment", slots=slots)
    assert await form.required_slots(form.domain_slots(domain()), None, t, domain()) == expected


async def test_booking_start_clears_the_form_and_sets_the_mode(h):
    _, events = await h.run(
        h.build(BookingStart), tracker("帮我挂个号", "book_appointment", slots={"date": "2026-11-26"})
    )
    assert slot_events(events) == {
        "department": None,
        "doctor": None,
        "doctor_choices": None,
        "date": None,
        "period": None,
        "number_type": None,
        "session_id": None,
        "appointment_no": None,
        "booking_mode": "book",
        "booking_confirmed": None,
    }
    _, events = await h.run(h.build(BookingStart), tracker("我要改约", "reschedule_appointment"))
    assert slot_events(events)["booking_mode"] == "reschedule"


async def test_booking_start_keeps_the_department_triage_suggested(h):
    t = tracker("帮我挂号", "book_appointment", slots={"triage_department": "神经内科", "department": "骨科"})
    _, events = await h.run(h.build(BookingStart), t)
    assert slot_events(events)["department"] == "神经内科"


async def test_booking_right_after_a_walk_in_outcome_says_it_needs_none(h):
    """ "帮我挂个号" right after "发热门诊 24 小时开放…直接过去" was asked which department."""
    outcome = {"department": "发热门诊", "urgency": "today", "reason": "…", "advice": "…"}
    turn = [
        {"event": "user", "text": "嗓子疼发烧38度", "parse_data": {}},
        {"event": "slot", "name": "triage_outcome", "value": outcome},
        {"event": "action", "name": "action_triage_outcome"},
    ]
    for message, said in (("帮我挂个号", ["utter_booking_walk_in"]), ("帮我挂呼吸内科", [])):
        dispatcher, _ = await h.run(h.build(BookingStart), tracker(message, "book_appointment", history=turn))
        assert [m.get("response") for m in dispatcher.messages] == said, message


# --- department -------------------------------------------------------------------------------


async def test_department_by_name_then_ask_the_date_unverified(h):
    dispatcher, events = await validate(
        h, "我想挂眼科", "book_appointment", [("department", "眼科")], booking_mode="book"
    )
    assert events == [SLOT("department", "眼科"), ASK("date")]
    assert dispatcher.messages == []


async def test_department_by_alias(h):
    _, events = await validate(h, "心内科", requested="department", **book_slots())
    assert events == [SLOT("department", "心血管内科")]


async def test_unknown_department_is_refused_politely(h):
    dispatcher, events = await validate(h, "美容科", requested="department", **book_slots())
    assert events == [SLOT("department", None)]
    assert texts(dispatcher) == [
        "抱歉，本院没有“美容科”这个科室。请说科室名称，比如“心血管内科”；不确定挂哪个科，可以告诉我哪里不舒服。"
    ]


async def test_no_department_guess_while_identity_is_asked(h):
    slots = {
        "booking_mode": "book",
        "department": "眼科",
        "date": "2026-11-26",
        "period": "下午",
        "number_type": "专家号",
        "session_id": "295",
    }
    _, events = await validate(h, "就诊卡1000005", "provide_identity", requested="card_no", **slots)
    assert events == [SLOT("card_no", "1000005"), ASK("identity_secret")]


async def test_hospital_down_while_validating_ends_the_form_politely(h, hospital, monkeypatch):
    from hospital.interface import SystemUnavailable

    catalogue = hospital.departments()

    def down_after_reading_the_answer():
        # The department was read from the message; then the system goes down while
        # the form checks it.
        monkeypatch.setattr(hospital, "departments", down)
        return catalogue

    def down(*_args, **_kwargs):
        raise SystemUnavailable("系统暂时无法连接医院信息系统，本次没有办理成功，请稍后再试。")

    monkeypatch.setattr(hospital, "departments", down_after_reading_the_answer)
    dispatcher, events = await validate(h, "眼科", requested="department", booking_mode="book")
    assert events[0] == SLOT("department", None)
    assert events[-2:] == [ASK(None), {"event": "active_loop", "timestamp": None, "name": None}]
    assert responses(dispatcher) == ["utter_hospital_error_unavailable"]


# --- doctor -------------------------------------------------------------------------------------


async def test_doctor_by_full_name_sets_the_department(h):
    dispatcher, events = await validate(h, f"我想约{EXPERT}医生的号", "book_appointment", **book_slots())
    assert events == [SLOT("department", "心血管内科"), SLOT("doctor", EXPERT)]
    assert dispatcher.messages == []


async def test_surname_with_several_doctors_asks_which_one(h):
    _, events = await validate(h, "我想约李医生的号", "book_appointment", booking_mode="book")
    assert events == [SLOT("doctor", None), SLOT("doctor_choices", LI_DOCTORS), ASK("doctor")]

    dispatcher, events = await h.run(
        h.build(AskDoctor), tracker("我想约李医生的号", "book_appointment", slots={"doctor_choices": LI_DOCTORS})
    )
    assert events == []
    assert texts(dispatcher) == ["有几位医生符合，请问是哪一位？"]
    assert button_payloads(dispatcher) == LI_DOCTORS
    assert button_titles(dispatcher) == [f"{d.name}（{d.department} {d.title}）" for d in LI]

    _, events = await validate(
        h, LI_OPHTHALMOLOGIST, requested="doctor", booking_mode="book", doctor_choices=LI_DOCTORS
    )
    assert slot_events(events) == {
        "department": "眼科",
        "doctor": LI_OPHTHALMOLOGIST,
        "doctor_choices": None,
        "requested_slot": "date",
    }
    assert events[-1] == ASK("date")


async def test_surname_with_a_department_narrows_to_one_doctor(h):
    _, events = await validate(h, "心内科的李医生", "book_appointment", **book_slots())
    assert events == [SLOT("department", "心血管内科"), SLOT("doctor", LI_CARDIOLOGIST)]


# --- date ----------------------------------------------------------------------------------------


def first_days(hospital, department, n=6):
    days = sorted({s.date for s in hospital.sessions(department=department, only_available=True)})
    return [f"{d.year}年{d.month}月{d.day}日" for d in days[:n]]


async def test_date_with_half_day(h):
    _, events = await validate(h, "后天下午", requested="date", **book_slots(department="眼科"))
    assert events == [SLOT("date", "2026-11-26"), SLOT("period", "下午")]


async def test_a_bare_half_day_does_not_move_the_date_to_today(h):
    _, events = await validate(h, "改到下午", requested="period", **book_slots(department="眼科", date="2026-11-26"))
    assert events == [SLOT("period", "下午")]


async def rejected_date_turn(h, said, department="眼科"):
    """A day the patient gave that cannot be booked, as the turn goes on: the form's check
    says why, then the form asks for the day again (AskDate), with the days still open."""
    checked, events = await validate(h, said, requested="date", **book_slots(department=department))
    assert events == [SLOT("date", None)]
    asked, _ = await h.run(h.build(AskDate), tracker(said, "inform", slots=book_slots(department=department)))
    assert button_payloads(checked) == []  # the open days are shown once, by the question
    return texts(checked) + texts(asked), button_payloads(asked), button_titles(asked)


ASK_EYE_DATE = "想约眼科哪一天？下面是还有号的日期，也可以直接说“周四”“12月1日”。"


async def test_past_date(h, hospital):
    said, payloads, titles = await rejected_date_turn(h, "9月17日")
    assert said == ["9月17日已经过去了，不能预约。", ASK_EYE_DATE]
    assert payloads == first_days(hospital, "眼科")
    assert titles[:3] == [
        "11月24日（周二，今天）",
        "11月25日（周三，明天）",
        "11月26日（周四，后天）",
    ]


@pytest.mark.parametrize("said", ["2月30日", "二月三十号"])
async def test_impossible_date(h, hospital, said):
    told, payloads, _ = await rejected_date_turn(h, f"约{said}")
    assert told == [f"“{said}”这个日期不存在，请再看一下日期。", ASK_EYE_DATE]
    assert payloads == first_days(hospital, "眼科")


async def test_date_beyond_the_booking_window(h):
    said, _, _ = await rejected_date_turn(h, "12月20日")
    assert said == ["12月20日还没有放号，目前可以预约到 12月7日（周一）。", ASK_EYE_DATE]


async def test_day_without_clinics(h, hospital):
    said, payloads, _ = await rejected_date_turn(h, "这周日")
    assert said == ["11月29日（周日）眼科没有可预约的号了。", ASK_EYE_DATE]
    assert payloads == first_days(hospital, "眼科")


async def test_fully_booked_department_gets_no_dead_end_buttons(h, hospital):
    for s in hospital.sessions(department="康复医学科", only_available=True):
        hospital.set_session_load(s.id, booked=s.capacity)
    said, payloads, _ = await rejected_date_turn(h, "后天", department="康复医学科")
    assert said == [
        "11月26日（周四，后天）康复医学科没有可预约的号了。",
        "康复医学科最近两周的号都约满了。可以换个科室或医生，也可以关注每天 15:00 放出的专家号，或者说“转人工”。",
    ]
    assert payloads == []


async def test_public_holiday_is_closed(monkeypatch):
    # Monday 2026-12-28: the window reaches 元旦 (2027-01-01..03).
    monday = D(2026, 12, 28)
    hospital = create_hospital("sqlite://", today=monday)
    try:
        h = Harness(hospital, monday)
        said, payloads, _ = await rejected_date_turn(h, "这周五")
        assert said == ["1月1日（周五）是元旦，门诊休息（急诊和发热门诊照常开放）。", ASK_EYE_DATE]
        assert payloads and "2027年1月1日" not in payloads
        assert answer(h, "眼科这周五有号吗") == {
            "text": "1月1日（周五）是元旦，门诊休息（急诊和发热门诊照常开放）。",
            "buttons": [],
        }
    finally:
        hospital.dispose()


async def test_ask_department_plainly_when_no_symptoms_were_told(h):
    dispatcher, _ = await h.run(h.build(AskDepartment), tracker("帮我挂个号", "book_appointment", slots=book_slots()))
    assert [m.get("response") for m in dispatcher.messages] == ["utter_ask_department"]


async def test_ask_department_suggests_departments_for_told_symptoms(h):
    dispatcher, _ = await h.run(h.build(AskDepartment), tracker("我头晕手麻", "describe_symptoms", slots=book_slots()))
    assert "神经内科" in texts(dispatcher)[0] and "初步建议" in texts(dispatcher)[0]
    assert button_payloads(dispatcher)[0] == "神经内科"


async def test_ask_department_suggests_a_second_department_only_when_it_is_close(h):
    dispatcher, _ = await h.run(
        h.build(AskDepartment), tracker("孕12周要做NT，挂什么号", "ask_department", slots=book_slots())
    )
    assert button_payloads(dispatcher) == ["产科"]


async def test_ask_date_offers_days_with_free_slots(h, hospital):
    dispatcher, events = await h.run(h.build(AskDate), tracker("眼科", "inform", slots=book_slots(department="眼科")))
    assert events == []
    assert texts(dispatcher) == ["想约眼科哪一天？下面是还有号的日期，也可以直接说“周四”“12月1日”。"]
    assert button_payloads(dispatcher) == first_days(hospital, "眼科")


# --- half-day and number type ----------------------------------------------------------------------


async def test_half_day_without_clinics_that_day(h):
    dispatcher, events = await validate(
        h, "晚上", requested="period", **book_slots(department="眼科", date="2026-11-26")
    )
    assert events == [SLOT("period", None)]
    assert texts(dispatcher) == ["那天夜间没有可预约的号。"]


async def test_expert_numbers_are_offered_only_once_released(h, hospital):
    week_ahead = D(2026, 12, 1)  # 专家号 open 7 days ahead at 15:00; the clock says 9:00
    assert not hospital.sessions(start=week_ahead, end=week_ahead, number_type="专家号", only_available=True)
    assert hospital.sessions(start=week_ahead, end=week_ahead, number_type="普通号", only_available=True)
    hospital.clock.advance(hours=6)
    assert hospital.sessions(start=week_ahead, end=week_ahead, number_type="专家号", only_available=True)


async def test_an_unreleased_expert_number_says_when_it_opens(h):
    slots = book_slots(department="骨科", date="2026-12-02", period="上午")
    dispatcher, events = await validate(h, "专家号", requested="number_type", **slots)
    assert SLOT("number_type", None) in events
    assert "15:00" in texts(dispatcher)[0]


async def test_a_half_day_with_one_kind_of_number_does_not_ask_the_kind(h, hospital):
    by_half_day = {}
    for session in hospital.sessions(only_available=True):
        key = (session.department, session.date.isoformat(), session.period)
        by_half_day.setdefault(key, set()).add(session.number_type)
    (department, day, period), kinds = next((k, v) for k, v in by_half_day.items() if len(v) == 1)
    _, events = await validate(h, period, requested="period", **book_slots(department=department, date=day))
    assert SLOT("period", period) in events and SLOT("number_type", kinds.pop()) in events


async def test_ask_period_lists_only_half_days_with_slots(h):
    dispatcher, _ = await h.run(
        h.build(AskPeriod), tracker("后天", "inform", slots=book_slots(department="眼科", date="2026-11-26"))
    )
    assert texts(dispatcher) == ["想约上午、下午还是夜间？"]
    assert button_payloads(dispatcher) == ["上午", "下午"]


async def test_number_type_not_offered_that_half_day(h):
    dispatcher, events = await validate(
        h,
        "特需号",
        "inform",
        [("number_type", "特需号")],
        requested="number_type",
        **book_slots(department="眼科", date="2026-11-26", period="下午"),
    )
    assert events == [SLOT("number_type", None)]
    assert texts(dispatcher) == ["这个时段没有可预约的特需号了。"]


async def test_ask_number_type_shows_fees(h):
    slots = book_slots(department="眼科", date="2026-11-26", period="上午")
    dispatcher, _ = await h.run(h.build(AskNumberType), tracker("上午", "inform", slots=slots))
    assert texts(dispatcher) == ["想挂哪种号？普通号由主治医师看诊，专家号由副主任及以上医师看诊。"]
    assert button_titles(dispatcher) == ["普通号（15元）", "专家号（50元）"]
    assert button_payloads(dispatcher) == ["普通号", "专家号"]


@pytest.mark.parametrize("said, number_type", [("要专家的", "专家号"), ("普通的就行", "普通号"), ("主任号", "专家号")])
async def test_number_type_words(h, said, number_type):
    _, events = await validate(h, said, requested="number_type", **book_slots(department="眼科"))
    assert events == [SLOT("number_type", number_type)]


# --- the clinic session --------------------------------------------------------------------------------


async def test_session_picked_when_only_one_fits(h, hospital):
    session = only(
        hospital.sessions(
            department="心血管内科", start=THU, end=THU, period="下午", number_type="专家号", only_available=True
        )
    )
    dispatcher, events = await validate(
        h,
        "帮我约后天下午心内科的专家号",
        "book_appointment",
        [("department", "心血管内科"), ("number_type", "专家号")],
        booking_mode="book",
    )
    assert events == [
        SLOT("department", "心血管内科"),
        SLOT("date", "2026-11-26"),
        SLOT("period", "下午"),
        SLOT("number_type", "专家号"),
        SLOT("session_id", str(session.id)),
        ASK("card_no"),
    ]
    assert dispatcher.messages == []


async def test_several_sessions_are_offered_by_doctor(h, hospital):
    sessions = hospital.sessions(
        department="骨科", start=THU, end=THU, period="下午", number_type="专家号", only_available=True
    )
    assert len(sessions) == 3
    slots = book_slots(department="骨科", date="2026-11-26", period="下午", number_type="专家号")
    dispatcher, _ = await h.run(h.build(AskSessionId), tracker("专家号", "inform", slots=slots))
    assert texts(dispatcher) == ["这个时段有以下医生可约，请选一位："]
    assert button_payloads(dispatcher) == [s.doctor_name for s in sessions]
    assert button_titles(dispatcher) == [f"{s.doctor_name} {s.doctor_title}（余{s.remaining}）" for s in sessions]

    _, events = await validate(h, sessions[1].doctor_name, requested="session_id", **slots)
    assert slot_events(events) == {
        "session_id": str(sessions[1].id),
        "doctor": sessions[1].doctor_name,
        "department": "骨科",
    }
    _, events = await validate(h, "第三个", requested="session_id", **slots)
    assert events == [SLOT("session_id", str(sessions[2].id))]


# --- corrections and confirmation --------------------------------------------------------------------


async def test_correction_after_everything_was_chosen(h, hospital):
    hospital.clock.advance(hours=7)  # 16:00: expert numbers a week ahead (12-01) are released
    tuesday = D(2026, 12, 1)
    session = only(
        hospital.sessions(
            department="骨科", start=tuesday, end=tuesday, period="下午", number_type="专家号", only_available=True
        )
    )
    slots = book_slots(
        department="骨科",
        date="2026-12-01",
        period="下午",
        number_type="专家号",
        session_id=str(session.id),
        booking_confirmed=True,
    )
    dispatcher, events = await validate(h, "不对，改成周四", requested="booking_confirmed", **slots)
    # Thursday afternoon has three 骨科 expert sessions: the patient picks again.
    assert events == [SLOT("date", "2026-11-26"), SLOT("session_id", None), SLOT("booking_confirmed", None)]
    assert dispatcher.messages == []


async def test_correction_to_a_day_without_that_number_type_asks_again(h):
    slots = book_slots(
        department="眼科",
        date="2026-11-26",
        period="下午",
        number_type="专家号",
        session_id="1",
        booking_confirmed=True,
    )
    dispatcher, events = await validate(h, "换成周五上午", requested="booking_confirmed", **slots)
    assert events == [
        SLOT("date", "2026-11-27"),
        SLOT("period", "上午"),
        SLOT("session_id", None),
        SLOT("booking_confirmed", None),
        SLOT("number_type", None),
    ]
    assert texts(dispatcher) == ["11月27日（周五）上午没有可预约的专家号了，请重新选择号别。"]


async def test_correction_while_unverified_asks_the_right_next_slot(h, hospital):
    # Three 骨科 expert sessions on Thursday 12-03 afternoon, one on Tuesday 12-01.
    hospital.clock.advance(hours=7)  # 16:00: expert numbers a week ahead (12-01) are released
    tuesday = D(2026, 12, 1)
    session = only(
        hospital.sessions(
            department="骨科", start=tuesday, end=tuesday, period="下午", number_type="专家号", only_available=True
        )
    )
    slots = {
        "booking_mode": "book",
        "department": "骨科",
        "date": "2026-12-03",
        "period": "下午",
        "number_type": "专家号",
    }
    _, events = await validate(h, "还是改成12月1号吧", requested="session_id", **slots)
    assert events == [SLOT("date", "2026-12-01"), SLOT("session_id", str(session.id)), ASK("card_no")]


async def test_confirmation_summary(h, hospital):
    session = only(
        hospital.sessions(
            department="心血管内科", start=THU, end=THU, period="下午", number_type="专家号", only_available=True
        )
    )
    dispatcher, events = await h.run(
        h.build(AskBookingConfirmed), tracker("5678", "provide_identity", slots=book_slots(session_id=str(session.id)))
    )
    assert events == []
    assert texts(dispatcher) == [
        f"请确认预约：\n心血管内科 {EXPERT_WITH_TITLE}\n11月26日（周四，后天） 下午 · 专家号 50 元\n地点：门诊楼2楼B区\n"
        "确认无误请点“确认预约”。想改日期或时间，直接告诉我，比如“改成周四”。"
    ]
    assert button_payloads(dispatcher) == ["确认预约", "算了，不约了"]


@pytest.mark.parametrize(
    "said, intent, confirmed",
    [("好的", "affirm", True), ("确认预约", "affirm", True), ("确认预约", "inform", True), ("不对", "deny", False)],
)
async def test_confirmation_answers(h, said, intent, confirmed):
    slots = book_slots(department="眼科", date="2026-11-26", period="下午", number_type="专家号", session_id="295")
    _, events = await validate(h, said, intent, requested="booking_confirmed", **slots)
    assert events == [SLOT("booking_confirmed", confirmed)]


@pytest.mark.parametrize(
    "said, intent",
    [
        ("算了，不约了", "stop"),
        ("我爸突然说话不清楚嘴歪了", "emergency"),
        ("转人工", "human_handoff"),
        ("医保卡丢了怎么办", "faq"),
        ("专家号多少钱", "ask_fee"),
        ("不知道挂什么科", "ask_department"),
    ],
)
async def test_interruptions_are_left_to_their_rules(h, said, intent):
    """No slot at all, so Rasa rejects the form turn and the intent's rule answers
    (a red flag first of all)."""
    slots = book_slots(department="眼科", date="2026-11-26", period="下午", number_type="专家号", session_id="295")
    _, events = await validate(h, said, intent, requested="booking_confirmed", **slots)
    assert events == []


async def test_an_interruption_picks_no_session_either(h):
    # One session fits but none is chosen yet: picking it now would stop the rejection.
    slots = book_slots(department="心血管内科", date="2026-11-26", period="下午", number_type="专家号")
    _, events = await validate(h, "算了，不约了", "stop", requested="session_id", **slots)
    assert events == []


# --- committing ------------------------------------------------------------------------------------------


def commit_tracker(session_id, **slots):
    return tracker(
        "确认预约",
        "affirm",
        active_loop=None,
        slots=book_slots(session_id=str(session_id), booking_confirmed=True, **slots),
    )


RESET = [
    SLOT(name, None)
    for name in (
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
    )
]


async def test_commit_books_and_explains_arrival(h, hospital):
    session = only(
        hospital.sessions(
            department="心血管内科", start=THU, end=THU, period="下午", number_type="专家号", only_available=True
        )
    )
    dispatcher, events = await h.run(h.build(BookingCommit), commit_tracker(session.id))
    assert events == RESET
    [appointment] = hospital.appointments(CARD)
    assert appointment.session.id == session.id and appointment.session.booked == session.booked + 1
    assert appointment.number.startswith("GH20261126-")
    assert texts(dispatcher) == [
        f"预约成功！\n就诊人：赵**\n预约号 {appointment.number}：心血管内科 {EXPERT_WITH_TITLE}\n"
        "11月26日（周四，后天） 下午 · 专家号 50 元\n地点：门诊楼2楼B区\n"
        f"就诊序号：{appointment.queue_no}",
        "就诊当天请提前 15 分钟到达，凭医保卡（社保卡）或电子健康卡在门诊楼 1 楼自助机签到取号，"
        "也可以到挂号窗口签到。\n请带好医保卡或身份证，以及以前的病历和检查资料。",
    ]
    assert "提前 15 分钟" in texts(dispatcher)[1] and "医保卡" in texts(dispatcher)[1]


async def test_commit_hands_the_triage_summary_to_the_doctor_and_says_so(h, hospital):
    session = only(
        hospital.sessions(
            department="心血管内科", start=THU, end=THU, period="下午", number_type="专家号", only_available=True
        )
    )
    summary = {"chief_complaint": "头晕，手有点麻", "duration": "3天", "red_flags": []}
    dispatcher, _ = await h.run(h.build(BookingCommit), commit_tracker(session.id, triage_summary=summary))
    [appointment] = hospital.appointments(CARD)
    assert appointment.precheck == summary
    assert texts(dispatcher)[0].endswith("\n预问诊（已随预约交给医生）：头晕，手有点麻，3天")


async def test_commit_when_the_last_slot_went_meanwhile(h, hospital):
    session = only(
        hospital.sessions(
            department="心血管内科", start=THU, end=THU, period="下午", number_type="专家号", only_available=True
        )
    )
    hospital.set_session_load(session.id, booked=session.capacity)
    dispatcher, events = await h.run(h.build(BookingCommit), commit_tracker(session.id))
    assert events == RESET
    assert responses(dispatcher) == ["utter_hospital_error_no_slots", "utter_booking_not_done"]
    assert hospital.appointments(CARD) == []


async def test_commit_when_the_hospital_system_fails(h, hospital):
    session = only(
        hospital.sessions(
            department="心血管内科", start=THU, end=THU, period="下午", number_type="专家号", only_available=True
        )
    )
    with hospital.engine.begin() as conn:  # the booking transaction fails half-way
        conn.execute(text("ALTER TABLE appointment_history RENAME TO appointment_history_gone"))
    dispatcher, events = await h.run(h.build(BookingCommit), commit_tracker(session.id))
    assert events == RESET
    assert responses(dispatcher) == ["utter_hospital_error_unavailable"]
    assert hospital.appointments(CARD) == []
    assert hospital.session(session.id).booked == session.booked  # rolled back


async def test_commit_after_the_patient_said_no(h):
    dispatcher, events = await h.run(
        h.build(BookingCommit),
        tracker("不约了", "deny", active_loop=None, slots=book_slots(session_id="5", booking_confirmed=False)),
    )
    assert events == RESET
    assert responses(dispatcher) == ["utter_booking_cancelled"]


async def test_reschedule_commit_moves_the_appointment(h, hospital):
    card = "1000001"
    [old] = hospital.appointments(card)
    new = hospital.sessions(
        department="心血管内科", start=FRI, end=FRI, period="下午", number_type="专家号", only_available=True
    )[0]
    t = tracker(
        "确认改约",
        "affirm",
        active_loop=None,
        slots={
            "booking_mode": "reschedule",
            "verified_card": card,
            "appointment_no": old.number,
            "session_id": str(new.id),
            "booking_confirmed": True,
        },
    )
    dispatcher, events = await h.run(h.build(BookingCommit), t)
    assert events == RESET
    [moved] = hospital.appointments(card)
    assert moved.session.id == new.id
    assert texts(dispatcher)[0].startswith(f"改约成功！\n就诊人：陈**\n预约号 {moved.number}：")


# --- schedule and fees (no identity needed) ---------------------------------------------------------------


async def test_schedule_for_a_surname_asks_which_doctor(h):
    dispatcher, events = await h.run(h.build(ScheduleInfo), tracker("李医生出诊吗", "ask_schedule", active_loop=None))
    assert events == []
    assert texts(dispatcher) == ["有几位医生符合，请问是哪一位？"]
    assert button_payloads(dispatcher) == [f"{name}出诊吗" for name in LI_DOCTORS[:8]]


async def test_a_surname_on_a_day_beyond_the_schedule_asks_which_doctor(h):
    # Several doctors and a day nobody can see yet: which one first (this used to raise).
    dispatcher, events = await h.run(
        h.build(ScheduleInfo), tracker("李医生12月20日出诊吗", "ask_schedule", active_loop=None)
    )
    assert events == []
    assert texts(dispatcher) == ["有几位医生符合，请问是哪一位？"]
    assert button_payloads(dispatcher) == [f"{name}12月20日出诊吗" for name in LI_DOCTORS[:8]]


def working_on(hospital, names, day):
    return [
        d
        for d in hospital.doctors()
        if d.name in names and hospital.sessions(department=d.department, doctor_id=d.id, start=day, end=day)
    ]


async def test_a_surname_on_a_day_answers_who_sees_patients_that_day(h, hospital):
    """Issue 13: "张医生礼拜三在不在" listed every 张 instead of answering the question."""
    working = working_on(hospital, LI_DOCTORS, THU)
    assert 1 < len(working) < len(LI_DOCTORS), "the seed must make this test mean something"
    dispatcher, _ = await h.run(h.build(ScheduleInfo), tracker("李医生礼拜四在不在", "ask_schedule", active_loop=None))
    [said] = dispatcher.messages
    assert said["response"] == "utter_doctors_on_day" and said["when"].startswith("11月26日")
    assert [line.split("（")[0] for line in said["doctors"].split("\n")] == [f"· {d.name}" for d in working]
    assert [b["payload"] for b in said["buttons"]] == [f"{d.name}2026年11月26日出诊吗" for d in working]


async def test_a_surname_on_a_day_with_one_doctor_working_answers_for_that_one(h, hospital):
    for offset in range(14):
        day = D(2026, 11, 24) + dt.timedelta(days=offset)
        working = working_on(hospital, [EXPERT, LI_CARDIOLOGIST], day)
        if len(working) == 1 and not hospital.closed_reason(day):
            break
    else:
        pytest.skip("no day with exactly one of the two at work")
    reply = schedule_reply(h.hospital, f"{day.month}月{day.day}日{LI_CARDIOLOGIST}和{EXPERT}医生在不在", h.today)
    assert reply["response"] == "utter_schedule" and delivered(reply)["text"].startswith(f"{working[0].name}医生")


async def test_an_ordinal_picks_a_doctor_from_the_list(h):
    _, events = await validate(h, "第二个", requested="doctor", booking_mode="book", doctor_choices=LI_DOCTORS)
    assert slot_events(events)["doctor"] == LI_DOCTORS[1]
    dispatcher, _ = await h.run(
        h.build(AskDoctor), tracker("李医生", "book_appointment", slots={"doctor_choices": LI_DOCTORS[::-1]})
    )
    assert button_payloads(dispatcher) == LI_DOCTORS[::-1], "buttons in the order the ordinal counts"


async def test_slots_left_for_a_department_the_day_after_tomorrow(h, hospital):
    sessions = hospital.sessions(department="心血管内科", start=THU, end=THU)
    reply = answer(h, "后天心内科还有号吗")
    lines = [
        f"· 11月26日（周四，后天）{s.period} {s.doctor_name}（{s.doctor_title}）{s.number_type} {s.fee:g}元，"
        + (f"余{s.remaining}个" if s.remaining else "已约满")
        for s in sessions
    ]
    assert reply["text"] == "心血管内科的出诊安排：\n" + "\n".join(lines)
    first_free = next(s for s in sessions if s.remaining)
    assert reply["buttons"] == [{"title": "帮我预约", "payload": f"帮我约2026年11月26日{first_free.period}心血管内科"}]


async def test_doctors_on_saturday_morning(h, hospital):
    saturday = D(2026, 11, 28)
    sessions = hospital.sessions(department="眼科", start=saturday, end=saturday, period="上午")
    reply = answer(h, "眼科周六上午有医生吗")
    assert reply["text"].splitlines()[0] == "眼科的出诊安排："
    assert len(reply["text"].splitlines()) == len(sessions) + 1
    assert all(s.doctor_name in reply["text"] for s in sessions)
    assert "下午" not in reply["text"]


async def test_schedule_for_a_doctor_by_full_name(h, hospital):
    reply = answer(h, f"{EXPERT}医生周四出诊吗")
    assert reply["text"].startswith(
        f"{EXPERT}医生（心血管内科 {THU_EXPERT.doctor_title}）的出诊安排：\n· 11月26日（周四，后天）下午 专家号 50元"
    )
    assert reply["buttons"][0]["payload"] == f"帮我约2026年11月26日下午心血管内科{EXPERT}医生"


async def test_schedule_on_a_day_without_clinics(h):
    reply = answer(h, "眼科这周日有门诊吗")
    assert reply == {"text": "眼科11月29日（周日）没有出诊。最近可约：11月24日（周二，今天）上午。", "buttons": []}


@pytest.mark.parametrize(
    "question, answer",
    [
        ("美容科明天有号吗", "请问想查哪个科室或哪位医生？比如“心内科明天有号吗”“李建国医生周四出诊吗”。"),
        ("眼科9月17日有号吗", "9月17日已经过去了。可以问我今天到 12月7日（周一） 之间的排班。"),
        ("眼科12月20号有号吗", "目前只能查到 12月7日（周一） 的排班；专家号提前 7 天 15:00 放号。"),
        ("眼科2月30日有号吗", "“2月30日”这个日期不存在，请再看一下日期。"),
    ],
)
async def test_schedule_questions_that_cannot_be_answered_with_a_list(h, question, answer):
    dispatcher, _ = await h.run(h.build(ScheduleInfo), tracker(question, "ask_slots", active_loop=None))
    assert texts(dispatcher) == [answer]


def test_schedule_question_without_a_department_suggests_the_one_the_test_points_to(h):
    reply = answer(h, "22周想约四维彩超 明天还约得上吗")
    assert "产科" in reply["text"] and "初步建议" in reply["text"]
    assert [b["payload"] for b in reply["buttons"]][0] == "产科明天有号吗"


def test_schedule_question_with_nothing_to_go_on_asks_plainly(h):
    reply = answer(h, "明天还有号吗")
    assert reply["text"].startswith("请问想查哪个科室或哪位医生") and reply["buttons"] == []


async def test_schedule_with_a_bare_half_day_covers_every_day(h, hospital):
    reply = answer(h, "眼科下午还有号吗")
    days = {s.date for s in hospital.sessions(department="眼科", period="下午")}
    assert len(days) > 1
    assert "11月25日（周三，明天）下午" in reply["text"]


async def test_fee_info(h):
    dispatcher, events = await h.run(h.build(FeeInfo), tracker("挂号费多少钱", "ask_fee", active_loop=None))
    assert events == []
    assert texts(dispatcher) == [
        "本院挂号费：\n· 普通号：15 元\n· 专家号：50 元\n· 特需号：200 元\n"
        "普通号由主治医师看诊，专家号由副主任及以上医师看诊，特需号为知名专家。"
        "专家号提前7天于15:00放号；普通号提前14天于8:00放号。挂号费可以用医保支付。"
    ]


# --- cancelling ------------------------------------------------------------------------------------------

OWNER = "1000001"  # 陈建国: one appointment, 心血管内科 on Thursday afternoon


def cancel_tracker(text_, intent="inform", requested="appointment_no", **slots):
    return tracker(
        text_, intent, slots={"verified_card": OWNER, **slots}, requested=requested, active_loop="cancel_form"
    )


async def test_cancel_form_required_slots(h, hospital):
    form = h.build(ValidateCancelForm)
    ask = lambda t: form.required_slots(form.domain_slots(domain()), None, t, domain())  # noqa: E731
    assert await ask(tracker("退号", "cancel_appointment", active_loop="cancel_form")) == ["card_no", "identity_secret"]
    assert await ask(cancel_tracker("退号", "cancel_appointment", requested=None)) == [
        "appointment_no",
        "cancel_confirmed",
    ]
    nothing_booked = tracker("退号", "cancel_appointment", slots={"verified_card": CARD}, active_loop="cancel_form")
    assert await ask(nothing_booked) == []


async def test_ask_which_appointment_offers_only_the_patients_own(h, hospital):
    [appointment] = hospital.appointments(OWNER)
    dispatcher, _ = await h.run(h.build(AskAppointmentNo), cancel_tracker("退号", "cancel_appointment"))
    assert texts(dispatcher) == ["请选择是哪一个预约："]
    assert button_titles(dispatcher) == [f"11月26日下午 心血管内科 {EXPERT}"]
    assert button_payloads(dispatcher) == [appointment.number]


async def test_an_ordinal_picks_an_appointment(h, hospital):
    [appointment] = hospital.appointments(OWNER)
    _, events = await h.run(h.build(ValidateCancelForm), cancel_tracker("第一个"))
    assert events == [SLOT("appointment_no", appointment.number)]
    _, events = await h.run(h.build(ValidateCancelForm), cancel_tracker("第二个"))
    assert SLOT("appointment_no", appointment.number) not in events


async def test_with_one_appointment_any_reply_to_which_one_picks_it(h, hospital):
    """ "改到后天" to "请选择是哪一个预约" was asked the same again."""
    [appointment] = hospital.appointments(OWNER)
    for said in ("改到后天", "就这个"):
        _, events = await h.run(h.build(ValidateCancelForm), cancel_tracker(said))
        assert events == [SLOT("appointment_no", appointment.number)], said


async def test_cancel_own_appointment_releases_the_slot(h, hospital):
    [appointment] = hospital.appointments(OWNER)
    booked = appointment.session.booked

    _, events = await h.run(h.build(ValidateCancelForm), cancel_tracker(appointment.number.lower()))
    assert events == [SLOT("appointment_no", appointment.number)]

    dispatcher, _ = await h.run(
        h.build(AskCancelConfirmed),
        cancel_tracker(appointment.number, requested="cancel_confirmed", appointment_no=appointment.number),
    )
    assert texts(dispatcher) == [
        "确定要取消这个预约吗？\n"
        f"预约号 {appointment.number}：心血管内科 {EXPERT_WITH_TITLE}\n"
        "11月26日（周四，后天） 下午 · 专家号 50 元\n地点：门诊楼2楼B区\n"
        f"就诊序号：{appointment.queue_no}"
    ]
    assert button_payloads(dispatcher) == ["确定", "不取消了"]

    _, events = await h.run(
        h.build(ValidateCancelForm),
        cancel_tracker("确定", "affirm", requested="cancel_confirmed", appointment_no=appointment.number),
    )
    assert events == [SLOT("cancel_confirmed", True)]

    dispatcher, events = await h.run(
        h.build(CancelAppointment),
        cancel_tracker("确定", "affirm", requested=None, appointment_no=appointment.number, cancel_confirmed=True),
    )
    assert events == [SLOT("appointment_no", None), SLOT("cancel_confirmed", None)]
    assert texts(dispatcher) == [
        f"已取消预约 {appointment.number}（11月26日下午 心血管内科 {EXPERT}），号源已释放。需要重新挂号随时告诉我。"
    ]
    assert hospital.appointments(OWNER) == []
    assert hospital.session(appointment.session.id).booked == booked - 1


async def test_someone_elses_appointment_number_is_refused(h, hospital):
    [other] = hospital.appointments("1000002")
    dispatcher, events = await h.run(h.build(ValidateCancelForm), cancel_tracker(f"取消{other.number}"))
    assert events == [SLOT("appointment_no", None)]
    assert texts(dispatcher) == ["没有找到这个预约，请从列表里选。"]
    # And the action itself refuses too, should a number ever reach it.
    dispatcher, _ = await h.run(
        h.build(CancelAppointment),
        cancel_tracker("确定", "affirm", requested=None, appointment_no=other.number, cancel_confirmed=True),
    )
    assert responses(dispatcher) == ["utter_hospital_error_not_found_appointment"]
    assert hospital.appointments("1000002") == [other]


async def test_keep_the_appointment_when_the_patient_says_no(h, hospital):
    [appointment] = hospital.appointments(OWNER)
    _, events = await h.run(
        h.build(ValidateCancelForm),
        cancel_tracker("不取消了", "deny", requested="cancel_confirmed", appointment_no=appointment.number),
    )
    assert events == [SLOT("cancel_confirmed", False)]
    dispatcher, _ = await h.run(
        h.build(CancelAppointment),
        cancel_tracker("不取消了", "deny", requested=None, appointment_no=appointment.number, cancel_confirmed=False),
    )
    assert texts(dispatcher) == ["好的，预约保留不变。"]
    assert hospital.appointments(OWNER) == [appointment]


async def test_nothing_to_cancel(h):
    t = tracker("退号", "cancel_appointment", slots={"verified_card": CARD}, active_loop=None)
    dispatcher, events = await h.run(h.build(CancelAppointment), t)
    assert texts(dispatcher) == ["您目前没有待就诊的预约，不需要取消。"]
    assert events == [SLOT("appointment_no", None), SLOT("cancel_confirmed", None)]


# --- rescheduling: which appointment ------------------------------------------------------------------------


async def test_reschedule_starts_from_the_chosen_appointment(h, hospital):
    [appointment] = hospital.appointments(OWNER)
    t = tracker(
        appointment.number,
        "inform",
        requested="appointment_no",
        slots={"booking_mode": "reschedule", "verified_card": OWNER},
    )
    dispatcher, events = await h.run(h.build(ValidateBookingForm), t)
    assert events == [
        SLOT("appointment_no", appointment.number),
        SLOT("department", "心血管内科"),
        SLOT("number_type", "专家号"),
        SLOT("doctor", EXPERT),
        SLOT("requested_slot", "date"),
    ]
    assert dispatcher.messages == []
    dispatcher, events = await h.run(
        h.build(ValidateBookingForm),
        tracker(
            "GH20261128-0002",
            "inform",
            requested="appointment_no",
            slots={"booking_mode": "reschedule", "verified_card": OWNER},
        ),
    )
    assert events == [SLOT("appointment_no", None), SLOT("requested_slot", "appointment_no")]
    assert texts(dispatcher) == ["没有找到这个预约，请从下面的列表里选。"]


# --- listing -------------------------------------------------------------------------------------------------


async def test_list_appointments_needs_a_verified_card(h):
    dispatcher, events = await h.run(
        h.build(ListAppointments), tracker("我的预约", "list_appointments", active_loop=None)
    )
    assert (dispatcher.messages, events) == ([], [])


async def test_list_appointments_shows_each_booking_with_what_triage_recorded(h, hospital):
    plain = hospital.sessions(department="心血管内科", start=THU, end=THU, only_available=True)[0]
    triaged = hospital.sessions(department="消化内科", start=FRI, end=FRI, only_available=True)[0]
    hospital.book(CARD, plain.id)
    hospital.book(CARD, triaged.id, precheck={"chief_complaint": "胸口发闷", "duration": None})
    dispatcher, events = await h.run(
        h.build(ListAppointments),
        tracker("我的预约", "list_appointments", active_loop=None, slots={"verified_card": CARD}),
    )
    assert events == []
    [message] = map(delivered, dispatcher.messages)
    assert message["text"].startswith("赵**，您有 2 个待就诊的预约：")
    assert message["text"].count("预问诊") == 1
    assert "预约号 GH20261126-" in message["text"] and "预约号 GH20261127-" in message["text"]
    assert message["text"].endswith("预问诊（已随预约交给医生）：胸口发闷")
    assert [b["title"] for b in message["buttons"]] == ["改约", "取消预约"]
