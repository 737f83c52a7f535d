"""The did-you-mean fallback: it must end the turn (like Rasa's own fallback), and
offer a person after two misunderstandings in a row."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.faq.answering import AnswerFaq
from actions.faq.fallback import DidYouMean
from actions.reassurance import Reassure
from tests.unit.action_harness import texts


def action(name):
    return {"event": "action", "name": name}


def user(text):
    return {"event": "user", "text": text}


def tracker(text: str, before=()) -> Tracker:
    """The tracker as the action server gets it: earlier events, then this message."""
    latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    events = [action("action_listen"), *before, user(text)]
    return Tracker("t", {}, latest, events, False, None, None, "action_listen")


def bot(response, text="…"):
    """An assistant message as Rasa records it: the response it came from in its metadata."""
    return {"event": "bot", "text": text, "data": {}, "metadata": {"utter_action": response}}


MISSED = [user("嗯"), action("action_did_you_mean"), bot("utter_faq_not_sure"), {"event": "rewind"}]
OUTCOME = [user("孩子发烧39度"), action("action_triage_outcome"), bot("utter_triage_outcome"), action("action_listen")]


async def test_first_miss_suggests_and_ends_the_turn():
    dispatcher = CollectingDispatcher()
    events = await DidYouMean().run(dispatcher, tracker("医保"), {})
    assert events == [UserUtteranceReverted()]
    assert dispatcher.messages[0]["buttons"], "suggestions come as buttons"


async def test_a_bare_booking_or_report_word_offers_doing_it_first():
    for text, ask in (("挂号", "我要挂号"), ("预约一下", "我要挂号"), ("报告", "查报告")):
        dispatcher = CollectingDispatcher()
        await DidYouMean().run(dispatcher, tracker(text), {})
        payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
        assert payloads[0] == ask and len(payloads) == 4, (text, payloads)  # then 2 questions and the menu
    dispatcher = CollectingDispatcher()
    await DidYouMean().run(dispatcher, tracker("挂号怎么收费"), {})
    assert "我要挂号" not in [b["payload"] for b in dispatcher.messages[0]["buttons"]]


async def test_a_follow_up_to_a_hospital_answer_suggests_questions_on_its_topic_first():
    answered = [
        user("发热门诊在哪"),
        action("action_answer_faq"),
        bot("utter_faq/fever_location"),
        action("action_listen"),
    ]
    dispatcher = CollectingDispatcher()
    await DidYouMean().run(dispatcher, tracker("要排队吗", before=answered), {})
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "发热门诊怎么看病"
    dispatcher = CollectingDispatcher()
    await DidYouMean().run(dispatcher, tracker("要排队吗"), {})
    assert dispatcher.messages[0]["buttons"][0]["payload"] != "发热门诊怎么看病"


async def test_a_department_named_with_a_day_gets_its_schedule_whatever_the_classifiers_made_of_it(hospital, today):
    for text in ("呼吸科礼拜六有没有人上班", "乳腺科这周都是哪几天看病"):
        dispatcher = CollectingDispatcher()
        events = await DidYouMean(hospital=hospital, today=today).run(dispatcher, tracker(text), {})
        assert events == [UserUtteranceReverted()] and "的出诊安排" in texts(dispatcher)[0], text
        unsure = tracker(text)
        unsure.latest_message["intent"] = {"name": "faq", "confidence": 0.3}
        dispatcher = CollectingDispatcher()
        assert await AnswerFaq(hospital=hospital, today=today).run(dispatcher, unsure, {}) == []
        assert "的出诊安排" in texts(dispatcher)[0], text
    dispatcher = CollectingDispatcher()
    await DidYouMean(hospital=hospital, today=today).run(dispatcher, tracker("呼吸科在几楼"), {})
    assert "的出诊安排" not in texts(dispatcher)[0]


async def test_second_miss_in_a_row_offers_a_person():
    dispatcher = CollectingDispatcher()
    events = await DidYouMean().run(dispatcher, tracker("嗯嗯啊啊", before=MISSED), {})
    assert events == [UserUtteranceReverted()]
    assert "转人工" in [b["payload"] for b in dispatcher.messages[0]["buttons"]]


async def test_a_miss_after_something_understood_is_a_first_miss_again():
    understood = MISSED + [user("挂号"), action("action_booking_start"), action("action_listen")]
    dispatcher = CollectingDispatcher()
    await DidYouMean().run(dispatcher, tracker("医保", before=understood), {})
    assert "您是不是想问" in texts(dispatcher)[0]


async def test_a_goodbye_or_no_more_after_an_outcome_is_a_goodbye_not_a_miss():
    """ "好的谢谢 再见" falls between thank and goodbye, a bare "没有" after an outcome has no
    story: both were "您是不是想问…", then a person offered."""
    for text in ("好的谢谢 再见", "没有", "没有了", "嗯嗯 知道了", "没事了 谢谢"):
        dispatcher = CollectingDispatcher()
        events = await DidYouMean().run(dispatcher, tracker(text, before=OUTCOME + MISSED), {})
        assert events == [UserUtteranceReverted()]
        assert [m.get("response") for m in dispatcher.messages] == ["utter_goodbye"], text


async def test_a_bare_acknowledgement_or_a_complaint_is_no_goodbye():
    for text in ("好的", "嗯", "没有发烧 就是咳嗽"):
        dispatcher = CollectingDispatcher()
        await DidYouMean().run(dispatcher, tracker(text, before=OUTCOME), {})
        assert "utter_goodbye" not in [m.get("response") for m in dispatcher.messages], text


async def test_a_miss_after_a_goodbye_or_a_pick_is_a_first_miss():
    for answered in ("utter_goodbye", "utter_picked_from_list"):
        before = OUTCOME + [user("没有了"), action("action_did_you_mean"), bot(answered), {"event": "rewind"}]
        dispatcher = CollectingDispatcher()
        await DidYouMean().run(dispatcher, tracker("医保", before=before), {})
        assert "您是不是想问" in texts(dispatcher)[0], answered


async def test_an_unrecognised_symptom_starts_triage_instead_of_guessing():
    events = await DidYouMean().run(CollectingDispatcher(), tracker("胸口闷"), {})
    assert events == [FollowupAction("triage_form")]


async def test_a_named_condition_or_body_part_starts_triage_instead_of_not_understood():
    for text in ("精囊炎能治好吗", "膝盖积液了怎么办", "癫痫护理要注意什么", "孩子头上长虱子了怎么办"):
        events = await DidYouMean().run(CollectingDispatcher(), tracker(text, before=MISSED), {})
        assert events == [FollowupAction("triage_form")], text


async def test_an_unsure_hospital_answer_to_a_symptom_starts_triage():
    """The selector half-matched "孩子发烧了" to the children's fever-clinic question:
    triage asks the child's age first (under 3 months is an emergency)."""
    t = tracker("孩子发烧了")
    t.latest_message["intent"] = {"name": "faq", "confidence": 0.9}
    t.latest_message["response_selector"] = {
        "faq": {"response": {"intent_response_key": "faq/fever_children", "confidence": 0.3}, "ranking": []}
    }
    events = await AnswerFaq().run(CollectingDispatcher(), t, {})
    assert events == [FollowupAction("triage_form")]


