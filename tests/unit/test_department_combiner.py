"""Knowledge + model → department ranking and confidence; the model itself."""

from __future__ import annotations

import pytest

from actions.triage.departments import combiner as dc
from actions.triage.departments import knowledge as dk
from actions.triage.departments import model as dm


class FixedModel:
    def __init__(self, probs):
        self.probs = probs

    def predict(self, text):
        return dict(self.probs)


def test_named_entries_lead_and_the_model_breaks_ties():
    ranking = dc.combine({"骨科": 3.0, "康复医学科": 3.0}, {"骨科": 0.2, "康复医学科": 0.7, "皮肤科": 0.1})
    assert ranking[0][0] == "康复医学科"
    assert abs(sum(p for _, p in ranking) - 1) < 1e-9
    ranking = dc.combine({"泌尿外科": 3.0}, {"皮肤科": 0.9, "泌尿外科": 0.1})
    assert ranking[0][0] == "泌尿外科"


def test_without_named_entries_the_model_alone_ranks():
    assert dc.combine({}, {"眼科": 0.8, "口腔科": 0.2})[0] == ("眼科", 0.8)


@pytest.mark.parametrize(
    "ranking, unsure",
    [
        ([("皮肤科", 0.45), ("普通外科", 0.40)], True),
        ([("皮肤科", 0.45), ("普通外科", 0.10)], False),  # the runner-up is far behind
        ([("皮肤科", 0.80), ("普通外科", 0.15)], False),
        ([("皮肤科", 1.0)], False),
    ],
)
def test_unsure_means_a_weak_top_with_a_close_runner_up(ranking, unsure):
    assert dc.unsure(ranking) is unsure


def test_a_guess_names_its_terms_note_and_evidence():
    g = dc.guess("乙肝小三阳要注意什么", model=FixedModel({"感染科": 0.5, "消化内科": 0.5}))
    assert g.from_knowledge and g.terms == ["乙肝"]
    assert g.department == "感染科" and g.note[0] == "乙肝"
    assert g.named["感染科"] > g.named["消化内科"] > 0  # shared with a note (also: 消化内科)


def test_a_complaint_the_symptom_lexicon_read_is_not_counted_again_as_named():
    text = "关节疼，掉头发"
    start = text.index("掉头发")
    g = dc.guess(text, model=FixedModel({"风湿免疫科": 1.0}), symptom_spans=[(start, start + 3)])
    assert "皮肤科" not in g.named


@pytest.fixture(scope="module")
def model():
    # The project's model, trained once per checkout and cached (test_text_models tests the
    # cache); a second training here cost the unit tests a minute.
    return dm.load_model()


@pytest.mark.parametrize(
    "text, department",
    [
        ("后槽牙咬东西没劲还晃", "口腔科"),
        ("看东西老是有重影", "眼科"),
        ("例假两个月没来了", "妇科"),
        ("尿尿的时候火辣辣的", "泌尿外科"),
    ],
)
def test_the_model_lands_wording_the_knowledge_does_not_have(model, text, department):
    probs = model.predict(text)
    assert max(probs, key=probs.get) == department


@pytest.mark.parametrize("text", ["你好，在吗", "医保卡丢了怎么补办", "不知道挂什么科", "no"])
def test_what_is_no_complaint_gets_no_department_from_the_model(model, text):
    assert max(model.predict(text).values()) < dc.MODEL_ALONE_MIN


def test_the_no_department_class_learns_the_designers_examples_without_entity_marks():
    sentences = dm.no_department_sentences()
    assert "在吗" in sentences and not any("](" in s or "]{" in s for s in sentences)
    asks = dm.no_department_sentences([dm.TRIAGE_NLU_FILE], intent="ask_department")
    assert "不知道挂什么科" in asks and all(" " not in a[:1] for a in asks)


@pytest.mark.parametrize(
    "text, alone",
    [
        ("随便", False),
        ("不清楚", False),
        ("你好，我想问一下", False),  # openers describe nothing
        ("大拇指弯下去伸不直，一使劲咔哒一下才弹开", True),
        ("你好，我想问一下，大拇指伸不直", True),
    ],
)
def test_the_model_alone_decides_only_on_a_message_that_describes_something(text, alone):
    sure = dc.DepartmentGuess([("骨科", 0.8), ("皮肤科", 0.2)])
    assert dc.model_alone_decides(text, sure) is alone


def test_a_condition_around_a_symptom_word_counts_as_named():
    # The symptom lexicon reads 溃疡 (口腔溃疡) at 0-2; the condition reaches beyond it.
    found = dc.guess("溃疡性结肠炎，想复诊", symptom_spans=[(0, 2)])
    assert found.named.get("消化内科", 0) > 0
    inside = dc.guess("掉头发很厉害", symptom_spans=[(0, 3)])
    assert "皮肤科" not in inside.named


def test_the_model_alone_decides_only_when_a_department_is_likelier_than_none():
    text = "大拇指弯下去伸不直，一使劲咔哒一下才弹开"
    assert dc.model_alone_decides(text, dc.DepartmentGuess([("骨科", 0.5), ("皮肤科", 0.1)]))  # none 0.4
    assert not dc.model_alone_decides(text, dc.DepartmentGuess([("骨科", 0.3), ("皮肤科", 0.1)]))  # none 0.6


@pytest.mark.parametrize(
    "text",
    [
        "周末约了朋友去爬山看日出",
        "这个月的电费怎么这么贵啊",
        "春眠不觉晓处处闻啼鸟",
        "快递小哥把包裹放错楼了",
        "阿巴阿巴咕噜咕噜星期八见",
    ],
)
def test_everyday_language_names_no_department(model, text):
    g = dc.guess(text, model=model)
    assert not g.from_knowledge and not dc.model_alone_decides(text, g), g.ranking[:3]


def test_everyday_sentences_name_nothing_the_knowledge_knows():
    knowledge = dk.load_knowledge()
    everyday = dm.everyday_sentences(knowledge)
    assert len(everyday) == dm.EVERYDAY_SENTENCES + dm.EVERYDAY_WORDS + len(knowledge.lookalikes)
    assert not any(knowledge.match(s) for s in everyday[:: len(everyday) // 500])
    assert "中心" in everyday and "胃炎" not in everyday


def test_markup_is_not_read_as_a_complaint():
    sure = dc.DepartmentGuess([("骨科", 0.8), ("皮肤科", 0.2)])
    assert not dc.model_alone_decides("<img src=x onerror=alert(1)>", sure)
