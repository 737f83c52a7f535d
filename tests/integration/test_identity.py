"""Issue 11 #1 and #5 end to end (REST): the digits on screen never unlock a record,
unknown and known cards get the same answers, and "退出" ends a verification.

Needs the model trained with this branch's domain (identity responses, verified_at,
the logout intent)."""

from __future__ import annotations

import re

from hospital import create_hospital
from tests.servers import RestChat, texts

CARD, LAST4, NAME = "1000003", "7832", "王秀英"  # the critical-potassium patient


def test_the_phone_digits_shown_after_a_code_request_do_not_unlock_reports(assistant, chat):
    chat.say("查报告")
    chat.say(CARD)
    sent = texts(chat.say("发验证码"))
    assert "如果卡号正确" in sent
    assert LAST4 not in sent and "137" not in sent

    refused = texts(chat.say(LAST4))
    assert "验证码" in refused and "核实成功" not in refused
    assert NAME[0] not in refused and "血钾" not in refused and "6.8" not in refused

    code = create_hospital(assistant.database_url, seed=False).sms_outbox(CARD)[-1]["code"]
    shown = texts(chat.say(code))
    assert "身份核实成功" in shown and "王**近期的报告" in shown
    slots = chat.tracker()["slots"]
    assert slots["verified_card"] == CARD and re.fullmatch(r"\d+\.[0-9a-f]{32}", slots["verified_at"])
    assert code not in str(slots) and slots["identity_secret"] == "verified"


def test_unknown_and_known_cards_get_the_same_answers(assistant):
    def attempt(card: str) -> list:
        chat = RestChat(assistant)
        chat.say("查一下我的报告")
        return [
            texts(chat.say(said)).replace(card, "<card>") for said in (card, "发验证码", "我的卡号是" + card, "0000")
        ]

    known, unknown = attempt("1000004"), attempt("1099999")
    assert known == unknown
    assert "没有找到" not in "".join(unknown)


def test_logout_ends_the_verification(chat):
    chat.say("查报告")
    chat.say("1000001")
    assert "陈**近期的报告" in texts(chat.say("5678"))
    bye = texts(chat.say("退出"))
    assert "已经退出" in bye
    assert chat.tracker()["slots"]["verified_card"] is None
    again = texts(chat.say("查报告"))
    assert "就诊卡号" in again and "陈**" not in again