async def test_an_unsure_hospital_answer_without_symptoms_suggests_questions():
    t = tracker("医保")
    t.latest_message["intent"] = {"name": "faq", "confidence": 0.9}
    dispatcher = CollectingDispatcher()
    assert await AnswerFaq().run(dispatcher, t, {}) == []
    assert texts(dispatcher)[0] == "您是不是想问："


async def test_a_knowledge_question_about_a_danger_says_when_to_go_to_the_emergency_room():
    """Issue 13: "中风有什么症状" is not an emergency, but the answer says when it is."""
    t = tracker("中风有什么症状")
    t.latest_message["intent"] = {"name": "faq", "confidence": 0.9}
    t.latest_message["response_selector"] = {
        "faq": {"response": {"intent_response_key": "faq/health_checkup", "confidence": 0.9}, "ranking": []}
    }
    dispatcher = CollectingDispatcher()
    await AnswerFaq().run(dispatcher, t, {})
    hint = [m for m in dispatcher.messages if m.get("response") == "utter_when_to_go_emergency"]
    assert hint and "嘴歪" in hint[0]["signs"]


async def test_an_everyday_question_gets_no_emergency_line():
    t = tracker("医保卡丢了怎么办")
    t.latest_message["response_selector"] = {
        "faq": {"response": {"intent_response_key": "faq/insurance_lost", "confidence": 0.9}, "ranking": []}
    }
    dispatcher = CollectingDispatcher()
    await AnswerFaq().run(dispatcher, t, {})
    assert not [m for m in dispatcher.messages if m.get("response") == "utter_when_to_go_emergency"]


