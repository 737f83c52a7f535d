"""Deterministic demo data for the mock hospital, relative to `today`: the same `today`
gives identical rows. Lab results are generated from data/knowledge/lab_tests.yml and
imaging reports from data/knowledge/exams.yml, so the knowledge files stay the one
source of truth.

    python -m hospital.seed [--reset] [--url URL] [--today YYYY-MM-DD]
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from . import models as m
from .knowledge import Analyte, Exam, LabCatalogue, load_exams, load_lab_tests
from .reference import DepartmentSpec, fees, load_departments, load_holidays, load_names
from .schedule import SEED, WINDOW_DAYS, RotaDoctor, appointment_number, days, plan_day
from .security import hash_id_number, seal

logger = logging.getLogger(__name__)

SEED_VERSION = "2"  # 2: personal fields encrypted, limits as sliding windows
PATIENT_COUNT = 64
FIRST_CARD = 1000001


@dataclass(frozen=True)
class DemoPatient:
    card_no: str
    name: str
    sex: str
    age: int
    phone: str
    note: str
    guardian: Optional[str] = None

    @property
    def phone_last4(self) -> str:
        return self.phone[-4:]


# Cards to demo with. Verify with method "phone4" and the last four digits of the phone.
DEMO_PATIENTS: Tuple[DemoPatient, ...] = (
    DemoPatient("1000001", "陈建国", "男", 45, "13812345678",
                "血脂、转氨酶、空腹血糖偏高；今天的血常规还在检验中；3天内有增强CT（含二甲双胍提示）；已约心血管内科专家号"),
    DemoPatient("1000002", "林晓燕", "女", 30, "13923456721",
                "血红蛋白偏低（按女性参考范围）、TSH偏高；肿瘤标志物检验中；明天盆腔超声（需憋尿）；已约妇科并带预问诊"),
    DemoPatient("1000003", "王秀英", "女", 76, "13734567832",
                "今天血钾 6.8 危急值、肌酐升高；头颅CT待出报告；已约明天肾内科"),
    DemoPatient("1000004", "李子轩", "男", 6, "13645678943",
                "儿童参考范围：白细胞和CRP偏高，血小板420按儿童范围正常；胸片已出报告；已约儿科",
                guardian="李娜"),
    DemoPatient("1000005", "赵丽华", "女", 58, "13556789054",
                "癌胚抗原轻度升高；几天后胃镜（需空腹）；腰椎MRI待出报告；没有预约"),
    DemoPatient("1000006", "孙志强", "男", 68, "13467890165",
                "今天空腹血糖 23.4 危急值、糖化血红蛋白偏高；尿常规检验中；没有预约"),
)

# (department, days from today, number type, pre-consultation summary)
DEMO_APPOINTMENTS: Dict[str, Tuple[str, int, str, dict]] = {
    "1000001": ("心血管内科", 2, "专家号", {"chief_complaint": "体检发现血脂偏高，活动后偶有胸闷", "duration": "1个月", "red_flags": []}),
    "1000002": ("妇科", 4, "普通号", {"chief_complaint": "月经量多伴乏力", "duration": "2个月", "red_flags": []}),
    "1000003": ("肾内科", 1, "专家号", {"chief_complaint": "复查肾功能和血钾", "duration": "半年", "red_flags": []}),
    "1000004": ("儿科", 1, "普通号", {"chief_complaint": "发热咳嗽", "duration": "3天", "red_flags": []}),
}

# (panel, days ago, time, status, fixed values, ordering department)
DEMO_LABS: Dict[str, List[tuple]] = {
    "1000001": [
        ("血脂", 20, "08:10", "ready", {"TC": 6.32, "TG": 2.45, "LDL-C": 4.21, "HDL-C": 0.92}, "心血管内科"),
        ("肝功能", 20, "08:10", "ready", {"ALT": 78, "AST": 45, "GGT": 88}, "消化内科"),
        ("血糖/糖化", 20, "08:10", "ready", {"GLU": 6.52, "HBA1C": 6.3}, "内分泌科"),
        ("肾功能", 20, "08:10", "ready", {}, "心血管内科"),
        ("血常规", 0, "08:20", "pending", {}, "心血管内科"),
    ],
    "1000002": [
        ("血常规", 5, "08:30", "ready", {"HGB": 102, "MCV": 74.5, "RBC": 4.05, "HCT": 33.2}, "妇科"),
        ("甲功", 5, "08:30", "ready", {"TSH": 5.84, "FT4": 13.1}, "妇科"),
        ("肿瘤标志物", 1, "15:40", "pending", {}, "妇科"),
    ],
    "1000003": [
        ("电解质", 0, "07:40", "ready", {"K": 6.8, "Na": 134.0}, "肾内科"),
        ("肾功能", 0, "07:40", "ready", {"CREA": 198, "UREA": 14.2, "UA": 452}, "肾内科"),
        ("血常规", 10, "08:00", "ready", {"HGB": 108}, "肾内科"),
        ("凝血", 30, "09:10", "ready", {"PT": 24.6, "INR": 2.35}, "心血管内科"),
    ],
    "1000004": [
        ("血常规", 1, "19:20", "ready", {"WBC": 13.8, "NEUT%": 78.5, "LYMPH%": 15.2, "PLT": 420}, "儿科"),
        ("炎症指标", 1, "19:20", "ready", {"CRP": 36.4, "PCT": 0.32}, "儿科"),
        ("肝功能", 60, "09:00", "ready", {"ALP": 265}, "儿科"),
    ],
    "1000005": [
        ("肿瘤标志物", 7, "08:15", "ready", {"CEA": 6.2}, "消化内科"),
        ("血常规", 7, "08:15", "ready", {}, "消化内科"),
        ("肝功能", 7, "08:15", "ready", {}, "消化内科"),
    ],
    "1000006": [
        ("血糖/糖化", 0, "07:30", "ready", {"GLU": 23.4, "HBA1C": 9.8}, "内分泌科"),
        ("肾功能", 0, "07:30", "ready", {"CREA": 102}, "内分泌科"),
        ("尿常规", 0, "07:30", "pending", {}, "内分泌科"),
    ],
}

# (exam code, report index, days from today, time, status, abnormal conclusion index or None, department)
DEMO_IMAGING: Dict[str, List[tuple]] = {
    "1000001": [("US_ABDOMEN", 0, -19, "10:00", "ready", 0, "消化内科"),
                ("CT_ENHANCED", 0, 3, "14:30", "scheduled", None, "消化内科")],
    "1000002": [("US_PELVIS", 0, 1, "09:30", "scheduled", None, "妇科")],
    "1000003": [("CT_PLAIN", 0, -30, "15:00", "ready", 0, "呼吸内科"),
                ("CT_PLAIN", 1, -1, "16:00", "pending_report", None, "神经内科")],
    "1000004": [("XRAY", 0, -1, "19:50", "ready", 0, "儿科")],
    "1000005": [("GASTROSCOPY", 0, 5, "08:30", "scheduled", None, "消化内科"),
                ("MRI", 0, -1, "14:00", "pending_report", None, "骨科")],
    "1000006": [("US_ABDOMEN", 0, -45, "09:00", "ready", None, "内分泌科")],
}

# Who usually orders which exam (mock RIS only).
EXAM_ORDERED_BY = {
    "US_ABDOMEN": ("消化内科", "普通外科", "内分泌科"),
    "US_PELVIS": ("妇科",),
    "US_URINARY": ("泌尿外科", "肾内科"),
    "US_THYROID": ("内分泌科", "普通外科"),
    "ECHO": ("心血管内科",),
    "GASTROSCOPY": ("消化内科",),
    "COLONOSCOPY": ("消化内科", "普通外科"),
    "CT_PLAIN": ("呼吸内科", "胸外科", "神经内科", "急诊科"),
    "CT_ENHANCED": ("消化内科", "胸外科", "肿瘤科"),
    "MRI": ("骨科", "神经内科", "康复医学科"),
    "XRAY": ("呼吸内科", "骨科", "急诊科"),
    "MAMMOGRAPHY": ("乳腺外科",),
    "DXA": ("内分泌科", "骨科"),
}
CHILD_EXAMS = ("XRAY", "US_ABDOMEN")
CHILD_PANELS = ("血常规", "炎症指标", "尿常规", "肝功能")
PANEL_WEIGHTS = {"血常规": 5, "肝功能": 3, "肾功能": 3, "血脂": 3, "血糖/糖化": 3, "电解质": 2,
                 "尿常规": 2, "甲功": 2, "凝血": 1, "炎症指标": 2, "肿瘤标志物": 1}
FORCED_SURNAMES = {  # shared surnames so "李医生" has several answers
    "心血管内科": "李", "骨科": "李", "儿科": "李", "眼科": "李",
    "呼吸内科": "王", "消化内科": "王", "妇科": "王",
    "神经内科": "张", "普通外科": "张", "口腔科": "张",
}
REGION_CODES = ("330102", "330106", "330108", "330110", "330182")


@dataclass
class _Ctx:
    """What seeding functions share: ids of rows already written and the vocabulary."""

    today: dt.date
    now: dt.datetime
    departments: Tuple[DepartmentSpec, ...]
    dept_ids: Dict[str, int] = field(default_factory=dict)  # name → id
    dept_by_code: Dict[str, DepartmentSpec] = field(default_factory=dict)
    doctor_ids: Dict[str, int] = field(default_factory=dict)  # code → id
    rota: Dict[str, List[RotaDoctor]] = field(default_factory=dict)  # dept code → doctors
    fees: Dict[str, float] = field(default_factory=dict)


# --- public entry points ---------------------------------------------------------------


def is_seeded(session: Session) -> bool:
    return session.get(m.Meta, "seed_version") is not None


def seed(session: Session, today: dt.date, now: dt.datetime) -> None:
    """Write the whole demo hospital into an empty database (one transaction)."""
    rng = random.Random(SEED)
    ctx = _context(session, today, now, create=True, rng=rng)
    _insert_sessions(session, ctx, days(today, today + dt.timedelta(days=WINDOW_DAYS - 1)))
    patients = _insert_patients(session, ctx, rng)
    _insert_lab_orders(session, ctx, rng, patients)
    _insert_imaging(session, ctx, rng, patients)
    _insert_appointments(session, ctx, rng, patients)
    for key, value in (("seed_version", SEED_VERSION), ("seeded_on", today.isoformat()),
                       ("schedule_through", (today + dt.timedelta(days=WINDOW_DAYS - 1)).isoformat()),
                       ("anchor_date", today.isoformat())):
        session.add(m.Meta(key=key, value=value))
    logger.info("seeded mock hospital for %s", today)


def bring_up_to_date(session: Session, today: dt.date, now: dt.datetime) -> int:
    """Keep an earlier seed current: plan the days missing from the 14-day window,
    move still-pending results and upcoming exams forward, and give demo patients
    their upcoming appointments back. Returns the number of days added."""
    through = dt.date.fromisoformat(session.get(m.Meta, "schedule_through").value)
    target = today + dt.timedelta(days=WINDOW_DAYS - 1)
    added = 0
    ctx = None
    if through < target:
        ctx = _context(session, today, now, create=False)
        new_days = list(days(max(through + dt.timedelta(days=1), today), target))
        _insert_sessions(session, ctx, new_days)
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
        ctx = ctx or _context(session, today, now, create=False)
        _demo_appointments(session, ctx, only_missing=True)
    if added:
        logger.info("extended the schedule by %d days to %s", added, target)
    return added


# --- catalogue ---------------------------------------------------------------------------


def _context(session: Session, today: dt.date, now: dt.datetime, create: bool, rng: Optional[random.Random] = None) -> _Ctx:
    ctx = _Ctx(today=today, now=now, departments=load_departments(), fees=fees())
    ctx.dept_by_code = {d.code: d for d in ctx.departments}
    if create:
        _insert_catalogue(session, ctx, rng)
    ctx.dept_ids = dict(session.execute(select(m.DepartmentRow.name, m.DepartmentRow.id)).all())
    code_of = {v: k for k, v in dict(session.execute(select(m.DepartmentRow.code, m.DepartmentRow.id)).all()).items()}
    rows = session.execute(select(m.DoctorRow).order_by(m.DoctorRow.code)).scalars().all()
    for doc in rows:
        ctx.doctor_ids[doc.code] = doc.id
        dept_code = code_of[doc.department_id]
        ctx.rota.setdefault(dept_code, []).append(RotaDoctor(doc.code, doc.title, dept_code, doc.special_clinic))
    return ctx


def _insert_catalogue(session: Session, ctx: _Ctx, rng: random.Random) -> None:
    session.execute(insert(m.DepartmentRow), [
        dict(code=d.code, name=d.name, category=d.category, building=d.building, floor=d.floor,
             description=d.description, sort_order=i)
        for i, d in enumerate(ctx.departments)
    ])
    ids = dict(session.execute(select(m.DepartmentRow.code, m.DepartmentRow.id)).all())
    session.execute(insert(m.DepartmentAlias), [
        dict(department_id=ids[d.code], alias=alias) for d in ctx.departments for alias in d.aliases
    ])
    names = load_names()
    used: set = set()
    rows = []
    for dept in ctx.departments:
        for i, title in enumerate(_titles(dept.doctors)):
            surname = FORCED_SURNAMES.get(dept.name) if i == 0 else None
            name, surname = _person_name(rng, names, rng.choice("男女"), used, surname=surname)
            rows.append(dict(
                code=f"{dept.code}{i + 1:02d}", name=name, surname=surname, title=title,
                department_id=ids[dept.code],
                specialties="、".join(rng.sample(dept.specialties, 3 if title != "主治医师" else 2)),
                bio=_bio(rng, dept, title, first=i == 0),
                special_clinic=dept.special and i == 0,
            ))
    session.execute(insert(m.DoctorRow), rows)


def _titles(n: int) -> List[str]:
    chiefs = 2 if n >= 6 else 1
    vice = 0 if n <= 3 else (2 if n >= 5 else 1)
    return ["主任医师"] * chiefs + ["副主任医师"] * vice + ["主治医师"] * (n - chiefs - vice)


def _bio(rng: random.Random, dept: DepartmentSpec, title: str, first: bool) -> str:
    years = {"主任医师": (22, 34), "副主任医师": (14, 21), "主治医师": (6, 12)}[title]
    degree = rng.choice({"主任医师": ("医学博士", "医学博士", "医学硕士"),
                         "副主任医师": ("医学博士", "医学硕士"),
                         "主治医师": ("医学硕士", "医学学士")}[title])
    head = f"{dept.name}主任，" if first and title == "主任医师" else ""
    return f"{head}{title}，{degree}，从事{dept.name}临床工作{rng.randint(*years)}年。"


def _person_name(rng: random.Random, names: dict, sex: str, used: set, surname: Optional[str] = None,
                 child: bool = False) -> Tuple[str, str]:
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


def _insert_sessions(session: Session, ctx: _Ctx, day_list) -> None:
    holidays = load_holidays()
    rows = []
    for day in day_list:
        for p in plan_day(day, ctx.departments, ctx.rota, holidays):
            rows.append(_session_row(ctx, p))
    if rows:
        session.execute(insert(m.ClinicSessionRow), rows)


def _session_row(ctx: _Ctx, p) -> dict:
    dept = ctx.dept_by_code[p.department_code]
    return dict(doctor_id=ctx.doctor_ids[p.doctor_code], department_id=ctx.dept_ids[dept.name], day=p.day,
                period=p.period, number_type=p.number_type, fee=ctx.fees[p.number_type], capacity=p.capacity,
                booked=p.booked, next_queue=p.booked, status=p.status, note=p.note)


# --- patients --------------------------------------------------------------------------------


@dataclass
class _Patient:
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
    body = f"{rng.choice(REGION_CODES)}{birth:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "158", "186", "187", "136", "177")) + f"{rng.randrange(10 ** 8):08d}"


def _insert_patients(session: Session, ctx: _Ctx, rng: random.Random) -> List[_Patient]:
    names = load_names()
    used = {d.name for d in DEMO_PATIENTS} | {d.guardian for d in DEMO_PATIENTS if d.guardian}
    rows = []
    for demo in DEMO_PATIENTS:
        birth = _birth_for_age(ctx.today, demo.age, 100 + int(demo.card_no) % 90)
        rows.append(_patient_fields(rng, demo.card_no, demo.name, demo.sex, birth, demo.phone, demo.guardian, ctx.now))
    for i in range(len(DEMO_PATIENTS), PATIENT_COUNT):
        sex = rng.choice("男女")
        band = rng.choices(((1, 14), (15, 39), (40, 64), (65, 90)), (15, 30, 35, 20))[0]
        age = rng.randint(*band)
        birth = _birth_for_age(ctx.today, age, rng.randint(0, 360))
        child = age < 15
        name, surname = _person_name(rng, names, sex, used, child=child)
        guardian = _person_name(rng, names, rng.choice("男女"), used, surname=surname)[0] if child else None
        rows.append(_patient_fields(rng, str(FIRST_CARD + i), name, sex, birth, _phone(rng), guardian, ctx.now))
    session.execute(insert(m.PatientRow), rows)
    demo_cards = {d.card_no for d in DEMO_PATIENTS}
    result = session.execute(select(m.PatientRow.id, m.PatientRow.card_no, m.PatientRow.sex, m.PatientRow.birth_date)
                             .order_by(m.PatientRow.card_no))
    return [_Patient(pid, card, sex, birth, card in demo_cards) for pid, card, sex, birth in result]


def _patient_fields(rng: random.Random, card_no: str, name: str, sex: str, birth: dt.date, phone: str,
                    guardian: Optional[str], now: dt.datetime) -> dict:
    rng.getrandbits(64)  # was the ID salt: keeps the rest of the seed unchanged
    return dict(card_no=card_no, name_enc=seal(name), sex=sex, birth_date=birth, phone_enc=seal(phone),
                guardian_name_enc=seal(guardian) if guardian else None,
                id_number_hash=hash_id_number(_id_number(rng, birth, sex)), created_at=now)


# --- LIS -----------------------------------------------------------------------------------------


def _at(day: dt.date, hhmm: str) -> dt.datetime:
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
    step = 10 ** -a.decimals
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


def _insert_lab_orders(session: Session, ctx: _Ctx, rng: random.Random, patients: Sequence[_Patient]) -> None:
    catalogue = load_lab_tests()
    orders = []  # (ordered_at, patient, panel, dept, status, overrides)
    for p in patients:
        if p.demo:
            for panel, days_ago, hhmm, status, overrides, dept in DEMO_LABS.get(p.card_no, ()):
                orders.append((_at(ctx.today - dt.timedelta(days=days_ago), hhmm), p, panel, dept, status, overrides))
            continue
        child = p.age_on(ctx.today) < 15
        panels = [x for x in PANEL_WEIGHTS if not child or x in CHILD_PANELS]
        if p.age_on(ctx.today) < 30 and "肿瘤标志物" in panels:
            panels.remove("肿瘤标志物")
        for _ in range(rng.randint(1, 4)):
            panel = rng.choices(panels, [PANEL_WEIGHTS[x] for x in panels])[0]
            day = ctx.today - dt.timedelta(days=rng.randint(2, 120))
            dept = "儿科" if child else rng.choice(catalogue.panels[panel].ordered_by)
            orders.append((_at(day, f"{rng.randint(7, 10)}:{rng.choice(('05', '20', '35', '50'))}"), p, panel, dept, "ready", {}))
        if rng.random() < 0.15:
            panel = rng.choice(panels)
            if catalogue.panels[panel].turnaround_hours >= 24:
                ordered = _at(ctx.today - dt.timedelta(days=1), f"{rng.randint(14, 16)}:30")
            else:
                ordered = _at(ctx.today, f"0{rng.randint(7, 8)}:{rng.choice(('15', '30', '45'))}")
            dept = "儿科" if child else rng.choice(catalogue.panels[panel].ordered_by)
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
        order_rows.append(dict(id=order_id, patient_id=p.id, panel=panel, department_id=ctx.dept_ids[dept],
                               specimen=info.specimen, ordered_at=ordered, status=status,
                               expected_at=expected, reported_at=reported))
        if status == "ready":
            result_rows += _results(rng, catalogue, order_id, panel, p, ordered.date(), overrides, random_abnormal=not p.demo)
    session.execute(insert(m.LabOrderRow), order_rows)
    session.execute(insert(m.LabResultRow), result_rows)


def _results(rng, catalogue: LabCatalogue, order_id: str, panel: str, p: _Patient, day: dt.date,
             overrides: dict, random_abnormal: bool) -> List[dict]:
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
        rows.append(dict(order_id=order_id, seq=seq, code=a.code, name=a.name, value=value, unit=a.unit,
                         ref_low=ev.ref_low, ref_high=ev.ref_high, flag=ev.flag, critical=ev.critical))
    return rows


# --- RIS ------------------------------------------------------------------------------------------


def _workday(day: dt.date, forward: bool = True) -> dt.date:
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


def _insert_imaging(session: Session, ctx: _Ctx, rng: random.Random, patients: Sequence[_Patient]) -> None:
    exams = {e.code: e for e in load_exams()}
    with_reports = [e for e in exams.values() if e.reports]
    planned = []  # (scheduled_at, patient, exam, report, status, conclusion, dept)
    for p in patients:
        if p.demo:
            for code, report_i, offset, hhmm, status, abnormal_i, dept in DEMO_IMAGING.get(p.card_no, ()):
                exam = exams[code]
                day = ctx.today + dt.timedelta(days=offset)
                if status == "scheduled":
                    day = _workday(day)
                report = exam.reports[report_i]
                conclusion = None
                if status == "ready":
                    conclusion = report.normal if abnormal_i is None else report.abnormal[abnormal_i]
                planned.append((_at(day, hhmm), p, exam, report, status, conclusion, dept))
            continue
        child = p.age_on(ctx.today) < 15
        choices = [e for e in with_reports if p.sex in e.sexes and (not child or e.code in CHILD_EXAMS)]
        for _ in range(rng.choices((0, 1, 2), (35, 45, 20))[0]):
            exam = rng.choice(choices)
            report = rng.choice(exam.reports)
            dept = "儿科" if child else rng.choice(EXAM_ORDERED_BY[exam.code])
            x = rng.random()
            if x < 0.72 or (x < 0.85 and (exam.report_hours or 0) < 2):
                day = _workday(ctx.today - dt.timedelta(days=rng.randint(3, 150)), forward=False)
                conclusion = rng.choice(report.abnormal) if rng.random() < 0.35 else report.normal
                planned.append((_at(day, f"{rng.randint(8, 15)}:{rng.choice(('00', '20', '40'))}"), p, exam, report, "ready", conclusion, dept))
            elif x < 0.85:
                day = ctx.today - dt.timedelta(days=rng.randint(0, 1))
                planned.append((_at(day, f"0{rng.randint(8, 9)}:30"), p, exam, report, "pending_report", None, dept))
            else:
                day = _workday(ctx.today + dt.timedelta(days=rng.randint(1, 10)))
                planned.append((_at(day, f"{rng.randint(8, 16)}:{rng.choice(('00', '30'))}"), p, exam, report, "scheduled", None, dept))
    planned.sort(key=lambda x: (x[0], x[1].card_no, x[2].code))
    rows = []
    for seq, (at, p, exam, report, status, conclusion, dept) in enumerate(planned, start=1):
        expected = _expected(exam, at)
        rows.append(dict(id=f"JC{seq:06d}", patient_id=p.id, exam_code=exam.code, modality=exam.modality,
                         body_part=report.body_part, department_id=ctx.dept_ids[dept], scheduled_at=at,
                         location=exam.location, preparation="".join(exam.preparation), status=status,
                         expected_at=expected, reported_at=expected if status == "ready" else None,
                         conclusion=conclusion))
    session.execute(insert(m.ImagingExamRow), rows)


# --- appointments --------------------------------------------------------------------------------


def _book_direct(session: Session, ctx: _Ctx, patient_id: int, session_row: m.ClinicSessionRow, status: str,
                 created_at: dt.datetime, precheck: Optional[dict] = None) -> bool:
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
        queue = session.execute(select(m.ClinicSessionRow.next_queue).where(m.ClinicSessionRow.id == session_row.id)).scalar_one()
    else:
        queue = session_row.next_queue + 1
    appt = m.AppointmentRow(patient_id=patient_id, session_id=session_row.id, department_id=session_row.department_id,
                            visit_date=session_row.day, status=status, queue_no=queue, precheck=precheck or {},
                            created_at=created_at, updated_at=created_at)
    session.add(appt)
    session.flush()
    appt.number = appointment_number(session_row.day, appt.id)
    session.add(m.AppointmentHistory(appointment_id=appt.id, from_status=None, to_status="booked", at=created_at, actor="seed"))
    if status != "booked":
        session.add(m.AppointmentHistory(appointment_id=appt.id, from_status="booked", to_status=status,
                                         at=created_at + dt.timedelta(days=1), actor="seed"))
    return True


def _open_sessions(session: Session, ctx: _Ctx, dept: str, start: dt.date, end: dt.date):
    return session.execute(
        select(m.ClinicSessionRow)
        .where(m.ClinicSessionRow.department_id == ctx.dept_ids[dept], m.ClinicSessionRow.day >= start,
               m.ClinicSessionRow.day <= end, m.ClinicSessionRow.status == "open",
               m.ClinicSessionRow.booked < m.ClinicSessionRow.capacity)
        .order_by(m.ClinicSessionRow.day, m.ClinicSessionRow.id)
    ).scalars().all()


def _demo_appointments(session: Session, ctx: _Ctx, only_missing: bool) -> None:
    last = ctx.today + dt.timedelta(days=WINDOW_DAYS - 1)
    for card, (dept, offset, number_type, precheck) in DEMO_APPOINTMENTS.items():
        pid = session.execute(select(m.PatientRow.id).where(m.PatientRow.card_no == card)).scalar_one()
        if only_missing and session.execute(
            select(func.count()).select_from(m.AppointmentRow)
            .where(m.AppointmentRow.patient_id == pid, m.AppointmentRow.status == m.ACTIVE,
                   m.AppointmentRow.visit_date >= ctx.today)
        ).scalar_one():
            continue
        candidates = _open_sessions(session, ctx, dept, ctx.today + dt.timedelta(days=offset), last)
        # The earliest day first (the demo says "明天"), then the wished number type.
        preferred = sorted(candidates, key=lambda s: (s.day, s.number_type != number_type, s.period == "夜间", s.id))
        for s in preferred:
            if _book_direct(session, ctx, pid, s, "booked", ctx.now - dt.timedelta(days=3), precheck):
                break


def _insert_appointments(session: Session, ctx: _Ctx, rng: random.Random, patients: Sequence[_Patient]) -> None:
    _demo_appointments(session, ctx, only_missing=False)
    others = [p for p in patients if not p.demo]
    end = ctx.today + dt.timedelta(days=WINDOW_DAYS - 1)
    adult_depts = [d.name for d in ctx.departments if d.category != "急诊" and d.name not in ("儿科", "新生儿科")]
    for p in rng.sample(others, 30):
        child = p.age_on(ctx.today) < 15
        depts = ["儿科"] if child else [d for d in adult_depts if p.sex == "女" or d not in ("妇科", "产科")]
        kind = rng.choices(("booked", "cancelled", "attended"), (16, 3, 11))[0]
        dept = rng.choice(depts)
        if kind == "attended":
            day = _workday(ctx.today - dt.timedelta(days=rng.randint(5, 60)), forward=False)
            row = _past_session(session, ctx, dept, day)
        else:
            open_rows = _open_sessions(session, ctx, dept, ctx.today + dt.timedelta(days=1), end)
            row = rng.choice(open_rows) if open_rows else None
        if row is not None:
            created = min(ctx.now, dt.datetime.combine(row.day, dt.time(7, 0))) - dt.timedelta(days=rng.randint(1, 6))
            _book_direct(session, ctx, p.id, row, kind, created)


def _past_session(session: Session, ctx: _Ctx, dept: str, day: dt.date) -> Optional[m.ClinicSessionRow]:
    """The clinic session a past visit belonged to (created on demand: the rolling
    schedule only covers today onwards)."""
    dept_code = next(d.code for d in ctx.departments if d.name == dept)
    for plan in plan_day(day, ctx.departments, ctx.rota, load_holidays()):
        if plan.department_code != dept_code or plan.status != "open" or plan.booked >= plan.capacity:
            continue
        row = session.execute(select(m.ClinicSessionRow).where(
            m.ClinicSessionRow.doctor_id == ctx.doctor_ids[plan.doctor_code],
            m.ClinicSessionRow.day == day, m.ClinicSessionRow.period == plan.period)).scalar_one_or_none()
        if row is None:
            row = m.ClinicSessionRow(**_session_row(ctx, plan))
            session.add(row)
            session.flush()
        return row
    return None


# --- CLI ----------------------------------------------------------------------------------------------


def summary(hospital) -> List[str]:
    """Counts and the demo cards, for the CLI and for README writers."""
    from .sql import table_counts

    counts = table_counts(hospital.engine)
    start, end = hospital.schedule_window()
    lines = [
        f"窗口 {start} 至 {end}",
        "科室 {departments}，医生 {doctors}，出诊时段 {clinic_sessions}，患者 {patients}，"
        "预约 {appointments}，检验单 {lab_orders}（结果 {lab_results}），影像检查 {imaging_exams}".format(**counts),
        "演示就诊卡（验证方式 phone4 = 手机后四位）：",
    ]
    for d in DEMO_PATIENTS:
        guardian = f"（家长{d.guardian}的手机）" if d.guardian else ""
        lines.append(f"  {d.card_no}  {d.name}  {d.sex} {d.age}岁  手机后四位 {d.phone_last4}{guardian}  {d.note}")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hospital.seed", description="建立并填充模拟医院数据库")
    parser.add_argument("--url", help="数据库 URL（默认取 HOSPITAL_DB_URL，或项目下 .data/hospital.db）")
    parser.add_argument("--reset", action="store_true", help="删除全部表后重新生成")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="以哪一天为“今天”生成（默认今天）")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from .config import database_url
    from .interface import SystemUnavailable
    from .sql import create_hospital, drop_schema

    url = args.url or database_url()
    started = time.perf_counter()
    try:
        if args.reset:
            drop_schema(url)
        hospital = create_hospital(url, today=args.today)
    except SystemUnavailable as exc:
        logger.error("seeding failed: %s", exc.__cause__ or exc)
        return 1
    for line in summary(hospital):
        print(line)
    print(f"用时 {time.perf_counter() - started:.2f} 秒")
    hospital.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
