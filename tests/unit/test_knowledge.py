import copy

import pytest

from knowledge import (
    LAB_PANELS,
    LAB_TESTS_PATH,
    find_analyte,
    find_exam,
    load_exams,
    load_lab_tests,
    validate_exams,
    validate_lab_tests,
)
from hospital.facts import facts
from hospital.reference import load_departments, read_yaml, validate_departments


@pytest.fixture(scope="module")
def raw_lab():
    return read_yaml(LAB_TESTS_PATH)


def test_lab_table_size_and_panels():
    catalogue = load_lab_tests()
    assert len(catalogue) >= 40
    assert {a.panel for a in catalogue} == set(LAB_PANELS) == set(catalogue.panels)
    for a in catalogue:
        assert a.next_step and a.department
        low, high = a.reference_for(a.sexes[0], 40)
        if high is not None:
            assert a.when_high
        if low:
            assert a.when_low
        assert "诊断" not in (a.when_high or "") + (a.when_low or "")


def test_ranges_by_sex_and_age():
    lab = load_lab_tests()
    assert lab.get("HGB").reference_for("男", 45) == (130, 175)
    assert lab.get("HGB").reference_for("女", 30) == (115, 150)
    assert lab.get("HGB").reference_for("男", 6.5) == (118, 156)
    assert lab.get("CREA").reference_for("男", 70) == (57, 111)
    assert lab.get("UA").reference_for("女", 30) == (155, 357)
    assert lab.get("UA").reference_for("男", 8) == (120, 330)
    assert lab.get("PSA").applies_to("男") and not lab.get("PSA").applies_to("女")
    assert lab.get("HGB").reference_text("女", 30) == "115-150 g/L"


@pytest.mark.parametrize(
    "code, value, flag, critical",
    [
        ("K", 6.5, "↑", True),
        ("K", 6.4, "↑", False),
        ("K", 2.5, "↓", True),
        ("K", 4.0, "", False),
        ("GLU", 2.8, "↓", True),
        ("HGB", 49, "↓", True),
        ("PLT", 25, "↓", True),
        ("Na", 161, "↑", True),
        ("TC", 5.3, "↑", False),
        ("CRP", 0.1, "", False),
    ],
)
def test_flags_and_critical_values(code, value, flag, critical):
    ev = load_lab_tests().get(code).evaluate(value, "男", 50)
    assert (ev.flag, ev.critical) == (flag, critical)


@pytest.mark.parametrize(
    "text, code",
    [
        ("血红蛋白偏低说明什么", "HGB"),
        ("糖化血红蛋白高", "HBA1C"),
        ("转氨酶高怎么办", "ALT"),
        ("我的血钾6.8", "K"),
        ("K偏高", "K"),
        ("K6.8", "K"),
        ("ALT 78", "ALT"),
        ("APTT延长", "APTT"),
        ("PT", "PT"),
        ("ca125高", "CA125"),
        ("尿酸高", "UA"),
        ("尿白细胞多", "U-WBC"),
        ("hdl-c低", "HDL-C"),
        ("血沉快", "ESR"),
        ("Hb 98", "HGB"),
        ("低密度胆固醇4.5 需要吃他汀不", "LDL-C"),  # not 总胆固醇: its "胆固醇" is part of the name
        ("高密度胆固醇偏低", "HDL-C"),
        ("甘油三脂3.2", "TG"),
    ],
)
def test_find_analyte(text, code):
    assert find_analyte(text).code == code


@pytest.mark.parametrize("text", ["", "今天天气不错", "OK", "pk"])
def test_find_analyte_nothing(text):
    assert find_analyte(text) is None


@pytest.mark.parametrize(
    "text, code",
    [
        ("增强CT要准备什么", "CT_ENHANCED"),
        ("做个CT", "CT_PLAIN"),
        ("ＣＴ", "CT_PLAIN"),
        ("核磁共振", "MRI"),
        ("无痛胃镜", "GASTROSCOPY"),
        ("肠镜怎么准备", "COLONOSCOPY"),
        ("妇科B超要憋尿吗", "US_PELVIS"),
        ("核酸多久出结果", "NAT"),
        ("动态心电图", "HOLTER"),
        ("心电图", "ECG"),
        ("抽血要空腹吗 查血脂", "FASTING_BLOOD"),
    ],
)
def test_find_exam(text, code):
    assert find_exam(text).code == code


def test_exam_facts():
    exams = {e.code: e for e in load_exams()}
    buildings = facts().buildings
    for e in exams.values():
        assert e.building in buildings and e.preparation and e.turnaround
    assert exams["CT_ENHANCED"].location.startswith("医技楼负1楼")
    assert exams["GASTROSCOPY"].floor == "3楼" and exams["US_ABDOMEN"].floor == "2楼"
    assert exams["BLOOD_ROUTINE"].floor == "1楼"
    assert any("二甲双胍" in p for p in exams["CT_ENHANCED"].preparation)
    assert any("过敏" in p for p in exams["CT_ENHANCED"].preparation)
    assert any("肌酐" in p for p in exams["CT_ENHANCED"].preparation)
    assert any("起搏器" in p for p in exams["MRI"].preparation)
    assert any("憋尿" in p for p in exams["US_PELVIS"].preparation)
    assert exams["US_ABDOMEN"].fasting and not exams["ECG"].fasting


def _break(raw, which, **changes):
    broken = copy.deepcopy(raw)
    entry = next(a for a in broken["analytes"] if a["code"] == which)
    entry.update(changes)
    return broken


@pytest.mark.parametrize(
    "code, changes, fragment",
    [
        ("HGB", {"reference": [{"low": 150, "high": 115}]}, "low 150.0 >= high"),
        ("HGB", {"when_low": None}, "no when_low"),
        ("HGB", {"panel": "心电图"}, "not declared"),
        ("HGB", {"aliases": ["血小板"]}, "already used"),
        ("K", {"critical": {"high": 5.0}}, "critical high"),
        ("K", {"department": "牙科中心"}, "not a department"),
        ("HGB", {"reference": [{"sex": "男", "low": 130, "high": 175}]}, "no reference band for 女"),
        ("ALT", {"decimals": "two"}, "decimals"),
        ("ALT", {"code": None}, "missing code"),
    ],
)
def test_lab_validation_catches_designer_mistakes(raw_lab, code, changes, fragment):
    problems = validate_lab_tests(_break(raw_lab, code, **changes), [d.name for d in load_departments()])
    assert any(fragment in p for p in problems), problems


def test_shipped_files_are_valid(raw_lab):
    assert validate_lab_tests(raw_lab, [d.name for d in load_departments()]) == []
    assert validate_exams(read_yaml(LAB_TESTS_PATH.parent / "exams.yml"), facts().buildings) == []
    assert validate_departments(read_yaml(LAB_TESTS_PATH.parents[1] / "hospital" / "departments.yml")) == []


def test_exam_validation():
    raw = read_yaml(LAB_TESTS_PATH.parent / "exams.yml")
    raw["exams"][0]["building"] = "行政楼"
    raw["exams"][1]["preparation"] = []
    problems = validate_exams(raw, facts().buildings)
    assert any("行政楼" in p for p in problems) and any("missing preparation" in p for p in problems)
