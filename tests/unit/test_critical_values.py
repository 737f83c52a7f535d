"""Typed lab values at or beyond their critical limits (knowledge/typed_values.py), read
as numbers by analyte and unit, and the red flag they raise with a sign now."""

import pytest

from knowledge.typed_values import critical_values
from safety import red_flags as rf


@pytest.mark.parametrize(
    "text, code, value",
    [
        ("血红蛋白45，站起来眼前发黑", "HGB", 45),
        ("血红蛋白4.2g/dl", "HGB", 42),
        ("血钠118", "Na", 118),
        ("钠115", "Na", 115),
        ("随机血糖33.2", "GLU", 33.2),
        ("血糖600mg/dl", "GLU", 600 / 18),
        ("白细胞12万多", "WBC", 120),
        ("血小板12", "PLT", 12),
        ("K 7.1", "K", 7.1),
        ("Hb 4.3 站起来就黑眼", "HGB", 43),
    ],
)
def test_a_critical_value_is_read_by_analyte_and_unit(text, code, value):
    found = {a.code: v for a, v in critical_values(text)}
    assert found.get(code) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "血小板45",
        "血小板5万",
        "糖化血红蛋白8.5",
        "补钙600mg",
        "氯化钾10ml",
        "血红蛋白105",
        "空腹血糖7.8",
        "尿糖4+",
        "Hb 9",
        "血红蛋白8.6",
    ],
)
def test_values_short_of_the_limit_doses_and_other_tests_are_not_critical(text):
    assert critical_values(text) == []


def test_a_critical_value_with_a_sign_now_raises_the_alarm_and_alone_in_a_question_does_not():
    assert rf.detect("化验血红蛋白46 今天走路就头晕") is not None
    assert rf.detect("血红蛋白46算严重贫血吗 在写作业") is None
    assert rf.detect("血红蛋白105 有点头晕") is None
