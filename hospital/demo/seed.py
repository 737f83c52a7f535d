"""Seeding the demo hospital, and keeping an earlier seed current as days pass.

Deterministic and relative to `today`: the same day gives identical rows."""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Optional, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import models as m
from ..facts import facts
from ..reference import load_holidays
from ..schedule import appointment_number
from .rota import SEED, days, plan_day
from .people import Ctx, SeedPatient, context, insert_patients, insert_sessions, session_row
from .records import insert_imaging, insert_lab_orders, workday
from .scenario import demo_patients

logger = logging.getLogger(__name__)


def is_seeded(session: Session) -> bool:
    return session.get(m.Meta, "seed_version") is not None


def seed(session: Session, today: dt.date, now: dt.datetime) -> None:
    """Write the whole demo hospital into an empty database (one transaction)."""
    rng = random.Random(SEED)
    ctx = context(session, today, now, create=True, rng=rng)
    insert_sessions(session, ctx, days(today, facts().last_bookable_day(today)))
    patients = insert_patients(session, ctx, rng)
    insert_lab_orders(session, ctx, rng, patients)
    insert_imaging(session, ctx, rng, patients)
    insert_appointments(session, ctx, rng, patients)
    for key, value in (
        ("seed_version", m.SCHEMA_VERSION),
        ("seeded_on", today.isoformat()),
        ("schedule_through", facts().last_bookable_day(today).isoformat()),
        ("anchor_date", today.isoformat()),
    ):
        session.add(m.Meta(key=key, value=value))
    logger.info("seeded mock hospital for %s", today)


def bring_up_to_date(session: Session, today: dt.date, now: dt.datetime) -> int:
    """Keep an earlier seed current: plan the days missing from the booking window,
    move still-pending results and upcoming exams forward, and give demo patients
    their upcoming appointments back. Returns the number of days added."""
    through = dt.date.fromisoformat(session.get(m.Meta, "schedule_through").value)
    target = facts().last_bookable_day(today)
    added = 0
    ctx = None
    if through < target:
        ctx = context(session, today, now, create=False)
        new_days = list(days(max(through + dt.timedelta(days=1), today), target))
        insert_sessions(session, ctx, new_days)
        session.get(m.Meta, "schedule_through").value = target.isoformat()
        added = len(new_days)
    anchor_row = session.get(m.Meta, "anchor_date")
    anchor = dt.date.fromisoformat(anchor_row.value)
    if today > anchor:
        shift = today - anchor
        for order in session.execute(select(m.LabOrderRow).where(m.LabOrderRow.status == "pending")).scalars():
            order.ordered_at += shift
            order.expected_at = order.expected_at + shift if order.expected_at else None
        upcoming = ("scheduled", "pending_report")
        for exam in session.execute(select(m.ImagingExamRow).where(m.ImagingExamRow.status.in_(upcoming))).scalars():
            exam.scheduled_at += shift
            exam.expected_at = exam.expected_at + shift if exam.expected_at else None
        anchor_row.value = today.isoformat()
        ctx = ctx or context(session, today, now, create=False)
        demo_appointments(session, ctx, only_missing=True)
    if added:
        logger.info("extended the schedule by %d days to %s", added, target)
    return added


# --- appointments --------------------------------------------------------------------------------


