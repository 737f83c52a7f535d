"""转人工: the ticket's summary hides every number, and the conversation is handed to
staff with the `handoff_active` slot (not paused: emergencies must still be answered)."""

from __future__ import annotations

import re

from rasa_sdk.events import ActiveLoop, SlotSet

from actions.handoff import Handoff, mask
from tests.unit.action_harness import Harness, texts, tracker, user


def test_every_run_of_three_or_more_digits_is_hidden():
    text = "卡号1000001，手机 138 0013 8000，验证码 482913，身份证11010519491231002X，预约号A123，今天2个号，下午3点"
    masked = mask(text)
    assert not re.search(r"\d{3,}", masked)
    for kept in ("2个号", "下午3点", "身份证", "X"):
        assert kept in masked
    assert mask("验证码５２８") == "验证码***"  # full-width digits too
    assert mask("１２") == "１２"


async def test_handoff_opens_a_masked_ticket_and_hands_the_conversation_to_staff(monkeypatch, hospital, today):
    h = Harness(hospital, today)
    history = [user("我的卡号是1000001，验证码 482913", "provide_identity")]
    dispatcher, events = await h.run(
        h.build(Handoff), tracker("转人工", "human_handoff", history=history, active_loop=None)
    )
    assert events == [ActiveLoop(None), SlotSet("handoff_active", True)]
    (ticket,) = hospital.handoff_tickets(status="open")
    assert "1000001" not in ticket.summary and "482913" not in ticket.summary and "转人工" in ticket.summary
    assert f"工单号 {ticket.id}" in texts(dispatcher)[0]
    # The page learns a person will answer (web/src/main.js: no typing indicator meanwhile).
    assert dispatcher.messages[-1]["custom"] == {"data": {"handoff": "open"}}


async def test_an_inpatients_condition_is_said_to_be_for_staff_then_handed_over(hospital, today):
    h = Harness(hospital, today)
    dispatcher, events = await h.run(h.build(Handoff), tracker("我妈住院三天了 病情怎么样了", "ask_inpatient_status"))
    assert dispatcher.messages[0]["response"] == "utter_inpatient_status"
    assert SlotSet("handoff_active", True) in events and len(hospital.handoff_tickets(status="open")) == 1


async def test_a_question_of_which_department_taken_for_an_inpatients_gets_the_department(hospital, today):
    h = Harness(hospital, today)
    text = "我老公胃癌做了手术 现在在做术后化疗 打完就吃不下饭 营养怎么跟上 该挂哪个科问"
    dispatcher, events = await h.run(h.build(Handoff), tracker(text, "ask_inpatient_status"))
    assert events == [ActiveLoop(None)] and hospital.handoff_tickets(status="open") == []
    assert "肿瘤科" in texts(dispatcher)[0] and dispatcher.messages[0]["buttons"]
