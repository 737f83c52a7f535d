"""The demo hospital's people and rota: departments, doctors (names and introductions
drawn from data/hospital/names.yml), clinic sessions, and patients (the scenario's demo
patients, then a drawn population)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .. import models as m
from ..facts import facts
from ..reference import DepartmentSpec, load_departments, load_holidays, load_names
from .rota import RotaDoctor, plan_day
from ..security import hash_id_number, seal
from .scenario import demo_patients, scenario

SEXES = "男女"


@dataclass
class Ctx:
    """What seeding functions share: ids of rows already written and the vocabulary."""

    today: dt.date
    now: dt.datetime
    departments: Tuple[DepartmentSpec, ...]
    dept_ids: Dict[str, int] = field(default_factory=dict)  # name → id
    dept_by_code: Dict[str, DepartmentSpec] = field(default_factory=dict)
    doctor_ids: Dict[str, int] = field(default_factory=dict)  # code → id
    rota: Dict[str, List[RotaDoctor]] = field(default_factory=dict)  # dept code → doctors
    fees: Dict[str, float] = field(default_factory=dict)


# --- catalogue ---------------------------------------------------------------------------


def context(
    session: Session, today: dt.date, now: dt.datetime, create: bool, rng: Optional[random.Random] = None
) -> Ctx:
    ctx = Ctx(today=today, now=now, departments=load_departments(), fees=dict(facts().fees))
    ctx.dept_by_code = {d.code: d for d in ctx.departments}
    if create:
        insert_catalogue(session, ctx, rng)
    ctx.dept_ids = dict(session.execute(select(m.DepartmentRow.name, m.DepartmentRow.id)).all())
    code_of = {v: k for k, v in dict(session.execute(select(m.DepartmentRow.code, m.DepartmentRow.id)).all()).items()}
    rows = session.execute(select(m.DoctorRow).order_by(m.DoctorRow.code)).scalars().all()
    for doc in rows:
        ctx.doctor_ids[doc.code] = doc.id
        dept_code = code_of[doc.department_id]
        ctx.rota.setdefault(dept_code, []).append(RotaDoctor(doc.code, doc.title, dept_code, doc.special_clinic))
    return ctx


def insert_catalogue(session: Session, ctx: Ctx, rng: random.Random) -> None:
    session.execute(
        insert(m.DepartmentRow),
        [
            dict(
                code=d.code,
                name=d.name,
                category=d.category,
                building=d.building,
                floor=d.floor,
                description=d.description,
                sort_order=i,
            )
            for i, d in enumerate(ctx.departments)
        ],
    )
    ids = dict(session.execute(select(m.DepartmentRow.code, m.DepartmentRow.id)).all())
    session.execute(
        insert(m.DepartmentAlias),
        [dict(department_id=ids[d.code], alias=alias) for d in ctx.departments for alias in d.aliases],
    )
    names = load_names()
    used: set = set()
    rows = []
    for dept in ctx.departments:
        for i, title in enumerate(_titles(dept.doctors)):
            surname = scenario().population.forced_surnames.get(dept.name) if i == 0 else None
            name, surname = person_name(rng, names, rng.choice(SEXES), used, surname=surname)
            rows.append(
                dict(
                    code=f"{dept.code}{i + 1:02d}",
                    name=name,
                    surname=surname,
                    title=title,
                    department_id=ids[dept.code],
                    specialties="、".join(rng.sample(dept.specialties, 3 if title != "主治医师" else 2)),
                    bio=_bio(rng, names["doctor_bio"], dept, title, first=i == 0),
                    special_clinic=dept.special and i == 0,
                )
            )
    session.execute(insert(m.DoctorRow), rows)


def _titles(n: int) -> List[str]:
    chiefs = 2 if n >= 6 else 1
    vice = 0 if n <= 3 else (2 if n >= 5 else 1)
    return ["主任医师"] * chiefs + ["副主任医师"] * vice + ["主治医师"] * (n - chiefs - vice)


def _bio(rng: random.Random, bio: dict, dept: DepartmentSpec, title: str, first: bool) -> str:
    degree = rng.choice(bio["degrees"][title])
    head = bio["head"].format(department=dept.name) if first and title == "主任医师" else ""
    return bio["text"].format(
        head=head, title=title, degree=degree, department=dept.name, years=rng.randint(*bio["years"][title])
    )


def person_name(
    rng: random.Random, names: dict, sex: str, used: set, surname: Optional[str] = None, child: bool = False
) -> Tuple[str, str]:
    surnames = list(names["surnames"])
    weights = [names["surnames"][s] for s in surnames]
    given = names["given"]
    for _ in range(200):
        s = surname or rng.choices(surnames, weights)[0]
        if child:
            g = rng.choice(given["child_male" if sex == "男" else "child_female"])
        else:
            pool = given["male" if sex == "男" else "female"]
            g = "".join(rng.sample(pool, 2)) if rng.random() < 0.65 else rng.choice(pool)
        if s + g not in used:
            used.add(s + g)
            return s + g, s
    raise RuntimeError("name vocabulary too small")


# --- schedule ------------------------------------------------------------------------------


def insert_sessions(session: Session, ctx: Ctx, day_list) -> None:
    holidays = load_holidays()
    rows = []
    for day in day_list:
        for p in plan_day(day, ctx.departments, ctx.rota, holidays):
            rows.append(session_row(ctx, p))
    if rows:
        session.execute(insert(m.ClinicSessionRow), rows)


def session_row(ctx: Ctx, p) -> dict:
    dept = ctx.dept_by_code[p.department_code]
    return dict(
        doctor_id=ctx.doctor_ids[p.doctor_code],
        department_id=ctx.dept_ids[dept.name],
        day=p.day,
        period=p.period,
        number_type=p.number_type,
        fee=ctx.fees[p.number_type],
        capacity=p.capacity,
        booked=p.booked,
        next_queue=p.booked,
        status=p.status,
        note=p.note,
    )


# --- patients --------------------------------------------------------------------------------


@dataclass
class SeedPatient:
    id: int
    card_no: str
    sex: str
    birth_date: dt.date
    demo: bool

    def age_on(self, day: dt.date) -> float:
        return (day - self.birth_date).days / 365.25


def _birth_for_age(today: dt.date, age: int, extra_days: int) -> dt.date:
    anniversary = dt.date(today.year - age, today.month, min(today.day, 28))
    return anniversary - dt.timedelta(days=extra_days)


def _id_number(rng: random.Random, birth: dt.date, sex: str) -> str:
    seq = rng.randrange(1, 499) * 2 + (1 if sex == "男" else 0)  # odd for men, even for women
    body = f"{rng.choice(scenario().population.region_codes)}{birth:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "158", "186", "187", "136", "177")) + f"{rng.randrange(10**8):08d}"


def insert_patients(session: Session, ctx: Ctx, rng: random.Random) -> List[SeedPatient]:
    names = load_names()
    demos, population = demo_patients(), scenario().population
    used = {d.name for d in demos} | {d.guardian for d in demos if d.guardian}
    rows = []
    for demo in demos:
        birth = _birth_for_age(ctx.today, demo.age, 100 + int(demo.card_no) % 90)
        rows.append(_patient_fields(rng, demo.card_no, demo.name, demo.sex, birth, demo.phone, demo.guardian, ctx.now))
    for i in range(len(demos), population.patients):
        sex = rng.choice(SEXES)
        band = rng.choices(((1, 14), (15, 39), (40, 64), (65, 90)), (15, 30, 35, 20))[0]
        age = rng.randint(*band)
        birth = _birth_for_age(ctx.today, age, rng.randint(0, 360))
        child = age < 15
        name, surname = person_name(rng, names, sex, used, child=child)
        guardian = person_name(rng, names, rng.choice(SEXES), used, surname=surname)[0] if child else None
        rows.append(
            _patient_fields(rng, str(population.first_card + i), name, sex, birth, _phone(rng), guardian, ctx.now)
        )
    session.execute(insert(m.PatientRow), rows)
    demo_cards = {d.card_no for d in demos}
    result = session.execute(
        select(m.PatientRow.id, m.PatientRow.card_no, m.PatientRow.sex, m.PatientRow.birth_date).order_by(
            m.PatientRow.card_no
        )
    )
    return [SeedPatient(pid, card, sex, birth, card in demo_cards) for pid, card, sex, birth in result]


def _patient_fields(
    rng: random.Random,
    card_no: str,
    name: str,
    sex: str,
    birth: dt.date,
    phone: str,
    guardian: Optional[str],
    now: dt.datetime,
) -> dict:
    rng.getrandbits(64)  # was the ID salt: keeps the rest of the seed unchanged
    return dict(
        card_no=card_no,
        name_enc=seal(name),
        sex=sex,
        birth_date=birth,
        phone_enc=seal(phone),
        guardian_name_enc=seal(guardian) if guardian else None,
        id_number_hash=hash_id_number(_id_number(rng, birth, sex)),
        created_at=now,
    )
