"""Lab analytes (data/knowledge/lab_tests.yml): reference ranges by sex and age, what a
high or low value may mean, critical values, and the panels they are ordered in.

    find_analyte("血红蛋白偏低说明什么")  → the HGB analyte; .when_low, .next_step
    analyte.evaluate(value, sex, age)   → reference range, flag ↑/↓, critical

Read and validated on first use; a broken file raises KnowledgeError listing every
problem, so a designer's typo fails the tests instead of a conversation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from .matching import best_match, normalize
from .tables import LAB_TESTS_PATH, SEXES, KnowledgeError, num, read_table

LAB_PANELS = (
    "血常规",
    "尿常规",
    "肝功能",
    "肾功能",
    "血脂",
    "血糖/糖化",
    "甲功",
    "电解质",
    "凝血",
    "炎症指标",
    "肿瘤标志物",
)
# Ages (years) every analyte must have a reference band for.
COVERAGE_AGES = (0.5, 1, 3, 6, 10, 15, 30, 50, 70, 95)


def _department_names() -> List[str]:
    """Panels name the departments that order them; those must be the hospital's."""
    from hospital.reference import load_departments

    return [d.name for d in load_departments()]


@dataclass(frozen=True)
class RefBand:
    low: Optional[float]
    high: Optional[float]
    sex: Optional[str] = None
    age_min: float = 0.0
    age_max: Optional[float] = None

    def matches(self, sex: str, age: float) -> bool:
        return (
            (self.sex is None or self.sex == sex)
            and age >= self.age_min
            and (self.age_max is None or age < self.age_max)
        )


@dataclass(frozen=True)
class Evaluation:
    ref_low: Optional[float]
    ref_high: Optional[float]
    flag: str  # "↑", "↓" or ""
    critical: bool


@dataclass(frozen=True)
class Analyte:
    code: str
    name: str
    aliases: Tuple[str, ...]
    panel: str
    unit: str
    decimals: int
    reference: Tuple[RefBand, ...]
    department: str
    next_step: str
    when_high: Optional[str] = None
    when_low: Optional[str] = None
    critical_low: Optional[float] = None
    critical_high: Optional[float] = None
    sexes: Tuple[str, ...] = SEXES
    typical: Optional[Tuple[float, float]] = None  # usual healthy values, for the mock LIS

    def applies_to(self, sex: str) -> bool:
        return sex in self.sexes

    def reference_for(self, sex: str, age: float) -> Tuple[Optional[float], Optional[float]]:
        for band in self.reference:
            if band.matches(sex, age):
                return band.low, band.high
        raise LookupError(f"{self.code}: no reference range for {sex}, {age:.1f} years")

    def evaluate(self, value: float, sex: str, age: float) -> Evaluation:
        low, high = self.reference_for(sex, age)
        flag = "↑" if high is not None and value > high else "↓" if low is not None and value < low else ""
        critical = (self.critical_high is not None and value >= self.critical_high) or (
            self.critical_low is not None and value <= self.critical_low
        )
        return Evaluation(low, high, flag, critical)

    def meaning(self, flag: str) -> Optional[str]:
        """Plain-language explanation for a ↑ or ↓ result (None when there is none)."""
        return {"↑": self.when_high, "↓": self.when_low}.get(flag)

    def reference_text(self, sex: str, age: float) -> str:
        low, high = self.reference_for(sex, age)
        unit = f" {self.unit}" if self.unit else ""
        if low is not None and high is not None:
            return f"{_fmt(low)}-{_fmt(high)}{unit}"
        return f"≤{_fmt(high)}{unit}" if high is not None else f"≥{_fmt(low)}{unit}"

    @property
    def keys(self) -> Tuple[str, ...]:
        return (self.code, self.name) + self.aliases


@dataclass(frozen=True)
class Panel:
    name: str
    specimen: str
    fasting: bool
    turnaround_hours: float
    ordered_by: Tuple[str, ...]


@dataclass(frozen=True)
class LabCatalogue:
    """Iterates over analytes; also gives panels and lookups by code or panel."""

    panels: Dict[str, Panel]
    analytes: Tuple[Analyte, ...]

    def __iter__(self) -> Iterator[Analyte]:
        return iter(self.analytes)

    def __len__(self) -> int:
        return len(self.analytes)

    def get(self, code: str) -> Analyte:
        for a in self.analytes:
            if a.code == code:
                return a
        raise KeyError(code)

    def in_panel(self, panel: str, sex: Optional[str] = None) -> List[Analyte]:
        return [a for a in self.analytes if a.panel == panel and (sex is None or a.applies_to(sex))]


def _fmt(x: float) -> str:
    return f"{x:g}"


