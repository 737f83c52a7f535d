"""A lab value the patient types ("我的白细胞12是不是很严重", "尿酸560要吃药吗"): the number
right after the analyte's name, with the sex and age the same message gives. The reports
explain it (actions/reports/lab_values.py); triage sends a value out of range to the
analyte's department."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from knowledge.lab_tests import Analyte, find_analyte
from language import symptoms as sx

ADULT_AGE = 30.0  # the age a range is read for when the message gives none
_VALUE = re.compile(
    r"(?:是|为|有|到|才|只有|测出来|查出来|结果|的值|值)?\s*[:：]?\s*(?<![\d.^])(\d{1,5}(?:\.\d{1,3})?)(?![\d^])"
)
_SEX = {"male": "男", "female": "女"}


@dataclass(frozen=True)
class TypedValue:
    value: float
    sex: Optional[str]  # 男 / 女 / None when the message does not say
    age: Optional[float]  # years, None when not said

    @property
    def years(self) -> float:
        """The age the range is read for: the one said, else an adult's."""
        return self.age if self.age is not None else ADULT_AGE

    def sexes(self, analyte: Analyte) -> List[str]:
        """The sex said, else every sex the analyte has a range for."""
        return [self.sex] if self.sex in analyte.sexes else list(analyte.sexes)


def typed_value(text: str, analyte: Analyte) -> Optional[TypedValue]:
    """The number typed right after the analyte's name ("白细胞12", "血钾是6.8")."""
    for key in sorted(analyte.keys, key=len, reverse=True):
        at = text.find(key)
        if at < 0:
            continue
        m = _VALUE.match(text, at + len(key))
        if m:
            months = sx.parse_age_months(text)
            return TypedValue(
                float(m.group(1)), _SEX.get(sx.parse_sex(text) or ""), None if months is None else months / 12
            )
    return None


def out_of_range(text: str) -> Optional[Analyte]:
    """The analyte whose typed value lies outside its reference range, for every sex the
    message leaves possible ("尿酸560" is high for men and women alike)."""
    analyte = find_analyte(text)
    typed = typed_value(text, analyte) if analyte else None
    if typed is None:
        return None
    try:
        if all(analyte.evaluate(typed.value, sex, typed.years).flag for sex in typed.sexes(analyte)):
            return analyte
    except LookupError:  # no range for this age
        return None
    return None
