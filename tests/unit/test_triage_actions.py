"""The triage and emergency actions, run against the real domain the way Rasa runs
them: validate_triage_form on every patient message, action_ask_triage_outcome while a
question is open, action_triage_outcome when the form is done, action_emergency on a
red flag — each with a fresh CollectingDispatcher."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest

from rasa_sdk.events import ActiveLoop
from rasa_sdk.executor import CollectingDispatcher

from actions.emergency import EmergencyAction
from hospital.interface import SystemUnavailable
from safety.contacts import emergency_phone, emergency_place, generic_message
from actions.triage.form import AskTriageQuestion, TriageOutcome, ValidateTriageForm
from tests.unit.action_harness import button_payloads, domain, slot_events, texts, tracker, user

PLAIN_ANSWERS = {"有", "没有", "不清楚"}


async def run(action, tracker_) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, domain())
    return dispatcher, events


def customs(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


class Patient:
    """Plays a triage conversation: what Rasa would send the action server each turn."""

    def __init__(self):
        self.slots: Dict[str, Any] = {}
        self.active = False
        self.questions: List[str] = []
        self.asked: List[Dict[str, Any]] = []

    async def say(self, text: str, intent: str = "describe_symptoms", entities=()) -> Optional[CollectingDispatcher]:
        """One message; returns the question's dispatcher, or None when the form is done."""
        t = tracker(
            text,
            intent,
            entities,
            slots=dict(self.slots),
            requested="triage_outcome" if self.active else None,
            active_loop="triage_form" if self.active else None,
        )
        dispatcher, events = await run(ValidateTriageForm(), t)
        assert dispatcher.messages == []  # validation never speaks
        self.slots.update(slot_events(events))
        self.active = True
        if self.slots.get("triage_outcome"):
            return None
        asking, _ = await run(
            AskTriageQuestion(),
            tracker(text, intent, slots=dict(self.slots), requested="triage_outcome", active_loop="triage_form"),
        )
        self.questions.append(self.slots["triage_state"]["question"]["id"])
        self.asked.append(self.slots["triage_state"]["question"])
        return asking

    async def outcome(self) -> Tuple[CollectingDispatcher, Dict[str, Any]]:
        dispatcher, events = await run(TriageOutcome(), tracker("", "deny", slots=dict(self.slots), active_loop=None))
        return dispatcher, slot_events(events)


async def test_a_question_comes_with_its_reason_and_plain_answer_buttons():
    patient = Patient()
    asking = await patient.say(
        "胃疼该挂消化内科还是普外科", "ask_department", [("department", "消化内科"), ("department", "普通外科")]
    )
    assert asking is not None and len(asking.messages) == 1
    question = patient.asked[-1]
    text = texts(asking)[0]
    assert question["text"] in text and "问这个是因为" in text
    assert set(button_payloads(asking)) == PLAIN_ANSWERS
    assert patient.slots.get("triage_outcome") is None


async def test_validation_gives_the_same_events_when_rasa_calls_it_twice_on_activation():
    t = tracker("肚子疼两天了", "describe_symptoms", active_loop=None)
    _, first = await run(ValidateTriageForm(), t)
    _, second = await run(ValidateTriageForm(), t)
    assert first == second


async def test_answers_lead_to_an_outcome_without_asking_anything_twice():
    patient = Patient()
    reply = await patient.say("肚子疼")
    while reply is not None:
        reply = await patient.say("没有", "deny")
    assert len(patient.questions) == len(set(patient.questions)) <= 5
    dispatcher, slots = await patient.outcome()
    payload = customs(dispatcher)[0]["data"]["triage"]
    assert set(payload) >= {"department", "urgency", "reason", "book_payload"}
    assert payload["department"] == "消化内科" and payload["urgency"] in ("routine", "today", "self_care")
    assert payload["book_payload"] == "帮我预约消化内科"
    assert button_payloads(dispatcher) == ["帮我预约消化内科"]
    assert "不是诊断" in texts(dispatcher)[0]
    # Handover: booking starts with the department, the appointment stores the summary.
    assert slots["triage_department"] == "消化内科"
    assert slots["triage_summary"]["chief_complaint"] == "肚子疼"
    assert "腹痛" in slots["triage_summary"]["symptoms_present"]
    assert slots["triage_outcome"] is None and slots["triage_state"] is None


async def said_after_the_outcome(first: str, then: str, intent: str = "describe_symptoms") -> Dict[str, Any]:
    """The slots validate_triage_form sets for `then`, sent right after the outcome of a
    triage that `first` settled at once (the events Rasa keeps of that turn)."""
    patient = Patient()
    assert await patient.say(first) is None
    turn = [
        user(first, "describe_symptoms"),
        {"event": "slot", "name": "triage_state", "value": patient.slots["triage_state"]},
        {"event": "slot", "name": "triage_outcome", "value": patient.slots["triage_outcome"]},
        {"event": "action", "name": "action_triage_outcome"},
        {"event": "slot", "name": "triage_outcome", "value": None},
        {"event": "slot", "name": "triage_state", "value": None},
        {"event": "action", "name": "action_listen"},
    ]
    _, events = await run(ValidateTriageForm(), tracker(then, intent, active_loop=None, history=turn))
    return slot_events(events)