def _book_direct(
    session: Session,
    ctx: Ctx,
    patient_id: int,
    session_row: m.ClinicSessionRow,
    status: str,
    created_at: dt.datetime,
    precheck: Optional[dict] = None,
) -> bool:
    """Seed an appointment the way the HIS would hold it (slot taken, queue number)."""
    if status != "cancelled":
        taken = session.execute(
            update(m.ClinicSessionRow)
            .where(m.ClinicSessionRow.id == session_row.id, m.ClinicSessionRow.booked < m.ClinicSessionRow.capacity)
            .values(booked=m.ClinicSessionRow.booked + 1, next_queue=m.ClinicSessionRow.next_queue + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            return False
        queue = session.execute(
            select(m.ClinicSessionRow.next_queue).where(m.ClinicSessionRow.id == session_row.id)
        ).scalar_one()
    else:
        queue = session_row.next_queue + 1
    appt = m.AppointmentRow(
        patient_id=patient_id,
        session_id=session_row.id,
        department_id=session_row.department_id,
        visit_date=session_row.day,
        status=status,
        queue_no=queue,
        precheck=precheck or {},
        created_at=created_at,
        updated_at=created_at,
    )
    session.add(appt)
    session.flush()
    appt.number = appointment_number(session_row.day, appt.id)
    session.add(
        m.AppointmentHistory(appointment_id=appt.id, from_status=None, to_status="booked", at=created_at, actor="seed")
    )
    if status != "booked":
        session.add(
            m.AppointmentHistory(
                appointment_id=appt.id,
                from_status="booked",
                to_status=status,
                at=created_at + dt.timedelta(days=1),
                actor="seed",
            )
        )
    return True


def _open_sessions(session: Session, ctx: Ctx, dept: str, start: dt.date, end: dt.date):
    return (
        session.execute(
            select(m.ClinicSessionRow)
            .where(
                m.ClinicSessionRow.department_id == ctx.dept_ids[dept],
                m.ClinicSessionRow.day >= start,
                m.ClinicSessionRow.day <= end,
                m.ClinicSessionRow.status == "open",
                m.ClinicSessionRow.booked < m.ClinicSessionRow.capacity,
            )
            .order_by(m.ClinicSessionRow.day, m.ClinicSessionRow.id)
        )
        .scalars()
        .all()
    )


def demo_appointments(session: Session, ctx: Ctx, only_missing: bool) -> None:
    last = facts().last_bookable_day(ctx.today)
    for demo in demo_patients():
        wish = demo.appointment
        if wish is None:
            continue
        pid = session.execute(select(m.PatientRow.id).where(m.PatientRow.card_no == demo.card_no)).scalar_one()
        if (
            only_missing
            and session.execute(
                select(func.count())
                .select_from(m.AppointmentRow)
                .where(
                    m.AppointmentRow.patient_id == pid,
                    m.AppointmentRow.status == m.ACTIVE,
                    m.AppointmentRow.visit_date >= ctx.today,
                )
            ).scalar_one()
        ):
            continue
        candidates = _open_sessions(session, ctx, wish.department, ctx.today + dt.timedelta(days=wish.days_ahead), last)
        # The earliest day first (the demo says "明天"), then the wished number type.
        preferred = sorted(
            candidates, key=lambda s: (s.day, s.number_type != wish.number_type, s.period == "夜间", s.id)
        )
        for s in preferred:
            if _book_direct(session, ctx, pid, s, "booked", ctx.now - dt.timedelta(days=3), dict(wish.precheck)):
                break


def insert_appointments(session: Session, ctx: Ctx, rng: random.Random, patients: Sequence[SeedPatient]) -> None:
    demo_appointments(session, ctx, only_missing=False)
    others = [p for p in patients if not p.demo]
    end = facts().last_bookable_day(ctx.today)
    adult_depts = [d.name for d in ctx.departments if d.category != "急诊" and d.name not in ("儿科", "新生儿科")]
    for p in rng.sample(others, 30):
        child = p.age_on(ctx.today) < 15
        depts = ["儿科"] if child else [d for d in adult_depts if p.sex == "女" or d not in ("妇科", "产科")]
        kind = rng.choices(("booked", "cancelled", "attended"), (16, 3, 11))[0]
        dept = rng.choice(depts)
        if kind == "attended":
            day = workday(ctx.today - dt.timedelta(days=rng.randint(5, 60)), forward=False)
            row = _past_session(session, ctx, dept, day)
        else:
            open_rows = _open_sessions(session, ctx, dept, ctx.today + dt.timedelta(days=1), end)
            row = rng.choice(open_rows) if open_rows else None
        if row is not None:
            created = min(ctx.now, dt.datetime.combine(row.day, dt.time(7, 0))) - dt.timedelta(days=rng.randint(1, 6))
            _book_direct(session, ctx, p.id, row, kind, created)


def _past_session(session: Session, ctx: Ctx, dept: str, day: dt.date) -> Optional[m.ClinicSessionRow]:
    """The clinic session a past visit belonged to (created on demand: the rolling
    schedule only covers today onwards)."""
    dept_code = next(d.code for d in ctx.departments if d.name == dept)
    for plan in plan_day(day, ctx.departments, ctx.rota, load_holidays()):
        if plan.department_code != dept_code or plan.status != "open" or plan.booked >= plan.capacity:
            continue
        row = session.execute(
            select(m.ClinicSessionRow).where(
                m.ClinicSessionRow.doctor_id == ctx.doctor_ids[plan.doctor_code],
                m.ClinicSessionRow.day == day,
                m.ClinicSessionRow.period == plan.period,
            )
        ).scalar_one_or_none()
        if row is None:
            row = m.ClinicSessionRow(**session_row(ctx, plan))
            session.add(row)
            session.flush()
        return row
    return None
