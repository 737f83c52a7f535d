"""The demo scenario (data/hospital/demo_scenario.yml): the patients a demo uses, what
the seed gives each of them, and how the rest of the population is drawn. The seed,
the README's table of demo patients and the tests all read it from here."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import yaml

from ..config import HOSPITAL_DATA_DIR

SCENARIO_FILE = HOSPITAL_DATA_DIR / "demo_scenario.yml"


@dataclass(frozen=True)
class DemoAppointment:
    department: str
    days_ahead: int  # the earliest open session from this many days ahead
    number_type: str  # preferred
    precheck: Mapping


@dataclass(frozen=True)
class DemoLab:
    panel: str
    days_ago: int
    at: str  # HH:MM
    status: str
    values: Mapping[str, float]  # the rest drawn inside the reference range
    ordered_by: str


@dataclass(frozen=True)
class DemoImaging:
    exam: str
    report: int  # which of the exam's reports
    days: int  # from today (negative: in the past)
    at: str
    status: str
    abnormal: Optional[int]  # which abnormal conclusion; None for the normal one
    ordered_by: str


@dataclass(frozen=True)
class DemoPatient:
    card_no: str
    name: str
    sex: str
    age: int
    phone: str
    worth_trying: str
    guardian: Optional[str] = None
    appointment: Optional[DemoAppointment] = None
    labs: Tuple[DemoLab, ...] = ()
    imaging: Tuple[DemoImaging, ...] = ()

    @property
    def phone_last4(self) -> str:
        return self.phone[-4:]


@dataclass(frozen=True)
class Population:
    patients: int
    first_card: int
    exam_ordered_by: Mapping[str, Tuple[str, ...]]
    child_exams: Tuple[str, ...]
    child_panels: Tuple[str, ...]
    panel_weights: Mapping[str, int]
    forced_surnames: Mapping[str, str]
    region_codes: Tuple[str, ...]
    stopped_note: str


@dataclass(frozen=True)
class Scenario:
    patients: Tuple[DemoPatient, ...]
    population: Population

    def patient(self, card_no: str) -> DemoPatient:
        return next(p for p in self.patients if p.card_no == card_no)


def _patient(raw: dict) -> DemoPatient:
    appointment = raw.get("appointment")
    return DemoPatient(
        card_no=str(raw["card_no"]),
        name=raw["name"],
        sex=raw["sex"],
        age=int(raw["age"]),
        phone=str(raw["phone"]),
        worth_trying=raw["worth_trying"],
        guardian=raw.get("guardian"),
        appointment=DemoAppointment(**appointment) if appointment else None,
        labs=tuple(DemoLab(**lab) for lab in raw.get("labs") or ()),
        imaging=tuple(DemoImaging(**exam) for exam in raw.get("imaging") or ()),
    )


def load_scenario(path: Path = SCENARIO_FILE) -> Scenario:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    pop = raw["population"]
    population = Population(
        patients=int(pop["patients"]),
        first_card=int(pop["first_card"]),
        exam_ordered_by={code: tuple(depts) for code, depts in pop["exam_ordered_by"].items()},
        child_exams=tuple(pop["child_exams"]),
        child_panels=tuple(pop["child_panels"]),
        panel_weights=dict(pop["panel_weights"]),
        forced_surnames=dict(pop["forced_surnames"]),
        region_codes=tuple(str(code) for code in pop["region_codes"]),
        stopped_note=pop["stopped_note"],
    )
    return Scenario(tuple(_patient(p) for p in raw["patients"]), population)


@functools.lru_cache(maxsize=1)
def scenario() -> Scenario:
    return load_scenario()


def demo_patients() -> Tuple[DemoPatient, ...]:
    return scenario().patients


def readme_rows() -> Dict[str, str]:
    """The README's table of demo patients, one Markdown row per card."""
    rows = {}
    for p in demo_patients():
        who = ("boy" if p.sex == "男" else "girl") if p.age < 15 else ("man" if p.sex == "男" else "woman")
        phone = f"{p.phone_last4} (parent's phone)" if p.guardian else p.phone_last4
        rows[p.card_no] = f"| {p.card_no} | {p.name}, {who}, {p.age} | {phone} | {p.worth_trying} |"
    return rows
