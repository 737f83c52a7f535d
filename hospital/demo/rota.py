"""Which doctor sees patients when: the outpatient rota the demo hospital generates.

Every day is planned from (day, department, doctor) alone with its own seeded random
generator, so a day looks the same whichever day the database was first seeded on,
and extending the rolling booking window later just plans the missing days.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass
from typing import Dict, Iterable, Mapping, List, Optional, Sequence, Tuple

from ..reference import DepartmentSpec, HolidayCalendar
from .scenario import scenario

SEED = 20261124
WORK_HALF_DAYS = tuple((weekday, period) for weekday in range(5) for period in ("上午", "下午"))


@dataclass(frozen=True)
class RotaDoctor:
    code: str
    title: str
    department_code: str
    special_clinic: bool = False


@dataclass(frozen=True)
class PlannedSession:
    doctor_code: str
    department_code: str
    day: dt.date
    period: str
    number_type: str
    capacity: int
    booked: int
    status: str = "open"
    note: Optional[str] = None


@functools.lru_cache(maxsize=256)
def weekly_template(
    dept: DepartmentSpec, doctors: Tuple[RotaDoctor, ...]
) -> Dict[Tuple[int, str], List[Tuple[RotaDoctor, str]]]:
    """Weekday half-day → who sits there with which number type. Every weekday half-day
    has an attending (普通号); experts hold two or three fixed half-days a week."""
    rng = random.Random(f"{SEED}:template:{dept.code}")
    attendings = [d for d in doctors if d.title == "主治医师"] or list(doctors)
    template: Dict[Tuple[int, str], List[Tuple[RotaDoctor, str]]] = {slot: [] for slot in WORK_HALF_DAYS}
    for i, slot in enumerate(WORK_HALF_DAYS):
        template[slot].append((attendings[i % len(attendings)], "普通号"))
    for doctor in doctors:
        if doctor.title == "主治医师":
            continue
        count = 2 if doctor.title == "主任医师" else 3
        slots = rng.sample(WORK_HALF_DAYS, count + (1 if doctor.special_clinic else 0))
        for slot in slots[:count]:
            template[slot].append((doctor, "专家号"))
        if doctor.special_clinic:
            template[slots[-1]].append((doctor, "特需号"))
    return template


def plan_day(
    day: dt.date,
    departments: Sequence[DepartmentSpec],
    doctors_by_department: Mapping[str, Sequence[RotaDoctor]],
    holidays: HolidayCalendar,
) -> List[PlannedSession]:
    holiday = holidays.closed_reason(day)
    weekday = day.weekday()
    if holidays.is_makeup_workday(day):
        weekday = 0  # 调休上班: the hospital runs its Monday rota
    week = day.toordinal() // 7
    plans: List[PlannedSession] = []
    for dept in departments:
        doctors = list(doctors_by_department.get(dept.code, ()))
        if not doctors:
            continue
        attendings = [d for d in doctors if d.title == "主治医师"] or doctors
        seats: List[Tuple[RotaDoctor, str, str]] = []  # doctor, period, number type
        if dept.always_open:
            for p_index, period in enumerate(("上午", "下午", "夜间")):
                seats.append((doctors[(day.toordinal() * 3 + p_index) % len(doctors)], period, "普通号"))
        elif holiday:
            continue
        elif weekday < 5:
            template = weekly_template(dept, tuple(doctors))
            for period in ("上午", "下午"):
                for doctor, number_type in template[(weekday, period)]:
                    seats.append((doctor, period, number_type))
            if dept.night:
                seats.append((attendings[(weekday + 1) % len(attendings)], "夜间", "普通号"))
        elif weekday == 5 and dept.saturday != "none":
            on_duty = attendings[week % len(attendings)]
            seats.append((on_duty, "上午", "普通号"))
            if dept.saturday == "full":
                seats.append((on_duty, "下午", "普通号"))
                experts = [d for d in doctors if d.title == "副主任医师"]
                if experts:
                    seats.append((experts[week % len(experts)], "上午", "专家号"))
        elif weekday == 6 and dept.sunday:
            seats.append((attendings[(week + 1) % len(attendings)], "上午", "普通号"))
        plans.extend(_load(day, dept, doctor, period, number_type) for doctor, period, number_type in seats)
    return plans


def _load(day: dt.date, dept: DepartmentSpec, doctor: RotaDoctor, period: str, number_type: str) -> PlannedSession:
    """Capacity and how many are already booked by other patients. Some sessions are
    full or nearly full so the assistant meets "no slots" as it would in real life."""
    rng = random.Random(f"{SEED}:{day.isoformat()}:{doctor.code}:{period}")
    if dept.always_open:
        capacity = 60 if dept.name == "急诊科" else 40
        return PlannedSession(doctor.code, dept.code, day, period, number_type, capacity, rng.randint(0, capacity // 3))
    capacity = {"普通号": rng.choice((20, 25, 30, 35, 40)), "专家号": rng.choice((10, 12, 15, 18, 20)), "特需号": 5}[
        number_type
    ]
    if rng.random() < 0.012:
        return PlannedSession(
            doctor.code, dept.code, day, period, number_type, capacity, 0, "stopped", scenario().population.stopped_note
        )
    full_share = 0.3 if doctor.title == "主任医师" else 0.08
    x = rng.random()
    if x < full_share:
        booked = capacity
    elif x < full_share + 0.1:
        booked = capacity - rng.randint(1, 2)
    else:
        booked = int(capacity * rng.uniform(0.05, 0.8))
    return PlannedSession(doctor.code, dept.code, day, period, number_type, capacity, booked)


def days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)
