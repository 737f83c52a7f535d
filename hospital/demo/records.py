"""The demo hospital's records: lab orders and results (LIS) drawn from the lab
knowledge table, imaging exams and reports (RIS) from the exams table; the scenario's
demo patients get exactly what demo_scenario.yml says."""

from __future__ import annotations

import datetime as dt
import random
from typing import List, Mapping, Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from knowledge import Analyte, Exam, LabCatalogue, load_exams, load_lab_tests

from .. import models as m
from ..reference import load_holidays
from .people import Ctx, SeedPatient
from .scenario import scenario

CHILD_AGE = 15  # below it: children's panels and exams, ordered by 儿科
CHILD_DEPARTMENT = "儿科"
CANCER_MARKERS = "肿瘤标志物"  # not drawn for patients under 30


# --- LIS -----------------------------------------------------------------------------------------


def at_time(day: dt.date, hhmm: str) -> dt.datetime:
    h, mi = hhmm.split(":")
    return dt.datetime.combine(day, dt.time(int(h), int(mi)))


def _draw(rng: random.Random, a: Analyte, sex: str, age: float, direction: str) -> float:
    """A value for the analyte: inside the reference range, or above/below it (never
    critical unless a scenario asks for it)."""
    low, high = a.reference_for(sex, age)
    lo = low if low is not None else (a.typical[0] if a.typical else high * 0.5)
    hi = high if high is not None else (a.typical[1] if a.typical else low * 1.8)
    if a.typical and lo < a.typical[1] and a.typical[0] < hi:
        lo, hi = max(lo, a.typical[0]), min(hi, a.typical[1])
    step = 10**-a.decimals
    if direction == "↑":
        v = high * rng.uniform(1.1, 1.6)
        if a.critical_high is not None:
            v = min(v, (high + a.critical_high) / 2)
        v = max(round(v, a.decimals), high + step)
    elif direction == "↓":
        v = low * rng.uniform(0.65, 0.9)
        if a.critical_low is not None:
            v = max(v, (low + a.critical_low) / 2)
        v = max(min(round(v, a.decimals), low - step), 0.0)
    else:
        v = round(rng.uniform(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo)), a.decimals)
        v = min(max(v, low if low is not None else v), high if high is not None else v)
    return round(v, a.decimals)


def _directions(a: Analyte, sex: str, age: float) -> List[str]:
    low, high = a.reference_for(sex, age)
    return (["↑"] if high is not None else []) + (["↓"] if low is not None and low > 0 else [])


def insert_lab_orders(session: Session, ctx: Ctx, rng: random.Random, patients: Sequence[SeedPatient]) -> None:
    catalogue = load_lab_tests()
    orders = []  # (ordered_at, patient, panel, dept, status, overrides)
    for p in patients:
        if p.demo:
            for lab in scenario().patient(p.card_no).labs:
                orders.append(
                    (
                        at_time(ctx.today - dt.timedelta(days=lab.days_ago), lab.at),
                        p,
                        lab.panel,
                        lab.ordered_by,
                        lab.status,
                        lab.values,
                    )
                )
            continue
        child = p.age_on(ctx.today) < CHILD_AGE
        population = scenario().population
        panels = [x for x in population.panel_weights if not child or x in population.child_panels]
        if p.age_on(ctx.today) < 30 and CANCER_MARKERS in panels:
            panels.remove(CANCER_MARKERS)
        for _ in range(rng.randint(1, 4)):
            panel = rng.choices(panels, [population.panel_weights[x] for x in panels])[0]
            day = ctx.today - dt.timedelta(days=rng.randint(2, 120))
            dept = CHILD_DEPARTMENT if child else rng.choice(catalogue.panels[panel].ordered_by)
            orders.append(
                (
                    at_time(day, f"{rng.randint(7, 10)}:{rng.choice(('05', '20', '35', '50'))}"),
                    p,
                    panel,
                    dept,
                    "ready",
                    {},
                )
            )
        if rng.random() < 0.15:
            panel = rng.choice(panels)
            if catalogue.panels[panel].turnaround_hours >= 24:
                ordered = at_time(ctx.today - dt.timedelta(days=1), f"{rng.randint(14, 16)}:30")
            else:
                ordered = at_time(ctx.today, f"0{rng.randint(7, 8)}:{rng.choice(('15', '30', '45'))}")
            dept = CHILD_DEPARTMENT if child else rng.choice(catalogue.panels[panel].ordered_by)
            orders.append((ordered, p, panel, dept, "pending", {}))
    orders.sort(key=lambda o: (o[0], o[1].card_no, o[2]))
    order_rows, result_rows = [], []
    for seq, (ordered, p, panel, dept, status, overrides) in enumerate(orders, start=1):
        order_id = f"JY{seq:06d}"
        info = catalogue.panels[panel]
        expected = ordered + dt.timedelta(hours=info.turnaround_hours)
        reported = None
        if status == "ready":
            # Results of this morning are back early so demo cards show them at 9:00.
            reported = ordered + dt.timedelta(minutes=65) if ordered.date() == ctx.today else expected
        order_rows.append(
            dict(
                id=order_id,
                patient_id=p.id,
                panel=panel,
                department_id=ctx.dept_ids[dept],
                specimen=info.specimen,
                ordered_at=ordered,
                status=status,
                expected_at=expected,
                reported_at=reported,
            )
        )
        if status == "ready":
            result_rows += _results(
                rng, catalogue, order_id, panel, p, ordered.date(), overrides, random_abnormal=not p.demo
            )
    session.execute(insert(m.LabOrderRow), order_rows)
    session.execute(insert(m.LabResultRow), result_rows)


