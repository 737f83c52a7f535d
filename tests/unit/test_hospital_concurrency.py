"""Booking under concurrency: the database, not Python, decides who gets the slot."""

import datetime as dt
import os
import threading

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hospital import models as m
from hospital.interface import BookingRejected
from hospital import create_hospital
from hospital.sql import drop_schema

PG_URL = os.environ.get("HOSPITAL_TEST_PG_URL", "").strip()


def run_together(n, fn):
    """Start n threads at the same instant; collect each one's result or exception."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def last_slot_race(hospital, today):
    target = hospital.sessions(department="急诊科", start=today + dt.timedelta(days=1))[0]
    hospital.set_session_load(target.id, booked=target.capacity - 1)
    cards = [str(1000001 + i) for i in range(50)]
    results = run_together(50, lambda i: hospital.book(cards[i], target.id))
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(r, BookingRejected) and r.code == "no_slots" for r in losers), losers
    after = hospital.session(target.id)
    assert after.booked == after.capacity
    assert winners[0].queue_no == target.capacity


@pytest.fixture
def file_hospital(tmp_path, today):
    h = create_hospital(f"sqlite:///{tmp_path / 'race.db'}", today=today)
    yield h
    h.dispose()


def test_fifty_threads_race_for_the_last_slot_sqlite(file_hospital, today):
    last_slot_race(file_hospital, today)


def test_same_patient_double_click_books_once(file_hospital, today):
    target = next(
        s
        for s in file_hospital.sessions(department="骨科", only_available=True)
        if s.remaining >= 12 and s.date > today
    )
    results = run_together(10, lambda i: file_hospital.book("1000005", target.id))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert {r.code for r in results if isinstance(r, Exception)} == {"duplicate"}
    assert file_hospital.session(target.id).booked == target.booked + 1


@pytest.mark.skipif(not PG_URL, reason="set HOSPITAL_TEST_PG_URL to a throwaway PostgreSQL database")
def test_fifty_threads_race_for_the_last_slot_postgres(today):
    drop_schema(PG_URL)
    h = create_hospital(PG_URL, today=today)
    try:
        last_slot_race(h, today)
    finally:
        h.dispose()
        drop_schema(PG_URL)


@pytest.mark.skipif(not PG_URL, reason="set HOSPITAL_TEST_PG_URL to a throwaway PostgreSQL database")
def test_postgres_end_to_end(today):
    drop_schema(PG_URL)
    h = create_hospital(PG_URL, today=today)
    try:
        target = next(s for s in h.sessions(department="骨科", only_available=True) if s.date > today)
        appt = h.book("1000005", target.id, precheck={"chief_complaint": "膝痛"})
        with pytest.raises(BookingRejected):
            h.book("1000005", target.id)
        other = next(s for s in h.sessions(department="骨科", only_available=True) if s.date > target.date)
        moved = h.reschedule("1000005", appt.number, other.id)
        assert h.session(target.id).booked == target.booked and moved.precheck == {"chief_complaint": "膝痛"}
        assert h.cancel("1000005", moved.number).status == "cancelled"
        assert h.verify("1000001", "phone4", "5678").ok
        k = next(r for o in h.lab_orders("1000003") for r in o.results if r.code == "K")
        assert k.critical
        with pytest.raises(IntegrityError):
            _second_active_appointment(h, today)
        again = create_hospital(PG_URL, today=today + dt.timedelta(days=3))  # extends, idempotent
        assert again.schedule_window()[1] in {s.date for s in again.sessions()}
        again.dispose()
    finally:
        h.dispose()
        drop_schema(PG_URL)


def _second_active_appointment(hospital, today):
    """Insert, bypassing every Python check, a second active appointment for a patient
    in the same department on the same day."""
    with Session(hospital.engine, future=True) as s, s.begin():
        existing = (
            s.execute(
                select(m.AppointmentRow).where(m.AppointmentRow.status == "booked", m.AppointmentRow.visit_date > today)
            )
            .scalars()
            .first()
        )
        other = (
            s.execute(
                select(m.ClinicSessionRow).where(
                    m.ClinicSessionRow.department_id == existing.department_id,
                    m.ClinicSessionRow.day == existing.visit_date,
                    m.ClinicSessionRow.id != existing.session_id,
                )
            )
            .scalars()
            .first()
        )
        s.add(
            m.AppointmentRow(
                patient_id=existing.patient_id,
                session_id=other.id if other else existing.session_id,
                department_id=existing.department_id,
                visit_date=existing.visit_date,
                status="booked",
                queue_no=99,
                precheck={},
                created_at=hospital.clock(),
                updated_at=hospital.clock(),
            )
        )


def test_database_refuses_a_second_active_appointment(hospital, today):
    with pytest.raises(IntegrityError):
        _second_active_appointment(hospital, today)


def test_database_refuses_overbooking(hospital):
    s0 = hospital.sessions()[0]
    with pytest.raises(IntegrityError):
        with Session(hospital.engine, future=True) as s, s.begin():
            s.execute(
                update(m.ClinicSessionRow)
                .where(m.ClinicSessionRow.id == s0.id)
                .values(booked=m.ClinicSessionRow.capacity + 1)
            )
