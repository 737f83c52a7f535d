"""Examinations (data/knowledge/exams.yml): where they are done, how to prepare, how
long results take, and the report texts the demo hospital writes.

    find_exam("增强CT要准备什么")  → the CT_ENHANCED exam; .preparation
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .matching import best_match, normalize
from .tables import EXAMS_PATH, SEXES, KnowledgeError, num, read_table

EXAM_MODALITIES = ("检验", "超声", "CT", "MRI", "X线", "胃镜", "肠镜", "心电图", "核酸", "骨密度")


def _buildings() -> Iterable[str]:
    """Exams name the building they are done in; those must be the hospital's."""
    from hospital.facts import facts

    return facts().buildings


@dataclass(frozen=True)
class ExamReport:
    body_part: str
    normal: str
    abnormal: Tuple[str, ...]


@dataclass(frozen=True)
class Exam:
    code: str
    name: str
    aliases: Tuple[str, ...]
    modality: str
    building: str
    floor: str
    place: str
    fasting: bool
    preparation: Tuple[str, ...]
    duration: str
    turnaround: str
    reports: Tuple[ExamReport, ...] = ()
    report_hours: Optional[float] = None
    sexes: Tuple[str, ...] = SEXES

    @property
    def location(self) -> str:
        return f"{self.building}{self.floor}{self.place}"

    @property
    def keys(self) -> Tuple[str, ...]:
        return (self.code, self.name) + self.aliases


def validate_exams(raw: dict, buildings: Optional[Iterable[str]] = None) -> List[str]:
    problems: List[str] = []
    buildings = set(buildings) if buildings is not None else None
    owners: Dict[str, str] = {}
    for i, e in enumerate(raw.get("exams") or []):
        code = e.get("code") or f"#{i}"
        for key in ("code", "name", "modality", "building", "floor", "place", "preparation", "duration", "turnaround"):
            if not e.get(key):
                problems.append(f"{code}: missing {key}")
        if not isinstance(e.get("fasting"), bool):
            problems.append(f"{code}: fasting must be true/false")
        if e.get("modality") and e["modality"] not in EXAM_MODALITIES:
            problems.append(f"{code}: unknown modality {e['modality']}")
        if buildings is not None and e.get("building") and e["building"] not in buildings:
            problems.append(f"{code}: building {e['building']} not in facts.yml")
        prep = e.get("preparation")
        if prep and (not isinstance(prep, list) or not all(isinstance(p, str) and p for p in prep)):
            problems.append(f"{code}: preparation must be a list of sentences")
        for r in e.get("reports") or []:
            if not r.get("body_part") or not r.get("normal") or not r.get("abnormal"):
                problems.append(f"{code}: a report needs body_part, normal and abnormal")
        if e.get("reports") and not (isinstance(e.get("report_hours"), (int, float)) and e["report_hours"] > 0):
            problems.append(f"{code}: exams with reports need report_hours > 0")
        if any(s not in SEXES for s in e.get("sexes") or SEXES):
            problems.append(f"{code}: sexes must be 男/女")
        for key in [e.get("code"), e.get("name")] + list(e.get("aliases") or []):
            norm = normalize(str(key or "")).lower()
            if norm in owners and owners[norm] != code:
                problems.append(f"{code}: alias {key} already used by {owners[norm]}")
            owners[norm] = code
    if not raw.get("exams"):
        problems.append("no exams")
    return problems


@functools.lru_cache(maxsize=None)
def load_exams(path: Path = EXAMS_PATH) -> Tuple[Exam, ...]:
    raw = read_table(path)
    problems = validate_exams(raw, _buildings())
    if problems:
        raise KnowledgeError(str(path), problems)
    return tuple(
        Exam(
            code=e["code"],
            name=e["name"],
            aliases=tuple(str(x) for x in e.get("aliases") or ()),
            modality=e["modality"],
            building=e["building"],
            floor=e["floor"],
            place=e["place"],
            fasting=e["fasting"],
            preparation=tuple(e["preparation"]),
            duration=e["duration"],
            turnaround=e["turnaround"],
            reports=tuple(
                ExamReport(r["body_part"], r["normal"], tuple(r["abnormal"])) for r in e.get("reports") or ()
            ),
            report_hours=num(e.get("report_hours")),
            sexes=tuple(e.get("sexes") or SEXES),
        )
        for e in raw["exams"]
    )


def get_exam(code: str) -> Exam:
    for e in load_exams():
        if e.code == code:
            return e
    raise KeyError(code)


def find_exam(text: str) -> Optional[Exam]:
    """The exam a patient's text names (longest mention wins: 增强CT over CT)."""
    return best_match(text, [(e, e.keys) for e in load_exams()])
