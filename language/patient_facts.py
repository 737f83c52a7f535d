"""Who the patient is and what they have had: age, sex, pregnancy, history (high blood
pressure, diabetes, allergies, medicines), and how the complaint began. The words are in
data/language/patient_facts.yml."""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Sequence, Tuple

from language.knowledge_files import regex, words
from language.negation import ABSENT, PAST, PRESENT, UNCERTAIN, assertion, clause_spans
from language.numbers import cn_number

_HISTORY = {"hypertension": ("hypertension", "no_hypertension"), "diabetes": ("diabetes", "no_diabetes")}
_NO = "无"  # what the history says when there are no allergies / medicines


def parse_age_months(text: str) -> Optional[float]:
    for m in regex("age_years").finditer(text):
        years = cn_number(m.group("num"))
        if years is None or years > 120:
            continue
        months = years * 12 + (6 if m.group("half") or m.group("more") else 0)
        if m.group("m"):
            months += cn_number(m.group("m")) or 0
        return months
    m = regex("age_child_years").search(text)
    if m and (cn_number(m.group("num")) or 0) >= 1:
        return cn_number(m.group("num")) * 12
    m = regex("age_elder_years").search(text)
    if m and 18 <= (cn_number(m.group("num")) or 0) <= 120:
        return cn_number(m.group("num")) * 12 + (6 if m.group("more") else 0)
    for name in ("age_born", "age_child", "age_before_child", "age_months_big"):
        m = regex(name).search(text)
        if not m:
            continue
        num = cn_number(m.group("num"))
        if num is None:
            continue
        unit = m.groupdict().get("unit") or "月"
        if (m.groupdict().get("more") or "") == "半":
            num += 0.5
        if unit == "天":
            return round(num / 30.4, 2)
        if unit in ("周", "礼拜", "星期"):
            return round(num * 7 / 30.4, 2)
        return num
    m = regex("school_year").search(text)
    if m:
        return float(words("school_years")[m.group("year")] * 12)
    if regex("newborn").search(text):
        return 0.5
    if re.search(r"满月", text):
        return 1.0
    if re.search(r"百天", text):
        return 3.3
    return None


def says(fact: str, text: str) -> bool:
    """Whether the text says the fact of that name in data/language/patient_facts.yml
    ("after_hours", "breastfeeding", "child_patient", "follow_up", …)."""
    return bool(regex(fact).search(text))


def parse_sex(text: str) -> Optional[str]:
    for name, sex in (
        ("sex_self_female", "female"),
        ("sex_self_male", "male"),
        ("sex_organ_female", "female"),
        ("sex_organ_male", "male"),
    ):
        if regex(name).search(text):
            return sex
    m = regex("sex_noun").search(text)
    if m:
        return "female" if m.group("f") else "male"
    return None


def parse_pregnancy(text: str) -> Tuple[Optional[bool], Optional[float]]:
    """(pregnant, weeks). None when not said or only wondered about."""
    if regex("not_pregnant").search(text):
        return False, None
    if regex("pregnancy_unsure").search(text) and not regex("pregnancy_weeks_said").search(text):
        return None, None
    if not regex("pregnant").search(text):
        return None, None
    m = regex("pregnancy_weeks").search(text)
    weeks = None
    if m:
        num = cn_number(m.group("num"))
        if num is not None:
            weeks = num if m.group("unit") == "周" else round(num * 4.3, 1)
    return True, weeks


def parse_history(
    text: str, spans: Sequence[Tuple[int, int]], others: Sequence[Tuple[int, int]] = ()
) -> Dict[str, Any]:
    history: Dict[str, Any] = {"hypertension": None, "diabetes": None, "allergies": None, "medications": None}
    for key, (positive, negative) in _HISTORY.items():
        for m in regex(positive).finditer(text):
            status = assertion(text, m.start(), m.end(), spans, others, mask_overlapping=False)
            if status in (PRESENT, PAST):
                history[key] = True
                break
            if status == ABSENT:
                history[key] = False
        if history[key] is None and regex(negative).search(text):
            history[key] = False
    if regex("no_allergy").search(text):
        history["allergies"] = _NO
    else:
        m = regex("allergy").search(text)
        if m and assertion(text, m.start(), m.end(), spans) != ABSENT:
            history["allergies"] = (m.group("a") or m.group("b")).strip()
    if regex("no_medicines").search(text):
        history["medications"] = _NO
    else:
        m = regex("medicines").search(text)
        if m:
            med = (m.group("m") or m.group("r") or "").strip()
            med = re.sub(r"(了|呢|啊|吗|着)+$", "", med)
            if med and med not in ("药", "了药") and not regex("not_a_medicine").match(med):
                history["medications"] = med
    return history


def parse_sudden(text: str) -> Optional[bool]:
    """True / False when the text says whether it began suddenly; a negated 突然
    ("不是突然的", "也没有突然") says it did not."""
    if regex("not_sudden").search(text):
        return False
    spans = clause_spans(text)
    for m in regex("sudden").finditer(text):
        status = assertion(text, m.start(), m.end(), spans)
        if status == ABSENT:
            return False
        if status in (PRESENT, UNCERTAIN):
            return True
    return None


def reported_normal_after(text: str, end: int) -> bool:
    """A normal result follows position `end` in its sentence ("心电图|和彩超都正常")."""
    return bool(regex("test_reported_normal").match(text, end))
