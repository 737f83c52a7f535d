"""The word lists and phrases the reports, identity, handoff, FAQ and reminder actions
read from data/knowledge/*_words.yml."""

from __future__ import annotations

import re
import string

import pytest

from actions.faq.similarity import filler_characters
from actions.handoff import reason
from actions.identity.form import wants_code
from actions.reminders.setting import repeating
from actions.reports import words as w
from actions.responses import render
from language.knowledge_files import knowledge
from tests.unit.action_harness import delivered

PHRASE_FIELDS = {
    "lab_ready": {"panel", "ordered", "note"},
    "lab_abnormal": {"count"},
    "lab_pending": {"panel", "ordered", "expected"},
    "imaging": {"modality", "body_part", "status"},
    "imaging_pending_report": {"expected"},
    "imaging_scheduled": {"scheduled", "location"},
    "open_lab": {"panel"},
    "open_imaging": {"modality", "body_part"},
    "table_row": {"name", "value", "unit", "flag", "range"},
    "note": {"name", "direction", "meaning", "next_step"},
    "note_unknown": {"name", "direction"},
    "meaning": {"analyte", "direction", "meaning"},
    "meaning_unknown": {"analyte"},
    "preparation": {"line"},
    "child": {"age"},
    "age": {"age"},
    "sex": {"sex"},
}


def test_every_report_phrase_has_exactly_the_fields_the_code_fills():
    for name, text in w.words()["phrases"].items():
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert fields == PHRASE_FIELDS.get(name, set()), name


@pytest.mark.parametrize(
    "text, kind", [("查一下血的报告", "lab"), ("B超出来了吗", "imaging"), ("查报告", None), ("血常规和CT", None)]
)
def test_report_kind_words(text, kind):
    from actions.reports.listing import report_kind

    assert report_kind(text) == kind


def test_report_words_are_lists_of_words():
    for name in ("lab", "imaging", "high", "low"):
        assert w.listed(name) and all(isinstance(word, str) and word for word in w.listed(name)), name
    assert w.modality_words()["超声"] == ("超声", "B超", "b超", "彩超")
    assert w.direction("↑") == "偏高" and w.direction("↓") == "偏低"


def test_handoff_reasons_and_complaints():
    assert reason("human_handoff", "转人工") == "患者要求人工服务"
    assert reason("human_handoff", "你们服务太差了，找负责人") == "患者投诉"
    assert reason("ask_inpatient_status", "我爸住院情况怎么样") == "询问住院患者病情（需人工）"
    assert reason(None, "") == "患者要求人工服务"
    assert set(knowledge("handoff_words")["reasons"]) >= {"human_handoff", "complain", "nlu_fallback"}


def test_identity_and_reminder_words():
    assert wants_code("发个短信验证码吧") and not wants_code("我不记得了")
    assert repeating("每天早上8点提醒我吃药") and repeating("每隔两小时提醒我") and not repeating("明天提醒我")


def test_faq_filler_characters_are_single_characters():
    assert {"的", "吗", "怎", "么", " ", "？"} <= filler_characters()
    assert not re.search(r"[医保卡丢]", "".join(filler_characters()))


def test_render_fills_a_response_as_rasa_does():
    alert = {"names": "钾", "phone": "120", "place": "急诊楼1楼"}
    said = render("utter_lab_critical", **alert)
    assert said.startswith("⚠️ 钾达到危急值") and "拨打 120" in said and "急诊科（急诊楼1楼）" in said
    assert said == delivered({"response": "utter_lab_critical", **alert})["text"]