async def test_a_complaint_only_the_department_model_or_a_lab_value_reads_starts_triage():
    for text in ("大拇指弯下去伸不直 一使劲咔哒一下才弹开 早上最明显", "尿酸560 脚没疼过 用吃药吗"):
        events = await DidYouMean().run(CollectingDispatcher(), tracker(text), {})
        assert events == [FollowupAction("triage_form")], text
    for text in ("停车场在哪里收费多少", "我要投诉你们的服务态度"):
        events = await DidYouMean().run(CollectingDispatcher(), tracker(text), {})
        assert events == [UserUtteranceReverted()], text


def confident_answer(text: str, key: str) -> Tracker:
    t = tracker(text)
    t.latest_message["intent"] = {"name": "faq", "confidence": 0.9}
    t.latest_message["response_selector"] = {
        "faq": {"response": {"intent_response_key": key, "confidence": 0.9}, "ranking": []}
    }
    return t


async def test_a_confident_answer_that_tells_of_a_symptom_now_is_followed_by_triage():
    dispatcher = CollectingDispatcher()
    t = confident_answer("我家宝宝八个月 咳嗽 嗓子里呼噜呼噜的有痰 需要带去医院吗", "faq/fever_location")
    assert await AnswerFaq().run(dispatcher, t, {}) == [FollowupAction("triage_form")]
    assert dispatcher.messages[0]["response"] == "utter_faq/fever_location"
    # A follow-up visit or a question without a complaint is answered and that is all.
    for text in ("溃疡性结肠炎，来复诊开药", "医保卡丢了怎么补办"):
        assert await AnswerFaq().run(CollectingDispatcher(), confident_answer(text, "faq/fever_location"), {}) == []


async def test_a_confident_answer_to_a_health_question_asking_where_to_go_names_the_department():
    """The classifier may pick a hospital answer (初诊还是复诊) for a health question that ends
    "来复查挂哪"; the patient asked for a department, so the answer says it too."""
    dispatcher = CollectingDispatcher()
    text = "老爸放支架两年了 一直吃阿司匹林和他汀 想问能不能停一个 来复查挂哪"
    assert await AnswerFaq().run(dispatcher, confident_answer(text, "faq/reg_first_vs_followup"), {}) == []
    assert any("心血管内科" in (m.get("text") or "") for m in dispatcher.messages), dispatcher.messages
    # Asking where to go about nothing health-related gets the answer alone.
    plain = CollectingDispatcher()
    await AnswerFaq().run(plain, confident_answer("医保卡挂哪里", "faq/reg_first_vs_followup"), {})
    assert [m.get("response") for m in plain.messages] == ["utter_faq/reg_first_vs_followup"]


async def test_an_ordinal_after_a_list_picks_from_its_buttons():
    shown = [
        {"title": "张庆华（神经内科）", "payload": "张庆华12月9日在不在"},
        {"title": "张超（神经内科）", "payload": "张超12月9日在不在"},
    ]
    listed = [{"event": "bot", "text": "12月9日出诊的有这几位：", "data": {"buttons": shown}}, action("action_listen")]
    dispatcher = CollectingDispatcher()
    events = await DidYouMean().run(dispatcher, tracker("第二个", before=listed), {})
    assert events == [UserUtteranceReverted()]
    assert dispatcher.messages[0]["response"] == "utter_picked_from_list"
    assert dispatcher.messages[0]["choice"] == "张超（神经内科）" and dispatcher.messages[0]["buttons"] == [shown[1]]
    # With no list before, an ordinal is not understood.
    plain = CollectingDispatcher()
    await DidYouMean().run(plain, tracker("第二个"), {})
    assert plain.messages[0]["response"] != "utter_picked_from_list"


async def test_a_hospital_answer_followed_by_triage_leaves_the_when_to_go_line_to_triage():
    """ "癫痫护理": the carer answer, then triage, whose outcome says once what to do if
    someone is fitting now (the answer said it too, and the patient read it twice)."""
    dispatcher = CollectingDispatcher()
    t = confident_answer("癫痫护理", "faq/inpt_caregiver")
    assert await AnswerFaq().run(dispatcher, t, {}) == [FollowupAction("triage_form")]
    assert [m.get("response") for m in dispatcher.messages] == ["utter_faq/inpt_caregiver"]
    # Without triage to follow, the answer itself says when to go.
    dispatcher = CollectingDispatcher()
    assert (
        await AnswerFaq().run(dispatcher, confident_answer("我妈前年中风过 住院要请护工吗", "faq/inpt_caregiver"), {})
        == []
    )
    assert "utter_when_to_go_emergency" in [m.get("response") for m in dispatcher.messages]


