"""The hospital's fixed reference data from data/hospital/*.yml: departments,
public holidays and the name vocabulary. Read on first use, never at import time."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

import yaml

from .config import HOSPITAL_DATA_DIR
from .facts import facts

CATEGORIES = ("内科", "外科", "妇儿", "五官", "急诊", "其他")
SATURDAY_MODES = ("full", "morning", "none")


class ReferenceDataError(ValueError):
    """A data file the hospital is built from is inconsistent; lists every problem."""

    def __init__(self, source: str, problems: List[str]):
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def read_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


# --- departments --------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    category: str
    building: str
    floor: str
    description: str
    aliases: Tuple[str, ...]
    specialties: Tuple[str, ...]
    doctors: int
    night: bool = False
    saturday: str = "none"
    sunday: bool = False
    always_open: bool = False
    special: bool = False


def validate_departments(raw: dict, buildings: Optional[Iterable[str]] = None) -> List[str]:
    buildings = set(facts().buildings if buildings is None else buildings)
    problems: List[str] = []
    seen: Dict[str, str] = {}
    codes = set()
    for i, d in enumerate(raw.get("departments") or []):
        where = d.get("name") or f"#{i}"
        for key in ("code", "name", "category", "building", "floor", "description", "specialties"):
            if not d.get(key):
                problems.append(f"{where}: missing {key}")
        if d.get("code") in codes:
            problems.append(f"{where}: duplicate code {d.get('code')}")
        codes.add(d.get("code"))
        if d.get("category") and d["category"] not in CATEGORIES:
            problems.append(f"{where}: unknown category {d['category']}")
        if d.get("building") and d["building"] not in buildings:
            problems.append(f"{where}: building {d['building']} not in facts.yml")
        schedule = d.get("schedule") or {}
        if schedule.get("saturday", "none") not in SATURDAY_MODES:
            problems.append(f"{where}: saturday must be one of {SATURDAY_MODES}")
        for key in [d.get("name")] + list(d.get("aliases") or []):
            key = normalize_department_text(str(key or ""))
            if key in seen and seen[key] != d.get("name"):
                problems.append(f"{where}: alias {key} already used by {seen[key]}")
            seen[key] = d.get("name")
        if int(d.get("doctors", 0)) < 3:
            problems.append(f"{where}: needs at least 3 doctors")
    return problems


@functools.lru_cache(maxsize=None)
def load_departments(path: Path = HOSPITAL_DATA_DIR / "departments.yml") -> Tuple[DepartmentSpec, ...]:
    raw = read_yaml(path)
    problems = validate_departments(raw)
    if problems:
        raise ReferenceDataError(str(path), problems)
    specs = []
    for d in raw["departments"]:
        schedule = d.get("schedule") or {}
        specs.append(
            DepartmentSpec(
                code=d["code"],
                name=d["name"],
                category=d["category"],
                building=d["building"],
                floor=d["floor"],
                description=d["description"],
                aliases=tuple(d.get("aliases") or ()),
                specialties=tuple(d["specialties"]),
                doctors=int(d["doctors"]),
                night=bool(schedule.get("night", False)),
                saturday=schedule.get("saturday", "none"),
                sunday=bool(schedule.get("sunday", False)),
                always_open=bool(schedule.get("always_open", False)),
                special=bool(schedule.get("special", False)),
            )
        )
    return tuple(specs)


def normalize_department_text(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def department_candidates(text: str) -> List[str]:
    """What to look up for a patient's wording: as typed, then without a trailing
    门诊/科室 ("眼科门诊" → 眼科, "眼科室" → 眼科)."""
    t = normalize_department_text(text)
    out = [t]
    if t.endswith("门诊") and len(t) > 2:
        out.append(t[:-2])
    if t.endswith("科室") and len(t) > 2:
        out += [t[:-1], t[:-2]]
    return [c for c in out if c]


# --- holidays -------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayCalendar:
    closed: Dict[dt.date, str]
    workdays: FrozenSet[dt.date]
    provisional_years: FrozenSet[int] = frozenset()

    def closed_reason(self, day: dt.date) -> Optional[str]:
        return self.closed.get(day)

    def is_makeup_workday(self, day: dt.date) -> bool:
        return day in self.workdays


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@functools.lru_cache(maxsize=None)
def load_holidays(path: Path = HOSPITAL_DATA_DIR / "holidays.yml") -> HolidayCalendar:
    raw = read_yaml(path)
    closed: Dict[dt.date, str] = {}
    workdays = set()
    provisional = set()
    problems = []
    for h in raw.get("holidays") or []:
        if not h.get("name") or not h.get("days"):
            problems.append(f"holiday entry without name or days: {h}")
            continue
        for day in h["days"]:
            closed[_as_date(day)] = h["name"]
        for day in h.get("workdays") or ():
            workdays.add(_as_date(day))
        if h.get("provisional"):
            provisional.add(int(h["year"]))
    clash = workdays & set(closed)
    if clash:
        problems.append(f"dates both holiday and workday: {sorted(clash)}")
    if problems:
        raise ReferenceDataError(str(path), problems)
    return HolidayCalendar(closed, frozenset(workdays), frozenset(provisional))


# --- names ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def load_names(path: Path = HOSPITAL_DATA_DIR / "names.yml") -> dict:
    raw = read_yaml(path)
    given = raw.get("given") or {}
    if not raw.get("surnames") or not given.get("male") or not given.get("female"):
        raise ReferenceDataError(str(path), ["surnames and given.male/female are required"])
    return raw