async def test_a_detail_sent_right_after_the_outcome_is_added_to_that_triage():
    slots = await said_after_the_outcome("孩子两岁 发烧38度5", "两天了", "inform")
    state = slots["triage_state"]
    assert state["resumed"] and "fever" in state["present"] and state["facts"]["duration_days"] == 2
    assert slots["triage_outcome"]["department"] == "儿科"  # not "please say what is wrong"
    patient = Patient()
    patient.slots = slots
    dispatcher, _ = await patient.outcome()
    assert texts(dispatcher)[0].startswith("结合您补充的情况")


async def test_a_detail_that_changes_nothing_is_answered_briefly():
    slots = await said_after_the_outcome("手上湿疹又犯了 痒", "晚上更厉害", "inform")
    assert slots["triage_state"]["resumed"] == {"department": "皮肤科", "urgency": "routine"}
    patient = Patient()
    patient.slots = slots
    dispatcher, _ = await patient.outcome()
    said = texts(dispatcher)[0]
    assert said.startswith("结合您补充的情况，建议不变：") and "皮肤科" in said and "不是诊断" not in said


async def test_a_new_complaint_of_someone_named_after_the_outcome_is_a_new_triage():
    slots = await said_after_the_outcome("孩子两岁 发烧38度5", "我老婆也咳嗽好几天了")
    state = slots["triage_state"]
    assert not state["resumed"] and "fever" not in state["present"] and state["facts"]["age_months"] is None


async def test_after_an_emergency_outcome_a_message_starts_afresh():
    slots = await said_after_the_outcome("我爸突然说话不清楚 一边手脚没劲", "还有点头晕")
    assert not slots["triage_state"]["resumed"]


async def test_a_reply_in_words_answers_the_question():
    patient = Patient()
    await patient.say("肚子疼")
    first = patient.questions[-1]
    await patient.say("没有啊，就是隐隐的疼", "deny")
    assert patient.slots["triage_state"]["answers"][first] == "no"
    assert first not in patient.questions[1:]


async def test_a_clear_first_message_ends_at_once_walk_in_departments_offer_no_booking():
    patient = Patient()
    assert await patient.say("嗓子疼咳嗽发烧三天了，烧到38度6") is None
    dispatcher, slots = await patient.outcome()
    payload = customs(dispatcher)[0]["data"]["triage"]
    assert payload["department"] == "发热门诊" and payload["book_payload"] is None
    assert button_payloads(dispatcher) == []
    assert slots["triage_department"] is None and slots["triage_summary"]["temperature"] == 38.6


async def test_a_health_knowledge_question_is_answered_first_then_the_department_with_booking():
    patient = Patient()
    assert await patient.say("乙肝小三阳饮食要注意什么", intent="faq") is None
    dispatcher, slots = await patient.outcome()
    text = texts(dispatcher)[0]
    assert text.startswith("关于乙肝：") and "感染科" in text
    assert button_payloads(dispatcher) == ["帮我预约感染科"]
    assert slots["triage_department"] == "感染科"


async def test_not_knowing_the_department_asks_for_detail_with_example_buttons():
    patient = Patient()
    asking = await patient.say("不知道挂什么科", "ask_department")
    assert patient.questions == ["clarify"]
    assert "发烧咳嗽" in button_payloads(asking)
    await patient.say("肚子疼", "describe_symptoms")
    assert patient.questions[-1] != "clarify"


async def test_after_a_hospital_question_the_open_question_is_shown_again():
    patient = Patient()
    await patient.say("肚子疼")
    again, events = await run(
        AskTriageQuestion(),
        tracker(
            "医院几点开门", "faq", slots=dict(patient.slots), requested="triage_outcome", active_loop="triage_form"
        ),
    )
    assert texts(again)[0].startswith("我们接着刚才的问题") and patient.asked[-1]["text"] in texts(again)[0]
    assert events == []


async def test_triage_started_by_a_hospital_question_does_not_say_it_comes_back_to_one():
    patient = Patient()
    await patient.say("溃疡性结肠炎，来复诊开药")
    started = tracker(
        "溃疡性结肠炎，来复诊开药",
        "faq",
        slots=dict(patient.slots),
        requested="triage_outcome",
        active_loop="triage_form",
    )
    started.events += [
        {"event": "action", "name": "action_answer_faq"},
        {"event": "active_loop", "name": "triage_form"},
    ]
    first, _ = await run(AskTriageQuestion(), started)
    assert texts(first)[0] == f"{patient.asked[-1]['text']}\n{patient.asked[-1]['why']}"


