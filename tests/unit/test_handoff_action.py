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
