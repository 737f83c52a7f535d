import datetime as dt
from collections import Counter, defaultdict

import pytest

from hospital.interface import NUMBER_TYPES, PERIODS
from hospital import create_hospital
from hospital.demo import ensure_current

ALWAYS_OPEN = {"急诊科", "发热门诊"}


def test_window_is_today_plus_13(hospital, today):
    assert hospital.schedule_window() == (today, today + dt.timedelta(days=13))
    days = {s.date for s in hospital.sessions()}
    assert min(days) == today and max(days) == today + dt.timedelta(days=13)


def test_weekday_rota(hospital, today):
    by_day = defaultdict(lambda: defaultdict(set))
    for s in hospital.sessions():
        by_day[s.date][s.department].add(s.period)
    departments = [d.name for d in hospital.departments()]
    for day, depts in by_day.items():
        if day.weekday() < 5:
            for name in departments:
                assert {"上午", "下午"} <= depts[name], (day, name)
        for name in ALWAYS_OPEN:
            assert depts[name] == set(PERIODS), (day, name)
    weekday = today  # Tuesday
    night = {n for n, periods in by_day[weekday].items() if "夜间" in periods} - ALWAYS_OPEN
    assert 3 <= len(night) < 20
    saturday = today + dt.timedelta(days=4)
    sunday = today + dt.timedelta(days=5)
    assert saturday.weekday() == 5 and sunday.weekday() == 6
    assert len(by_day[saturday]) < len(departments)
    sunday_depts = set(by_day[sunday]) - ALWAYS_OPEN
    assert 1 <= len(sunday_depts) <= 8
    assert all(by_day[sunday][d] == {"上午"} for d in sunday_depts)


def test_number_type_follows_title_and_fee_follows_facts(hospital):
    fees = hospital.fees()
    assert fees == {"普通号": 15, "专家号": 50, "特需号": 200}
    special = set()
    for s in hospital.sessions():
        assert s.fee == fees[s.number_type]
        if s.department in ALWAYS_OPEN:
            assert s.number_type == "普通号"
        elif s.doctor_title == "主治医师":
            assert s.number_type == "普通号"
        else:
            assert s.number_type in ("专家号", "特需号")
        if s.number_type == "特需号":
            assert s.doctor_title == "主任医师" and s.capacity == 5
            special.add(s.doctor_id)
        elif s.number_type == "专家号":
            assert 10 <= s.capacity <= 20
        elif s.department not in ALWAYS_OPEN:
            assert 20 <= s.capacity <= 40
    assert 2 <= len(special) <= 10


def test_some_sessions_full_or_nearly_full(hospital):
    remaining = Counter(min(s.remaining, 3) for s in hospital.sessions())
    assert remaining[0] >= 20 and remaining[1] + remaining[2] >= 20
    assert all(0 <= s.booked <= s.capacity for s in hospital.sessions())


def test_release_policy_sentence(hospital):
    assert "专家号提前7天" in hospital.expert_release_policy()


def test_filters_and_order(hospital, today):
    tomorrow = today + dt.timedelta(days=1)
    rows = hospital.sessions(department="心内科", start=tomorrow, end=tomorrow)
    assert rows and {s.department for s in rows} == {"心血管内科"} and {s.date for s in rows} == {tomorrow}
    keys = [
        (s.date, PERIODS.index(s.period), NUMBER_TYPES.index(s.number_type))
        for s in hospital.sessions(department="骨科")
    ]
    assert keys == sorted(keys)
    assert {s.period for s in hospital.sessions(period="夜间")} == {"夜间"}
    assert {s.number_type for s in hospital.sessions(number_type="特需号")} == {"特需号"}
    doctor_id = rows[0].doctor_id
    assert {s.doctor_id for s in hospital.sessions(doctor_id=doctor_id)} == {doctor_id}
    available = hospital.sessions(only_available=True)
    assert available and all(s.remaining > 0 for s in available)
    assert hospital.sessions(department="不存在") == []


def test_dates_are_clamped_to_the_window(hospital, today):
    assert hospital.sessions(start=today - dt.timedelta(days=30), end=today - dt.timedelta(days=1)) == []
    assert hospital.sessions(start=today + dt.timedelta(days=14)) == []
    assert min(s.date for s in hospital.sessions(start=today - dt.timedelta(days=5))) == today


def test_only_available_drops_sessions_that_ended(hospital, today):
    hospital.clock.set(dt.datetime.combine(today, dt.time(12, 30)))
    todays = hospital.sessions(start=today, end=today, only_available=True)
    assert todays and "上午" not in {s.period for s in todays}


def test_session_lookup(hospital):
    first = hospital.sessions()[0]
    assert hospital.session(first.id) == first
    from hospital.interface import NotFound

    with pytest.raises(NotFound):
        hospital.session(10**7)


def test_stopped_session_is_hidden(hospital):
    target = hospital.sessions(department="眼科", only_available=True)[0]
    hospital.stop_session(target.id)
    assert target.id not in {s.id for s in hospital.sessions(department="眼科")}


def test_public_holiday_closes_outpatients_but_not_emergency():
    # 2026-09-28 (Mon): window covers 国庆节 10-01..10-07 and the 调休 Saturday 10-10.
    h = create_hospital("sqlite://", today=dt.date(2026, 9, 28))
    try:
        assert h.closed_reason(dt.date(2026, 10, 3)) == "国庆节"
        assert h.closed_reason(dt.date(2026, 9, 29)) is None
        by_day = defaultdict(set)
        for s in h.sessions():
            by_day[s.date].add(s.department)
        for day in (dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)):
            assert by_day[day] == ALWAYS_OPEN, day
        assert len(by_day[dt.date(2026, 10, 10)]) == 29  # makeup workday runs the weekday rota
        assert len(by_day[dt.date(2026, 10, 11)]) < 29
    finally:
        h.dispose()


def test_holidays_known_for_2025_to_2027(hospital):
    assert hospital.closed_reason(dt.date(2025, 1, 29)) == "春节"
    assert hospital.closed_reason(dt.date(2026, 2, 17)) == "春节"
    assert hospital.closed_reason(dt.date(2027, 10, 1)) == "国庆节"
    assert hospital.closed_reason(dt.date(2026, 11, 24)) is None


def test_window_rolls_forward_when_the_demo_is_brought_up_to_date(hospital, today):
    hospital.clock.advance(days=3)
    ensure_current(hospital)
    start, end = hospital.schedule_window()
    assert start == today + dt.timedelta(days=3)
    assert max(s.date for s in hospital.sessions()) == end


def test_reopening_an_older_seed_extends_the_window(tmp_path, today):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    first = create_hospital(url, today=today)
    count = len(first.sessions())
    first.dispose()
    again = create_hospital(url, today=today)  # idempotent
    assert len(again.sessions()) == count
    assert len(again.doctors()) == len(first.doctors())
    again.dispose()
    later = create_hospital(url, today=today + dt.timedelta(days=6))
    try:
        start, end = later.schedule_window()
        assert {s.date for s in later.sessions()} >= {start, end}
        # demo patients keep an upcoming appointment, pending results stay pending-and-current
        assert later.appointments("1000001")
        pending = [o for o in later.lab_orders("1000001") if o.status == "pending"]
        assert pending and pending[0].expected_at.date() >= start
    finally:
        later.dispose()