async def test_the_menu_intent_on_a_health_question_goes_to_triage():
    """ "抑郁症都有哪些表现啊" reads like "你都能做哪些" to the intent classifier."""
    from actions.faq.menu import ShowMenu

    t = tracker("抑郁症都有哪些表现啊")
    assert await ShowMenu().run(CollectingDispatcher(), t, {}) == [FollowupAction("triage_form")]
    dispatcher = CollectingDispatcher()
    assert await ShowMenu().run(dispatcher, tracker("你都能做哪些事"), {}) == []
    assert dispatcher.messages[0]["response"] == "utter_menu"


def finished(first: str):
    """The events of a turn whose triage ended at once with its outcome."""
    from actions.triage import flow, state, steps

    final, outcome = flow.advance(flow.update(state.start(), first))
    assert isinstance(outcome, steps.Outcome)
    return [
        user(first),
        {"event": "slot", "name": "triage_state", "value": final},
        {"event": "slot", "name": "triage_outcome", "value": outcome.to_dict()},
        action("action_triage_outcome"),
        bot("utter_triage_outcome"),
        action("action_listen"),
    ]


async def test_a_detail_the_nlu_cannot_place_right_after_an_outcome_goes_back_to_that_triage():
    turn = finished("嗓子疼，咳嗽，发烧38度5")
    events = await DidYouMean().run(CollectingDispatcher(), tracker("昨天开始的", before=turn), {})
    assert events == [FollowupAction("triage_form")]
    dispatcher = CollectingDispatcher()
    await DidYouMean().run(dispatcher, tracker("医保", before=turn), {})
    assert "您是不是想问" in texts(dispatcher)[0]  # nothing added: a question as before


async def test_how_serious_or_a_fear_right_after_an_outcome_gets_calm_words_and_that_department():
    turn = finished("乙肝小三阳饮食要注意什么")
    dispatcher = CollectingDispatcher()
    events = await DidYouMean().run(dispatcher, tracker("严重吗", before=turn), {})
    assert events == [UserUtteranceReverted()]
    assert "理解您的担心" in texts(dispatcher)[0] and "感染科" in texts(dispatcher)[0]
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "帮我预约感染科"
    assert dispatcher.messages[1]["response"] == "utter_watch_for_emergency"
    dispatcher = CollectingDispatcher()
    await Reassure().run(dispatcher, tracker("会不会是肝癌啊 我好害怕", before=turn), {})
    assert "感染科" in texts(dispatcher)[0]


async def test_a_fear_with_no_triage_just_ended_is_about_results_not_out_yet():
    dispatcher = CollectingDispatcher()
    await Reassure().run(dispatcher, tracker("等报告这几天吓得睡不着觉", before=OUTCOME), {})
    assert [m.get("response") for m in dispatcher.messages] == ["utter_worried_about_results"]


async def test_how_serious_after_a_report_is_calm_words_and_a_critical_value_is_said_again():
    shown = [user("看下血脂"), action("action_after_identity"), bot("utter_lab_report"), bot("utter_lab_notes")]
    dispatcher = CollectingDispatcher()
    await DidYouMean().run(dispatcher, tracker("是不是很严重", before=shown + [action("action_listen")]), {})
    assert [m.get("response") for m in dispatcher.messages] == ["utter_reassure_report"]
    critical = shown + [bot("utter_lab_critical", "⚠️ 血钾达到危急值，需要马上处理。"), action("action_listen")]
    dispatcher = CollectingDispatcher()
    await Reassure().run(dispatcher, tracker("严重吗", before=critical), {})
    assert texts(dispatcher) == ["⚠️ 血钾达到危急值，需要马上处理。"]


async def test_how_serious_in_the_middle_of_triage_gets_calm_words_then_the_question_again():
    t = tracker("严重吗", before=[user("孩子2岁 吐了三次"), action("triage_form")])
    t.active_loop = {"name": "triage_form"}
    dispatcher = CollectingDispatcher()
    assert await AnswerFaq().run(dispatcher, t, {}) == []
    assert texts(dispatcher) == [
        "理解您的担心。到底是什么情况，要医生当面看过、查过才能确定，先别往最坏处想；尽早看医生，心里也更踏实。"
    ]