async def test_an_answer_that_reveals_an_emergency_ends_with_the_emergency_reply():
    patient = Patient()
    await patient.say("肚子疼")
    assert patient.questions == ["q_abd_board"]
    assert await patient.say("有", "affirm") is None
    dispatcher, slots = await patient.outcome()
    bodies = [c["data"] for c in customs(dispatcher)]
    assert bodies[0]["emergency"]["phone"] == "120" and bodies[0]["emergency"]["first_aid"]
    assert bodies[1]["triage"]["urgency"] == "emergency" and bodies[1]["triage"]["book_payload"] is None
    assert "120" in texts(dispatcher)[0]
    assert slots["triage_department"] is None


async def test_danger_found_across_messages_is_an_emergency():
    patient = Patient()
    await patient.say("头晕")
    reply = await patient.say("我有高血压，今天突然头晕，手脚发麻", "describe_symptoms")
    assert reply is None
    assert patient.slots["triage_outcome"]["urgency"] == "emergency"


def _emergency_tracker(text: str, entities=(), active_loop: Optional[str] = "booking_form", call_120_said=True):
    slots = {
        "department": "眼科",
        "date": "2026-12-01",
        "booking_mode": "book",
        "triage_department": "眼科",
        "triage_summary": {"chief_complaint": "眼睛痒"},
        "verified_card": "1000005",
    }
    t = tracker(text, "emergency", entities, slots=slots, requested="period", active_loop=active_loop)
    if call_120_said:  # what Rasa runs first (rules, components/safety_policy.py)
        t.events.append({"event": "action", "name": "utter_emergency"})
    return t


async def test_emergency_inside_a_form_stops_it_and_forgets_the_booking():
    dispatcher, events = await run(EmergencyAction(), _emergency_tracker("我爸突然嘴歪了", [("red_flag", "stroke")]))
    assert ActiveLoop(None) in events
    slots = slot_events(events)
    for name in (
        "department",
        "date",
        "booking_mode",
        "requested_slot",
        "triage_department",
        "triage_summary",
        "triage_state",
        "triage_outcome",
    ):
        assert slots[name] is None
    assert "verified_card" not in slots  # identity stays proven
    body = customs(dispatcher)[0]["data"]["emergency"]
    assert set(body) >= {"title", "message", "first_aid", "phone"} and body["phone"] == "120"
    assert body["title"] == "可能是中风"
    # utter_emergency has just said "call 120 / go to 急诊": the action adds what is
    # specific to this danger and does not say that sentence again.
    (text,) = [t for t in texts(dispatcher) if t]  # then the card, which has no text
    assert "可能是中风" in text and body["first_aid"] in text
    assert "120" not in text and generic_message() not in text
    assert button_payloads(dispatcher) == []  # nothing routine is offered


async def test_without_utter_emergency_before_it_the_action_gives_the_whole_reply():
    dispatcher, _ = await run(
        EmergencyAction(), _emergency_tracker("我爸突然嘴歪了", [("red_flag", "stroke")], call_120_said=False)
    )
    (text,) = [t for t in texts(dispatcher) if t]
    assert text.startswith("这些表现可能是中风的信号") and "120" in text and "急诊" in text  # the flag's own message


async def test_the_emergency_reply_needs_no_hospital_database(monkeypatch):
    def down():
        raise SystemUnavailable("database down")

    for module in ("actions.common", "hospital"):
        for name in ("hospital", "get_hospital"):
            monkeypatch.setattr(f"{module}.{name}", down, raising=False)
    dispatcher, events = await run(EmergencyAction(), _emergency_tracker("我爸突然嘴歪了", [("red_flag", "stroke")]))
    assert customs(dispatcher)[0]["data"]["emergency"]["phone"] == "120"
    assert ActiveLoop(None) in events


def test_the_first_emergency_answer_needs_no_action_server_and_names_phone_and_place():
    (response,) = domain()["responses"]["utter_emergency"]
    assert response["text"] == generic_message()
    assert emergency_phone() in response["text"] and emergency_place() in response["text"]


async def test_suicidal_talk_gets_the_crisis_hotline_even_without_the_entity():
    dispatcher, events = await run(EmergencyAction(), _emergency_tracker("活着真没意思，我不想活了", active_loop=None))
    body = customs(dispatcher)[0]["data"]["emergency"]
    assert body.get("crisis_hotline") and body["crisis_hotline"] in texts(dispatcher)[0]
    assert ActiveLoop(None) in events


