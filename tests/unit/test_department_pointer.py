"""Issue 13: a patient who names a condition, a test or a body part learns which
department sees it, also when another capability answered the question."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.faq.answering import AnswerFaq
from actions.faq.fallback import DidYouMean
from actions.reports.explaining import ExamPreparation, LabMeaning
from actions.triage.pointer import department_for
from tests.unit.test_faq_actions import tracker


def faq_tracker(text: str, key: str, confidence: float):
    t = tracker(text)
    t.latest_message["intent"] = {"name": "faq", "confidence": 0.9}
    t.latest_message["response_selector"] = {
        "faq": {"response": {"intent_response_key": key, "confidence": confidence}, "ranking": []}
    }
    return t


def texts(dispatcher: CollectingDispatcher):
    return [m.get("text") for m in dispatcher.messages]


def button_payloads(dispatcher: CollectingDispatcher):
    return [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]


def triage_payloads(dispatcher: CollectingDispatcher):
    return [
        m["custom"]["data"]["triage"]
        for m in dispatcher.messages
        if (m.get("custom") or {}).get("data", {}).get("triage")
    ]


@pytest.mark.parametrize(
    "text, said, department",
    [
        ("溃疡性结肠炎，一直吃美沙拉嗪，来复诊开药", "溃疡性结肠炎", "消化内科"),
        ("B超说胰腺回声增强，是啥意思，要紧吗", "胰腺", "消化内科"),
        ("胸片报告写两肺纹理增粗，严重吗", "胸片", "呼吸内科"),  # the patient's word, not the entry's
        ("片子上看有硬膜下积液，要紧吗", "硬膜下积液", "神经外科"),  # round 18: after head injuries
        ("保洁时被垃圾袋里的针刺伤了，怎么办", "针刺伤", "感染科"),
    ],
)
def test_a_named_topic_has_its_department(text, said, department):
    assert department_for(text) == (said, department)


@pytest.mark.parametrize("text", ["医保卡丢了怎么办", "互联网医院能开药吗", "怀孕了"])
def test_no_topic_no_department(text):
    assert department_for(text) is None


def test_a_patient_who_asks_which_department_learns_it_for_a_medicine_or_situation_too():
    assert department_for("波立维还要接着吃吗") is None  # a medicine alone, after another answer
    assert department_for("放完支架出院一年了 波立维还要接着吃吗 复查挂啥") == ("波立维", "心血管内科")
    assert department_for("孩子5岁 近视了挂哪个科") == ("近视了", "眼科")  # what was named, not "孩子"
    assert department_for("挂什么号比较好 专家号还是普通号") is None  # the kind of number, not a department
    # the check-up after a birth is named whatever the birth was, not read as the birth itself
    assert department_for("生完孩子42天复查挂什么号") == ("生完孩子42天", "产科")


def test_a_patient_of_14_or_more_is_not_pointed_to_childrens_departments():
    assert department_for("儿子15岁 休学在家天天玩手机 不出门不说话 挂啥科") == ("休学在家", "精神心理科")
    assert department_for("孩子6岁 支原体肺炎好了 复查挂哪个科")[1] == "儿科"


async def test_a_hospital_answer_is_followed_by_the_department_and_its_booking_button():
    dispatcher = CollectingDispatcher()
    await AnswerFaq().run(dispatcher, faq_tracker("溃疡性结肠炎，来复诊开药", "faq/reg_first_vs_followup", 0.9), {})
    assert dispatcher.messages[0]["response"] == "utter_faq/reg_first_vs_followup"
    assert "关于溃疡性结肠炎，可以看消化内科" in texts(dispatcher)[1]
    assert button_payloads(dispatcher) == ["帮我预约消化内科"]
    [payload] = triage_payloads(dispatcher)
    assert payload["department"] == "消化内科" and payload["urgency"] == "routine"


async def test_an_unsure_hospital_answer_naming_a_test_gives_the_department_not_a_guess():
    dispatcher = CollectingDispatcher()
    t = faq_tracker("碳13呼气试验阳性，数值450，是不是要吃四联药", "faq/reg_first_vs_followup", 0.2)
    assert await AnswerFaq().run(dispatcher, t, {}) == []
    assert "您是不是想问：" not in texts(dispatcher)
    assert [p["department"] for p in triage_payloads(dispatcher)] == ["消化内科"]


async def test_an_everyday_hospital_answer_names_no_department():
    dispatcher = CollectingDispatcher()
    await AnswerFaq().run(dispatcher, faq_tracker("医保卡丢了怎么办", "faq/ins_lost_card", 0.9), {})
    assert triage_payloads(dispatcher) == [] and button_payloads(dispatcher) == []


async def test_a_lab_question_without_an_analyte_points_to_the_department():
    dispatcher = CollectingDispatcher()
    t = tracker("B超说胰腺回声增强，是啥意思")
    await LabMeaning().run(dispatcher, t, {})
    assert [p["department"] for p in triage_payloads(dispatcher)] == ["消化内科"]
    dispatcher = CollectingDispatcher()
    await LabMeaning().run(dispatcher, tracker("这个指标高说明什么"), {})
    assert [m.get("response") for m in dispatcher.messages] == ["utter_lab_meaning_which"]


async def test_an_exam_answer_says_who_follows_it_up():
    dispatcher = CollectingDispatcher()
    await ExamPreparation().run(dispatcher, tracker("萎缩性胃炎伴肠化，多久复查一次胃镜，要空腹吗"), {})
    assert dispatcher.messages[0]["response"] == "utter_exam_preparation"
    assert [p["department"] for p in triage_payloads(dispatcher)] == ["消化内科"]


async def test_a_message_the_nlu_missed_that_names_a_test_gets_its_department():
    dispatcher = CollectingDispatcher()
    events = await DidYouMean().run(dispatcher, tracker("碳13呼气试验阳性"), {})
    assert events == [UserUtteranceReverted()]
    assert [p["department"] for p in triage_payloads(dispatcher)] == ["消化内科"]


def test_the_department_pointed_to_is_the_one_for_this_patient():
    from actions.triage.pointer import department_for

    assert department_for("娃六岁 住院说是支原体 回来还是咳 要不要复查") == ("支原体", "儿科")
    assert department_for("怀孕20周 胃食管反流 能吃什么药") == ("胃食管反流", "产科")
    assert department_for("溃疡性结肠炎，来复诊开药") == ("溃疡性结肠炎", "消化内科")


@pytest.mark.parametrize(
    "text, department", [("左洛复吃了一年多，想问问能不能减药", "精神心理科"), ("孩子8岁，想做窝沟封闭", "口腔科")]
)
async def test_a_message_the_nlu_missed_that_names_a_medicine_gets_its_department_not_a_guess(text, department):
    dispatcher = CollectingDispatcher()
    assert await DidYouMean().run(dispatcher, tracker(text), {}) == [UserUtteranceReverted()]
    assert "您是不是想问：" not in texts(dispatcher)
    assert [p["department"] for p in triage_payloads(dispatcher)] == [department]


def test_after_another_answer_a_life_situation_alone_points_nowhere():
    assert department_for("孕期能吃螃蟹吗") is None


@pytest.mark.parametrize(
    "text, department",
    [("帮我订张明天去北京的高铁票", None), ("儿子15岁 休学在家天天玩手机 不出门不说话 挂啥科", "精神心理科")],
)
async def test_out_of_scope_unless_the_patient_asks_which_department_for_something_placed(text, department):
    from actions.faq.fallback import OutOfScope

    dispatcher = CollectingDispatcher()
    assert await OutOfScope().run(dispatcher, tracker(text), {}) == []
    if department is None:
        assert [m.get("response") for m in dispatcher.messages] == ["utter_out_of_scope"]
    else:
        assert [p["department"] for p in triage_payloads(dispatcher)] == [department]


@pytest.mark.parametrize("text", ["胳肢窝里长了个疙瘩 黄豆大小", "两边耳朵越来越听不清 上班天天戴耳机"])
async def test_out_of_scope_that_tells_of_a_complaint_goes_to_triage(text):
    from actions.faq.fallback import OutOfScope

    dispatcher = CollectingDispatcher()
    assert await OutOfScope().run(dispatcher, tracker(text), {}) == [FollowupAction("triage_form")]
    assert not dispatcher.messages


def test_a_pregnant_womans_sugar_test_is_no_doubt_between_endocrinology_and_obstetrics():
    assert department_for("孕24周糖耐空腹5.3 饮食要怎么控 要打胰岛素吗") == ("糖耐", "产科")
