import datetime as dt
import re

import pytest

from hospital.interface import BookingRejected, NotFound
from tests.unit.hospital_replies import reply_to

CARD = "1000005"  # demo patient without appointments
OTHER = "1000006"


def open_session(hospital, department="骨科", day=None, min_remaining=2, **filters):
    for s in hospital.sessions(department=department, start=day, end=day, only_available=True, **filters):
        if s.remaining >= min_remaining and s.date > hospital.today:
            return s
    raise AssertionError("no open session in the seed")


def rejected(code, fn, *args):
    with pytest.raises(BookingRejected) as info:
        fn(*args)
    assert info.value.code == code
    assert re.search(r"[\u4e00-\u9fff]", reply_to(info.value)) and "{" not in reply_to(info.value)
    return info.value


def test_book_happy_path(hospital):
    s = open_session(hospital)
    precheck = {"chief_complaint": "膝关节疼痛", "duration": "2周"}
    appt = hospital.book(CARD, s.id, precheck=precheck)
    assert re.fullmatch(rf"GH{s.date:%Y%m%d}-\d{{4}}", appt.number)
    assert appt.status == "booked" and appt.card_no == CARD
    assert appt.queue_no == s.booked + 1
    assert appt.session.booked == s.booked + 1
    assert hospital.session(s.id).booked == s.booked + 1
    listed = hospital.appointments(CARD)
    assert [a.number for a in listed] == [appt.number]
    assert listed[0].precheck == precheck


def test_duplicate_in_same_session(hospital):
    s = open_session(hospital)
    hospital.book(CARD, s.id)
    rejected("duplicate", hospital.book, CARD, s.id)
    assert hospital.session(s.id).booked == s.booked + 1


def test_one_per_department_per_day(hospital):
    sessions = [x for x in hospital.sessions(department="心血管内科", only_available=True) if x.date > hospital.today]
    day = next(d for d in sorted({x.date for x in sessions}) if len([x for x in sessions if x.date == d]) >= 2)
    first, second = [x for x in sessions if x.date == day][:2]
    hospital.book(CARD, first.id)
    rejected("one_per_department_day", hospital.book, CARD, second.id)
    # another department the same day is fine
    hospital.book(CARD, open_session(hospital, "眼科", day=day, min_remaining=1).id)


def test_no_slots(hospital):
    full = next(s for s in hospital.sessions() if s.remaining == 0 and s.date > hospital.today)
    rejected("no_slots", hospital.book, CARD, full.id)
    assert hospital.session(full.id).booked == full.capacity
    assert hospital.appointments(CARD) == []


def test_session_closed(hospital):
    s = open_session(hospital)
    hospital.stop_session(s.id)
    rejected("session_closed", hospital.book, CARD, s.id)


def test_past_session(hospital, today):
    morning = next(s for s in hospital.sessions(start=today, end=today, period="上午", only_available=True))
    hospital.clock.set(dt.datetime.combine(today, dt.time(12, 5)))
    rejected("past", hospital.book, CARD, morning.id)


def test_expert_numbers_cannot_be_booked_before_release(hospital, today):
    week_ahead = today + dt.timedelta(days=7)  # 专家号 open 7 days ahead at 15:00
    unreleased = next(
        s for s in hospital.sessions(start=week_ahead, end=week_ahead, number_type="专家号") if s.remaining
    )
    error = rejected("not_released", hospital.book, CARD, unreleased.id)
    assert "15:00" in reply_to(error)
    hospital.clock.set(dt.datetime.combine(today, dt.time(15, 0)))
    assert hospital.book(CARD, unreleased.id).status == "booked"


def test_unknown_card_or_session(hospital):
    s = open_session(hospital)
    with pytest.raises(NotFound):
        hospital.book("9999999", s.id)
    with pytest.raises(NotFound):
        hospital.book(CARD, 10**7)