async def test_an_emergency_the_rules_cannot_name_still_says_call_120():
    dispatcher, _ = await run(EmergencyAction(), _emergency_tracker("快不行了", active_loop=None))
    body = customs(dispatcher)[0]["data"]["emergency"]
    assert body["phone"] == "120" and "120" in body["message"] and "急诊" in body["message"]


async def test_red_flags_and_leaving_make_the_form_step_aside_for_the_rules():
    patient = Patient()
    await patient.say("肚子疼")
    for text, intent in (
        ("我吐了好多血", "emergency"),
        ("不看了", "stop"),
        ("转人工", "human_handoff"),
        ("医院几点开门", "faq"),
        ("挂专家号还是普通号", "ask_fee"),
    ):
        t = tracker(text, intent, slots=dict(patient.slots), requested="triage_outcome", active_loop="triage_form")
        _, events = await run(ValidateTriageForm(), t)
        assert events == [], text  # no slot set → Rasa rejects the form → the rule runs


async def test_after_the_fee_the_open_question_is_shown_again():
    patient = Patient()
    await patient.say("肚子疼")
    t = tracker(
        "专家号多少钱", "ask_fee", slots=dict(patient.slots), requested="triage_outcome", active_loop="triage_form"
    )
    asking, _ = await run(AskTriageQuestion(), t)
    assert texts(asking)[0].startswith("我们接着刚才的问题")


async def test_an_answer_misread_as_a_hospital_question_still_counts():
    patient = Patient()
    await patient.say("孩子咳嗽")
    pending = patient.questions[-1]
    t = tracker("发烧了，39度", "faq", slots=dict(patient.slots), requested="triage_outcome", active_loop="triage_form")
    _, events = await run(ValidateTriageForm(), t)
    state = slot_events(events)["triage_state"]
    assert "fever" in state["present"] and pending in state["asked"]


async def test_a_past_danger_ends_triage_with_the_when_to_go_line():
    """Issue 13: a relative's or a past red flag is no emergency, but the outcome says
    when to go to 急诊."""
    dispatcher = await outcome_answering_no("我爸以前心梗过，我最近胸口有点闷")
    assert customs(dispatcher)[0]["data"]["triage"]["urgency"] != "emergency"
    hint = [m for m in dispatcher.messages if m.get("response") == "utter_when_to_go_emergency"]
    assert hint and "冷汗" in hint[0]["signs"]


async def test_a_knowledge_question_quieted_by_its_look_alike_ends_with_the_when_to_go_line():
    dispatcher = await outcome_answering_no("羊水破了是什么感觉")
    assert customs(dispatcher)[0]["data"]["triage"]["urgency"] != "emergency"
    hint = [m for m in dispatcher.messages if m.get("response") == "utter_when_to_go_emergency"]
    assert hint and "破水" in hint[0]["signs"]


async def test_weariness_of_life_without_a_plan_gets_the_crisis_hotline_not_120():
    dispatcher = await outcome_answering_no("我奶奶八十多了，老念叨活着没意思，其实就是孤单，也没说过要做什么")
    assert customs(dispatcher)[0]["data"]["triage"]["urgency"] != "emergency"
    assert [m for m in dispatcher.messages if m.get("response") == "utter_when_to_go_emergency"]
    assert [m for m in dispatcher.messages if "热线" in (m.get("text") or "")]


async def test_an_everyday_outcome_has_no_emergency_line():
    dispatcher = await outcome_answering_no("肚子疼")
    assert not [m for m in dispatcher.messages if m.get("response") == "utter_when_to_go_emergency"]


async def test_asked_without_a_question_and_with_nothing_to_ask_it_asks_for_the_complaint():
    from actions.triage import flow
    from actions.triage import state as triage_state
    from actions.triage.wording import wording

    state = flow.update(triage_state.start(), "皮肤起了湿疹，一个月了，想开点药膏")
    dispatcher, events = await run(
        AskTriageQuestion(),
        tracker("", "affirm", slots={"triage_state": state}, requested="triage_outcome", active_loop="triage_form"),
    )
    assert texts(dispatcher) == [wording()["describe"]] and events == []


async def outcome_answering_no(text):
    """The outcome's messages after `text`, every question answered "没有"."""
    patient = Patient()
    reply = await patient.say(text)
    while reply is not None:
        reply = await patient.say("没有", "deny")
    dispatcher, _ = await patient.outcome()
    return dispatcher


@pytest.mark.parametrize("text, watch", [("头疼三天了 越来越厉害", True), ("最近老是心慌 今天有点胸闷", False)])
async def test_what_the_emergency_net_is_unsure_of_ends_with_what_to_watch_for(text, watch):
    dispatcher = await outcome_answering_no(text)
    assert customs(dispatcher)[0]["data"]["triage"]["urgency"] != "emergency"
    assert bool([m for m in dispatcher.messages if m.get("response") == "utter_watch_for_emergency"]) is watch
