"""data/booking/wording.yml and the booking replies in domain.yml: what a designer
edits must stay consistent with what the booking actions fill in and read."""

import string

import pytest

from actions.booking import wording
from actions.catalogue_names import doctor_named, find_department, find_doctors
from hospital.interface import NUMBER_TYPES
from tests.unit.action_harness import domain

ACTIONS = "actions/booking"


def placeholders(template):
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_the_wording_is_loaded_once():
    assert wording.load_wording() is wording.load_wording()


def test_every_number_type_has_words_and_special_comes_before_expert():
    named = [number_type for number_type, _ in wording.number_type_words()]
    assert sorted(named) == sorted(NUMBER_TYPES)
    assert all(said for _, said in wording.number_type_words())


@pytest.mark.parametrize(
    "said, number_type", [("特需专家", "特需号"), ("主任号", "专家号"), ("普号", "普通号"), ("随便", None)]
)
def test_number_type_words(said, number_type):
    assert wording.parse_number_type(said) == number_type


def test_the_confirm_buttons_send_words_the_form_reads_as_yes():
    responses = domain()["responses"]
    for name in ("utter_booking_confirm", "utter_reschedule_confirm"):
        first = responses[name][0]["buttons"][0]
        assert first["payload"] in wording.words("confirm")


def _source():
    from pathlib import Path

    return "\n".join(p.read_text(encoding="utf-8") for p in Path(ACTIONS).glob("*.py"))


def test_every_phrase_is_used():
    source = _source()
    unused = [key for key in wording.load_wording()["phrases"] if f'"{key}"' not in source]
    assert unused == []


def test_a_session_and_an_appointment_read_as_before(hospital, today):
    session = hospital.sessions(department="心血管内科", only_available=True)[0]
    text = wording.describe_session(session, today)
    assert text.startswith(f"心血管内科 {session.doctor_name}（{session.doctor_title}）\n")
    assert text.endswith(f" · {session.number_type} {session.fee:g} 元\n地点：{session.location}")
    assert wording.date_payload(today) == f"{today.year}年{today.month}月{today.day}日"
    assert (
        wording.precheck_line({"chief_complaint": "头晕", "duration": "3天"})
        == "\n预问诊（已随预约交给医生）：头晕，3天"
    )
    assert wording.precheck_line({"chief_complaint": "头晕"}) == "\n预问诊（已随预约交给医生）：头晕"
    assert wording.precheck_line(None) == ""


# --- the one department and doctor resolver (actions/catalogue_names.py) ---------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("帮我约后天心内科", "心血管内科"),  # alias in a sentence
        ("心血管内科", "心血管内科"),  # the longest name wins over 内科
        ("眼科门诊", "眼科"),
        ("我想看牙", None),
        ("内分泌科医生说我糖尿病要查眼底，让我去眼科，直接挂眼科号吗", "眼科"),  # pointed to
        ("消化科让转胸外科", "胸外科"),
        ("想挂心内科 不是消化内科", "心血管内科"),
    ],
)
def test_find_department(hospital, text, name):
    found = find_department(hospital, text)
    assert (found.name if found else None) == name


def test_find_doctors_by_full_name_surname_and_department(hospital):
    # Names come from the demo's random generator: only the scenario's facts are pinned
    # (心血管内科's first doctor is surnamed 李, and several departments have one).
    doctor = hospital.doctors("心血管内科")[-1]
    assert find_doctors(hospital, f"我想约{doctor.name}医生的号") == [doctor]
    several = find_doctors(hospital, "李医生")
    assert len(several) > 1 and all(d.name.startswith("李") for d in several)
    [li] = find_doctors(hospital, "李医生", "心血管内科")
    assert li.name.startswith("李") and li.department == "心血管内科"
    assert find_doctors(hospital, "李") == []  # a surname alone, without a title
    assert doctor_named(hospital, doctor.name) == doctor
    assert doctor_named(hospital, doctor.name, "眼科") is None
