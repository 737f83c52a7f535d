"""The department knowledge designers own (data/triage/departments/*.yml)."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from actions.triage import state as triage_state
from actions.triage.departments import knowledge as dk
from actions.triage.departments import model as dm
from language.knowledge_files import load_yaml
from scripts.eval_departments import load_heldout

FILES = dk.read_department_files()
KB = dk.load_knowledge()


def test_every_department_has_one_file_with_a_button_title():
    names = [f["department"] for f in FILES]
    assert sorted(names) == sorted(triage_state.DEPARTMENTS)
    assert len(names) == len(set(names))
    for f in FILES:
        assert f.get("ask_as"), f["file"]
        assert set(f) <= {"department", "ask_as", "file"} | set(dk.KINDS), f["file"]


def test_at_least_1500_entries_most_with_colloquial_variants():
    assert len(KB.entries) >= 1500
    per_department = defaultdict(int)
    for entry in KB.entries:
        per_department[entry.department] += 1
    assert all(per_department[d] >= 10 for d in triage_state.DEPARTMENTS), per_department
    phrases = sum(len(e.phrases) for e in KB.entries)
    assert phrases >= 3000


def test_a_phrase_belongs_to_one_department_and_shared_ones_say_why():
    owner = {}
    for entry in KB.entries:
        for phrase in entry.phrases:
            key = phrase.lower()
            assert key not in owner, f"{phrase}: {owner.get(key)} and {entry.department}"
            owner[key] = entry.department
        if entry.also:
            assert entry.why, f"{entry.term} is shared with {list(entry.also)} without a note (why:)"
            assert set(entry.also) <= set(triage_state.DEPARTMENTS) - {entry.department}
            assert all(0 < w <= 1 for w in entry.also.values())


def test_entries_are_well_formed():
    for entry in KB.entries:
        assert entry.term.strip() and all(p.strip() == p and p for p in entry.phrases), entry
        assert " " not in entry.term, entry.term
        assert entry.urgency in (None, "routine", "today"), entry.term  # emergencies: red_flags.yml
        assert 0 < entry.weight <= 2, entry.term
        if entry.note:
            assert 20 <= len(entry.note) <= 160, entry.term
            # short safe advice: never a dose
            assert not re.search(r"\d+\s*(mg|毫克|片|粒|支|ml|毫升)", entry.note), entry.term


def test_every_knowledge_question_word_and_wording_is_there():
    wording = dk.dialogue()
    assert wording["choose_question"]["text"] and wording["choose_question"]["why"]
    assert "{term}" in wording["knowledge_answer"] and "{note}" in wording["knowledge_answer"]
    assert "{department}" in wording["knowledge_department"]
    assert dk.asks_for_knowledge("乙肝饮食注意事项")
    assert dk.asks_for_knowledge("癫痫病人平常怎么护理")
    assert not dk.asks_for_knowledge("膝盖疼了一个月")


@pytest.mark.parametrize(
    "text, department, term",
    [
        ("精囊炎怎么治", "泌尿外科", "精囊炎"),
        ("查出来胆囊息肉", "普通外科", "胆囊息肉"),  # the longest phrase wins over 息肉
        ("宫颈TCT结果不好", "妇科", "TCT"),
        ("孩子骨龄片出来了", "儿科", "骨龄"),
        ("声带小结", "耳鼻喉科", "声带小结"),
    ],
)
def test_named_entries_are_found(text, department, term):
    matches = KB.match(text)
    assert term in [m.entry.term for m in matches]
    assert max(dk.scores(matches).items(), key=lambda kv: kv[1])[0] == department


@pytest.mark.parametrize(
    "text",
    [
        "下午去市中心逛街",  # 心 of 中心
        "糖醋排骨怎么做好吃",  # 骨 of 排骨
        "蓝牙耳机连不上手机",  # 牙 of 蓝牙, 耳 of 耳机
        "他说话总是心直口快",  # 心 of an idiom
        "开会前总是提心吊胆的",  # 心 and 胆 of an idiom
        "今天出太阳了",  # not 阳了
    ],
)
def test_look_alikes_and_idioms_name_no_body_part(text):
    assert KB.match(text) == [], text


@pytest.mark.parametrize(
    "text, term",
    [
        ("右眼看不清", "眼睛"),  # a look-alike never hides the body part beside it
        ("我好心慌", "心慌"),
        ("背心疼", "心脏"),
        ("肠胃不好", "肠"),
        ("我又阳了", "新冠"),
        ("腰酸背痛好几天了", "腰疼"),  # an idiom of complaints: its own phrase is matched first
    ],
)
def test_real_complaints_beside_look_alikes_still_count(text, term):
    assert term in [m.entry.term for m in KB.match(text)], text


def test_look_alikes_are_no_phrase_and_hold_one():
    phrases = {p.lower() for e in KB.entries for p in e.phrases}
    for entry in KB.entries:
        for word in entry.lookalikes:
            assert word.lower() not in phrases, f"{word} is a phrase and a look-alike"
            assert any(p in word for p in entry.phrases), f"{word} holds no phrase of {entry.term}"


def test_denied_and_long_over_entries_do_not_count():
    assert KB.match("没有糖尿病") == []
    assert "糖尿病" in [m.entry.term for m in KB.match("有糖尿病")]


def test_a_test_said_to_be_normal_names_no_department():
    """The complaint decides, not the work-up that found nothing ("心电图都查了，说没毛病")."""
    for text in ["动态心电图和心脏彩超都做了，医生说没啥问题", "胃镜查过是正常的"]:
        assert not [m for m in KB.match(text) if m.entry.kind == "tests"], text
    for text in ["心电图不正常", "做了个胃镜，正常吗", "想做个胃镜"]:
        assert [m for m in KB.match(text) if m.entry.kind == "tests"], text


def test_no_held_out_question_is_in_what_the_model_learns():
    heldout = {c["text"] for c in load_heldout()}
    texts, _ = dm.training_sentences(
        KB,
        load_yaml(str(dm.TEMPLATES_FILE))["templates"],
        load_yaml(str(dm.SYMPTOMS_FILE)),
        load_yaml(str(dm.EXAMPLES_FILE))["examples"],
        dm.dev_questions(),
    )
    assert not heldout & set(texts)
    assert not [path for path in dm.source_files() if "blind" in path.parts]
    examples = [s for v in load_yaml(str(dm.EXAMPLES_FILE))["examples"].values() for s in v]
    assert set(load_yaml(str(dm.EXAMPLES_FILE))["examples"]) <= set(triage_state.DEPARTMENTS)
    for example in examples:
        assert not any(example in h or h in example for h in heldout), example


def test_the_model_learns_the_development_questions_with_real_departments():
    dev = dm.dev_questions()
    assert len(dev) > 2000
    assert {department for _, department in dev} <= set(triage_state.DEPARTMENTS)
    templates = load_yaml(str(dm.TEMPLATES_FILE))["templates"]
    texts, labels = dm.training_sentences(KB, templates, {}, {}, dev[:1])
    assert texts.count(dev[0][0]) == dm.DEV_REPEAT and labels[texts.index(dev[0][0])] == dev[0][1]


def test_held_out_set_is_big_enough_and_labelled_with_real_departments():
    cases = load_heldout()
    assert len(cases) >= 150
    for case in cases:
        assert set(case["departments"]) <= set(triage_state.DEPARTMENTS), case["text"]
