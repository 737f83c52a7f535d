import pytest

from hospital.interface import TITLES

REQUIRED_DEPARTMENTS = (
    "呼吸内科 心血管内科 消化内科 神经内科 内分泌科 肾内科 血液内科 风湿免疫科 感染科 普通外科 骨科 泌尿外科 "
    "神经外科 胸外科 乳腺外科 妇科 产科 儿科 新生儿科 耳鼻喉科 眼科 口腔科 皮肤科 精神心理科 中医科 急诊科 "
    "肿瘤科 康复医学科 发热门诊"
).split()


def test_the_29_departments_with_their_exact_names(hospital):
    names = [d.name for d in hospital.departments()]
    assert len(names) == 29
    assert set(REQUIRED_DEPARTMENTS) <= set(names)


def test_department_locations_follow_the_facts(hospital):
    by_name = {d.name: d for d in hospital.departments()}
    assert by_name["急诊科"].location == "急诊楼1楼"
    assert by_name["发热门诊"].building == "发热门诊楼"
    for dept in by_name.values():
        assert dept.description and dept.category
        if dept.building == "门诊楼":
            assert dept.floor[0] in "123456" and dept.floor[1] == "楼"


@pytest.mark.parametrize(
    "text, name",
    [
        ("心内科", "心血管内科"),
        ("消化科", "消化内科"),
        ("神内", "神经内科"),
        ("内分泌", "内分泌科"),
        ("肾病科", "肾内科"),
        ("普外科", "普通外科"),
        ("泌尿科", "泌尿外科"),
        ("耳鼻喉", "耳鼻喉科"),
        ("五官科", "耳鼻喉科"),
        ("口腔", "口腔科"),
        ("牙科", "口腔科"),
        ("皮肤科", "皮肤科"),
        ("心理科", "精神心理科"),
        ("精神科", "精神心理科"),
        ("中医", "中医科"),
        ("急诊", "急诊科"),
        ("发热科", "发热门诊"),  # not "发热": a symptom in "红肿发热", never a department
        ("发热门诊", "发热门诊"),
        ("眼科门诊", "眼科"),
        ("急诊科室", "急诊科"),
        (" 心内科 门诊", "心血管内科"),
        ("小儿科", "儿科"),
    ],
)
def test_find_department_by_name_or_alias(hospital, text, name):
    assert hospital.find_department(text).name == name


@pytest.mark.parametrize("text", ["", "牙疼", "妇产科", "心"])
def test_find_department_unknown_or_ambiguous(hospital, text):
    assert hospital.find_department(text) is None


def test_doctors_enough_and_titles_mixed(hospital):
    doctors = hospital.doctors()
    assert len(doctors) >= 120
    assert {d.title for d in doctors} == set(TITLES)
    for dept in hospital.departments():
        assert len(hospital.doctors(dept.name)) >= 3
    assert all(d.specialties and d.bio for d in doctors)


def test_doctors_by_alias(hospital):
    assert {d.department for d in hospital.doctors("心内科")} == {"心血管内科"}
    assert hospital.doctors("不存在的科") == []


@pytest.mark.parametrize("surname, at_least", [("李", 4), ("王", 3), ("张", 3)])
def test_shared_surnames_across_departments(hospital, surname, at_least):
    found = hospital.find_doctors(f"{surname}医生")
    assert len({d.department for d in found}) >= at_least
    assert all(d.name.startswith(surname) for d in found)
    assert hospital.find_doctors(surname) == found


def test_find_doctor_by_full_name_and_title_suffix(hospital):
    doctor = hospital.doctors("心血管内科")[0]
    assert hospital.find_doctors(doctor.name) == [doctor]
    assert hospital.find_doctors(f"{doctor.name}主任") == [doctor]
    assert hospital.find_doctors(f"{doctor.name}医生") == [doctor]
    assert hospital.find_doctors("慕容医生") == []
    assert hospital.find_doctors("医生") == []


def test_the_catalogue_is_read_once_then_again_after_its_time(hospital, monkeypatch):
    from sqlalchemy import event, update

    from hospital import models as m
    from hospital.sql import base

    hospital.departments()
    queries = []
    event.listen(hospital.engine, "before_cursor_execute", lambda *args: queries.append(1))
    assert hospital.find_department("心内科").name == "心血管内科"
    assert hospital.doctors("眼科") and hospital.departments()
    assert queries == []  # every turn's lookups come from memory
    with hospital.engine.begin() as connection:  # the hospital renames a department
        connection.execute(update(m.DepartmentRow).where(m.DepartmentRow.name == "眼科").values(name="眼视光中心"))
    assert hospital.find_department("眼视光中心") is None
    now = base.time.monotonic()
    monkeypatch.setattr(base.time, "monotonic", lambda: now + base.CATALOGUE_SECONDS + 1)
    assert hospital.find_department("眼视光中心").name == "眼视光中心"
    assert {d.department for d in hospital.doctors("眼视光中心")} == {"眼视光中心"}