def validate_lab_tests(raw: dict, departments: Optional[Iterable[str]] = None) -> List[str]:
    """Every problem in a lab_tests.yml document (empty list when valid)."""
    problems: List[str] = []
    departments = set(departments) if departments is not None else None
    panels = raw.get("panels") or {}
    for name in LAB_PANELS:
        if name not in panels:
            problems.append(f"panel {name} missing")
    for name, p in panels.items():
        if name not in LAB_PANELS:
            problems.append(f"unknown panel {name}")
        p = p or {}
        if not p.get("specimen") or not isinstance(p.get("fasting"), bool):
            problems.append(f"panel {name}: specimen and fasting (true/false) are required")
        if not p.get("turnaround_hours") or float(p["turnaround_hours"]) <= 0:
            problems.append(f"panel {name}: turnaround_hours must be > 0")
        for dept in p.get("ordered_by") or ["<none>"]:
            if departments is not None and dept not in departments:
                problems.append(f"panel {name}: ordered_by {dept} is not a department")

    owners: Dict[str, str] = {}
    used_panels = set()
    for i, a in enumerate(raw.get("analytes") or []):
        code = a.get("code") or f"#{i}"
        for key in ("code", "name", "panel", "reference", "department", "next_step"):
            if not a.get(key):
                problems.append(f"{code}: missing {key}")
        if "unit" not in a or not isinstance(a.get("unit"), str):
            problems.append(f'{code}: unit must be a string ("" when unitless)')
        if not isinstance(a.get("decimals"), int) or not 0 <= a["decimals"] <= 3:
            problems.append(f"{code}: decimals must be an integer 0-3")
        if a.get("panel") and a["panel"] not in panels:
            problems.append(f"{code}: panel {a['panel']} is not declared")
        used_panels.add(a.get("panel"))
        if departments is not None and a.get("department") and a["department"] not in departments:
            problems.append(f"{code}: department {a['department']} is not a department")
        sexes = a.get("sexes") or list(SEXES)
        if any(s not in SEXES for s in sexes):
            problems.append(f"{code}: sexes must be 男/女")
        for key in [a.get("code"), a.get("name")] + list(a.get("aliases") or []):
            norm = normalize(str(key or "")).lower()
            if norm in owners and owners[norm] != code:
                problems.append(f"{code}: alias {key} already used by {owners[norm]}")
            owners[norm] = code

        bands = a.get("reference") or []
        any_low = any_high = False
        lows, highs = [], []
        for band in bands:
            low, high = num(band.get("low")), num(band.get("high"))
            if low is None and high is None:
                problems.append(f"{code}: a reference band needs low or high")
            if low is not None and high is not None and low >= high:
                problems.append(f"{code}: reference low {low} >= high {high}")
            if band.get("sex") is not None and band["sex"] not in SEXES:
                problems.append(f"{code}: band sex must be 男/女")
            age_min, age_max = float(band.get("age_min", 0)), band.get("age_max")
            if age_max is not None and age_min >= float(age_max):
                problems.append(f"{code}: band age_min {age_min} >= age_max {age_max}")
            any_low |= low is not None and low > 0
            any_high |= high is not None
            lows += [low] if low is not None else []
            highs += [high] if high is not None else []
        if any_high and not a.get("when_high"):
            problems.append(f"{code}: has an upper limit but no when_high")
        if any_low and not a.get("when_low"):
            problems.append(f"{code}: has a lower limit but no when_low")
        typical = a.get("typical")
        if typical is not None and (len(typical) != 2 or float(typical[0]) >= float(typical[1])):
            problems.append(f"{code}: typical must be [low, high]")
        crit = a.get("critical") or {}
        c_low, c_high = num(crit.get("low")), num(crit.get("high"))
        if c_low is not None and any(c_low >= x for x in lows + highs):
            problems.append(f"{code}: critical low {c_low} must be below the reference range")
        if c_high is not None and any(c_high <= x for x in lows + highs):
            problems.append(f"{code}: critical high {c_high} must be above the reference range")
        if bands:
            parsed = [
                RefBand(
                    num(b.get("low")),
                    num(b.get("high")),
                    b.get("sex"),
                    float(b.get("age_min", 0)),
                    num(b.get("age_max")),
                )
                for b in bands
            ]
            for sex in sexes:
                for age in COVERAGE_AGES:
                    if not any(b.matches(sex, age) for b in parsed):
                        problems.append(f"{code}: no reference band for {sex}, {age} years")
    for name in panels:
        if name not in used_panels:
            problems.append(f"panel {name} has no analytes")
    return problems


def _analyte(a: dict) -> Analyte:
    crit = a.get("critical") or {}
    bands = tuple(
        RefBand(num(b.get("low")), num(b.get("high")), b.get("sex"), float(b.get("age_min", 0)), num(b.get("age_max")))
        for b in a["reference"]
    )
    return Analyte(
        code=a["code"],
        name=a["name"],
        aliases=tuple(str(x) for x in a.get("aliases") or ()),
        panel=a["panel"],
        unit=a["unit"],
        decimals=int(a["decimals"]),
        reference=bands,
        department=a["department"],
        next_step=a["next_step"],
        when_high=a.get("when_high"),
        when_low=a.get("when_low"),
        critical_low=num(crit.get("low")),
        critical_high=num(crit.get("high")),
        sexes=tuple(a.get("sexes") or SEXES),
        typical=(float(a["typical"][0]), float(a["typical"][1])) if a.get("typical") else None,
    )


@functools.lru_cache(maxsize=None)
def load_lab_tests(path: Path = LAB_TESTS_PATH) -> LabCatalogue:
    raw = read_table(path)
    problems = validate_lab_tests(raw, _department_names())
    if problems:
        raise KnowledgeError(str(path), problems)
    panels = {
        name: Panel(name, p["specimen"], p["fasting"], float(p["turnaround_hours"]), tuple(p["ordered_by"]))
        for name, p in raw["panels"].items()
    }
    return LabCatalogue(panels, tuple(_analyte(a) for a in raw["analytes"]))


def find_analyte(text: str) -> Optional[Analyte]:
    """The analyte a patient's text names (code, name or alias; the longest mention
    wins, so 糖化血红蛋白 is not mistaken for 血红蛋白). None when nothing matches."""
    return best_match(text, [(a, a.keys) for a in load_lab_tests()])