def _results(
    rng,
    catalogue: LabCatalogue,
    order_id: str,
    panel: str,
    p: SeedPatient,
    day: dt.date,
    overrides: Mapping[str, float],
    random_abnormal: bool,
) -> List[dict]:
    age = p.age_on(day)
    rows = []
    for seq, a in enumerate(catalogue.in_panel(panel, p.sex), start=1):
        if a.code in overrides:
            value = float(overrides[a.code])
        else:
            options = _directions(a, p.sex, age)
            direction = rng.choice(options) if random_abnormal and options and rng.random() < 0.12 else ""
            value = _draw(rng, a, p.sex, age, direction)
        ev = a.evaluate(value, p.sex, age)
        rows.append(
            dict(
                order_id=order_id,
                seq=seq,
                code=a.code,
                name=a.name,
                value=value,
                unit=a.unit,
                ref_low=ev.ref_low,
                ref_high=ev.ref_high,
                flag=ev.flag,
                critical=ev.critical,
            )
        )
    return rows


# --- RIS ------------------------------------------------------------------------------------------


def workday(day: dt.date, forward: bool = True) -> dt.date:
    holidays = load_holidays()
    step = dt.timedelta(days=1 if forward else -1)
    while (day.weekday() >= 5 and not holidays.is_makeup_workday(day)) or holidays.closed_reason(day):
        day += step
    return day


def _expected(exam: Exam, at: dt.datetime) -> dt.datetime:
    expected = at + dt.timedelta(hours=exam.report_hours or 1)
    if (exam.report_hours or 0) >= 24:  # reports written in working hours
        expected = dt.datetime.combine(expected.date(), dt.time(16, 0))
    return expected


def insert_imaging(session: Session, ctx: Ctx, rng: random.Random, patients: Sequence[SeedPatient]) -> None:
    exams = {e.code: e for e in load_exams()}
    with_reports = [e for e in exams.values() if e.reports]
    population = scenario().population
    planned = []  # (scheduled_at, patient, exam, report, status, conclusion, dept)
    for p in patients:
        if p.demo:
            for demo in scenario().patient(p.card_no).imaging:
                exam = exams[demo.exam]
                day = ctx.today + dt.timedelta(days=demo.days)
                if demo.status == "scheduled":
                    day = workday(day)
                report = exam.reports[demo.report]
                conclusion = None
                if demo.status == "ready":
                    conclusion = report.normal if demo.abnormal is None else report.abnormal[demo.abnormal]
                planned.append((at_time(day, demo.at), p, exam, report, demo.status, conclusion, demo.ordered_by))
            continue
        child = p.age_on(ctx.today) < CHILD_AGE
        choices = [e for e in with_reports if p.sex in e.sexes and (not child or e.code in population.child_exams)]
        for _ in range(rng.choices((0, 1, 2), (35, 45, 20))[0]):
            exam = rng.choice(choices)
            report = rng.choice(exam.reports)
            dept = CHILD_DEPARTMENT if child else rng.choice(population.exam_ordered_by[exam.code])
            x = rng.random()
            if x < 0.72 or (x < 0.85 and (exam.report_hours or 0) < 2):
                day = workday(ctx.today - dt.timedelta(days=rng.randint(3, 150)), forward=False)
                conclusion = rng.choice(report.abnormal) if rng.random() < 0.35 else report.normal
                planned.append(
                    (
                        at_time(day, f"{rng.randint(8, 15)}:{rng.choice(('00', '20', '40'))}"),
                        p,
                        exam,
                        report,
                        "ready",
                        conclusion,
                        dept,
                    )
                )
            elif x < 0.85:
                day = ctx.today - dt.timedelta(days=rng.randint(0, 1))
                planned.append(
                    (at_time(day, f"0{rng.randint(8, 9)}:30"), p, exam, report, "pending_report", None, dept)
                )
            else:
                day = workday(ctx.today + dt.timedelta(days=rng.randint(1, 10)))
                planned.append(
                    (
                        at_time(day, f"{rng.randint(8, 16)}:{rng.choice(('00', '30'))}"),
                        p,
                        exam,
                        report,
                        "scheduled",
                        None,
                        dept,
                    )
                )
    planned.sort(key=lambda x: (x[0], x[1].card_no, x[2].code))
    rows = []
    for seq, (at, p, exam, report, status, conclusion, dept) in enumerate(planned, start=1):
        expected = _expected(exam, at)
        rows.append(
            dict(
                id=f"JC{seq:06d}",
                patient_id=p.id,
                exam_code=exam.code,
                modality=exam.modality,
                body_part=report.body_part,
                department_id=ctx.dept_ids[dept],
                scheduled_at=at,
                location=exam.location,
                preparation="".join(exam.preparation),
                status=status,
                expected_at=expected,
                reported_at=expected if status == "ready" else None,
                conclusion=conclusion,
            )
        )
    session.execute(insert(m.ImagingExamRow), rows)
