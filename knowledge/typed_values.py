"""A lab value the patient types ("我的白细胞12是不是很严重", "尿酸560要吃药吗"): the number
right after the analyte's name, with the sex and age the same message gives. The reports
explain it (actions/reports/lab_values.py); triage sends a value out of range to the
analyte's department."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from knowledge.lab_tests import Analyte, find_analyte
from knowledge.matching import inside_latin_word
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


# What may follow a typed critical value: its unit, converted to the catalogue's unit
# ("血红蛋白4.5g/dl" is 45 g/L, "血糖600mg/dl" is 33 mmol/L, "白细胞12万" is 120 ×10^9/L).
_CONVERT = {
    "HGB": ((re.compile(r"\s*g/dl", re.I), 10.0),),
    "GLU": ((re.compile(r"\s*mg/dl", re.I), 1 / 18.0),),
    "WBC": ((re.compile(r"\s*(?:几|多)?万"), 10.0),),
    "PLT": ((re.compile(r"\s*(?:几|多)?万"), 10.0),),
}
# A number that is not this analyte's value: a dose, a count, an age, a time.
_NOT_VALUE = re.compile(
    r"\s*(?:mg(?!/dl)|毫克|克|片|粒|支|袋|毫升|ml|岁|天|年|次|个|周|小时|分钟|月|块|斤|公斤|%)", re.I
)
_HGB_GDL_MAX = 25.0
_NOT_BEFORE = re.compile(r"(?:补|吃|喝|服|氯化|枸橼酸|碳酸|葡萄糖酸|口服|静脉补)$")


def critical_values(text: str) -> List[tuple]:
    """(analyte, value) of every typed value at or beyond its analyte's critical limit
    (data/knowledge/lab_tests.yml `critical`), read as a number in the analyte's unit:
    "血钾7.1", "血红蛋白45", "钠118", "随机血糖33.2", "血小板12". Latin keys inside a
    word, doses ("补钙600mg") and the names of salts ("氯化钾") are not read."""
    from knowledge.lab_tests import load_lab_tests

    found = []
    for analyte in load_lab_tests():
        if analyte.critical_low is None and analyte.critical_high is None:
            continue
        keys = list(analyte.keys)
        taken: List[tuple] = []
        for key in sorted(keys, key=len, reverse=True):
            for m in re.finditer(re.escape(key), text):
                at, end = m.start(), m.end()
                if any(s <= at < e for s, e in taken):
                    continue
                if inside_latin_word(text, at, end):
                    continue
                # 糖化血红蛋白 is not 血红蛋白, 尿糖 is not 血糖
                if text[max(0, at - 2) : at].endswith(("糖化", "尿")) or _NOT_BEFORE.search(text[:at]):
                    continue
                v = _VALUE.match(text, end)
                if not v:
                    continue
                taken.append((at, v.end()))
                rest = text[v.end() :]
                value = float(v.group(1))
                for unit, factor in _CONVERT.get(analyte.code, ()):
                    if unit.match(rest):
                        value *= factor
                        break
                else:
                    if _NOT_VALUE.match(rest):
                        continue
                    # A haemoglobin of 25 or less with no unit is in g/dL, as Hong Kong,
                    # Singapore, Malaysia and the US report it ("Hb 9" is 90 g/L).
                    if analyte.code == "HGB" and value <= _HGB_GDL_MAX:
                        value *= 10.0
                if (analyte.critical_high is not None and value >= analyte.critical_high) or (
                    analyte.critical_low is not None and value <= analyte.critical_low
                ):
                    found.append((analyte, value))
    return found