def test_cancel_releases_the_slot_and_keeps_queue_numbers_unique(hospital):
    s = open_session(hospital)
    appt = hospital.book(CARD, s.id)
    cancelled = hospital.cancel(CARD, appt.number)
    assert cancelled.status == "cancelled"
    assert hospital.session(s.id).booked == s.booked
    assert hospital.appointments(CARD) == []
    assert [a.status for a in hospital.appointments(CARD, upcoming_only=False)] == ["cancelled"]
    again = hospital.book(CARD, s.id)  # cancelled one no longer blocks
    assert again.queue_no == appt.queue_no + 1
    rejected("not_cancellable", hospital.cancel, CARD, appt.number)


def test_cannot_touch_someone_elses_appointment(hospital):
    s = open_session(hospital)
    appt = hospital.book(OTHER, s.id)
    with pytest.raises(NotFound):
        hospital.cancel(CARD, appt.number)
    with pytest.raises(NotFound):
        hospital.reschedule(CARD, appt.number, open_session(hospital, "眼科").id)
    assert hospital.appointments(OTHER)[0].status == "booked"
    assert hospital.session(s.id).booked == s.booked + 1


def test_cannot_cancel_once_the_session_started(hospital, today):
    s = next(x for x in hospital.sessions(start=today, end=today, period="下午", only_available=True))
    appt = hospital.book(CARD, s.id)
    hospital.clock.set(dt.datetime.combine(today, dt.time(13, 45)))
    rejected("not_cancellable", hospital.cancel, CARD, appt.number)


def test_reschedule_moves_atomically(hospital):
    old_session = open_session(hospital)
    new_session = next(
        x
        for x in hospital.sessions(department="骨科", only_available=True)
        if x.date > old_session.date and x.remaining >= 2
    )
    appt = hospital.book(CARD, old_session.id, precheck={"chief_complaint": "腰痛"})
    moved = hospital.reschedule(CARD, appt.number, new_session.id)
    assert moved.number != appt.number and moved.session.id == new_session.id
    assert moved.precheck == {"chief_complaint": "腰痛"}
    assert hospital.session(old_session.id).booked == old_session.booked
    assert hospital.session(new_session.id).booked == new_session.booked + 1
    statuses = {a.number: a.status for a in hospital.appointments(CARD, upcoming_only=False)}
    assert statuses == {appt.number: "rescheduled", moved.number: "booked"}


def test_reschedule_same_department_same_day(hospital):
    sessions = [x for x in hospital.sessions(department="心血管内科", only_available=True) if x.date > hospital.today]
    day = next(d for d in sorted({x.date for x in sessions}) if len([x for x in sessions if x.date == d]) >= 2)
    first, second = [x for x in sessions if x.date == day][:2]
    appt = hospital.book(CARD, first.id)
    assert hospital.reschedule(CARD, appt.number, second.id).session.id == second.id


def test_failed_reschedule_changes_nothing(hospital):
    s = open_session(hospital)
    appt = hospital.book(CARD, s.id)
    full = next(x for x in hospital.sessions() if x.remaining == 0 and x.date > hospital.today)
    rejected("no_slots", hospital.reschedule, CARD, appt.number, full.id)
    rejected("duplicate", hospital.reschedule, CARD, appt.number, s.id)
    assert hospital.session(s.id).booked == s.booked + 1
    assert hospital.session(full.id).booked == full.capacity
    assert [(a.number, a.status) for a in hospital.appointments(CARD, upcoming_only=False)] == [(appt.number, "booked")]


def test_seeded_appointments_for_demo_cards(hospital):
    appts = hospital.appointments("1000001")
    assert len(appts) == 1 and appts[0].session.department == "心血管内科"
    assert appts[0].session.number_type == "专家号" and appts[0].precheck
    assert hospital.appointments("1000003")[0].session.date == hospital.today + dt.timedelta(days=1)
    with pytest.raises(NotFound):
        hospital.appointments("9999999")
