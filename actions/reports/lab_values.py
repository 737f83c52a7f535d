"""A lab value the patient types ("我的白细胞12是不是很严重"): compared with the reference
range for their sex and age when the message says them (adults otherwise), and
explained in the usual calm, never-a-diagnosis words (domain responses
utter_lab_value_*). Nothing here reads a patient record.
"""

from __future__ import annotations

from typing import Dict

from actions.reports.words import phrase
from knowledge import Analyte
from knowledge.typed_values import TypedValue

# How far past a limit, as a share of the range's width, still counts as 轻度.
MILD_SHARE = 0.5


def _verdict(analyte: Analyte, value: float, sex: str, age: float) -> str:
    low, high = analyte.reference_for(sex, age)
    flag = analyte.evaluate(value, sex, age).flag
    if not flag:
        return "normal"
    width = (high - low) if low is not None and high is not None else (high or low or 1.0)
    beyond = (value - high) if flag == "↑" else (low - value)
    return ("mild_" if beyond <= MILD_SHARE * width else "marked_") + ("high" if flag == "↑" else "low")


def _degree(verdict: str) -> str:
    """轻度偏高 … 在参考范围内 (data/knowledge/report_words.yml)."""
    return phrase(verdict)


def explain(analyte: Analyte, typed: TypedValue) -> Dict[str, object]:
    """What to say: {"response": name, **variables}."""
    age = typed.years
    unit = f" {analyte.unit}" if analyte.unit else ""
    value = f"{typed.value:g}{unit}"
    sexes = typed.sexes(analyte)
    ranges = {sex: analyte.reference_for(sex, age) for sex in sexes}
    if len(set(ranges.values())) > 1:  # the range depends on a sex the message does not say
        verdicts = {sex: _degree(_verdict(analyte, typed.value, sex, age)) for sex in sexes}
        return dict(
            response="utter_lab_value_by_sex",
            analyte=analyte.name,
            value=value,
            male_range=analyte.reference_text("男", age),
            female_range=analyte.reference_text("女", age),
            male_verdict=verdicts["男"],
            female_verdict=verdicts["女"],
        )
    sex = sexes[0]
    if typed.age is not None and typed.age < 18:
        whom = phrase("child", age=f"{typed.age:g}")
    else:
        whom = (phrase("adult") if typed.age is None else phrase("age", age=f"{typed.age:g}")) + (
            phrase("sex", sex=sex) if typed.sex else ""
        )
    evaluation = analyte.evaluate(typed.value, sex, age)
    common = {
        "analyte": analyte.name,
        "value": value,
        "range": analyte.reference_text(sex, age),
        "whom": whom,
        "next_step": analyte.next_step,
    }
    # Response names written out in full: scripts/validate_data.py looks for them.
    if evaluation.critical:
        return dict(response="utter_lab_value_critical", **common)
    verdict = _verdict(analyte, typed.value, sex, age)
    if verdict == "normal":
        return dict(response="utter_lab_value_normal", **common)
    if verdict.endswith("high"):
        return dict(
            response="utter_lab_value_high", degree=_degree(verdict), meaning=analyte.meaning("↑") or "", **common
        )
    return dict(response="utter_lab_value_low", degree=_degree(verdict), meaning=analyte.meaning("↓") or "", **common)
