"""Conversations at rest, end to end: they survive a restart of the Rasa server, the
database holds them encrypted with identity secrets redacted, and a verified patient
can have them deleted ("删除我的聊天记录")."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List

import sqlalchemy as sa

from security import keys
from hospital.demo.scenario import demo_patients
from tests.servers import RestChat, texts

PATIENT = next(p for p in demo_patients() if p.card_no == "1000001")


def rows(assistant, sender: str) -> List[Dict[str, Any]]:
    with sa.create_engine(assistant.tracker_db_url).connect() as connection:
        return [
            dict(row._mapping)
            for row in connection.execute(
                sa.text("SELECT * FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            )
        ]


def decrypted(row: Dict[str, Any]) -> Dict[str, Any]:
    return json.loads(keys.fernet("tracker").decrypt(row["data"].encode()).decode())


def user_texts(tracker: Dict[str, Any]) -> List[str]:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def test_a_booking_continues_after_the_rasa_server_restarts(assistant, chat):
    first = chat.say("我想挂呼吸内科的号")
    assert "哪一天" in texts(first), texts(first)
    day = next(button["payload"] for reply in first for button in reply.get("buttons", []))
    before = chat.tracker()
    assert before["active_loop"].get("name") == "booking_form"

    assistant.restart_rasa()

    after = chat.tracker()
    assert after["events"] == before["events"]
    assert after["slots"] == before["slots"]
    reply = texts(chat.say(day))
    now = chat.tracker()
    assert now["active_loop"].get("name") == "booking_form", reply
    assert now["slots"]["department"] == "呼吸内科" and now["slots"]["date"], reply  # went on from where it was


def said(digits: str, text: str) -> bool:
    """The digits as typed, not inside a random hex id or a timestamp ("…5a6b4f5678…")."""
    return re.search(rf"(?<![0-9A-Za-z]){digits}(?![0-9A-Za-z])", text) is not None


def test_the_database_holds_the_conversation_encrypted_and_without_the_secret(assistant, chat):
    chat.say("我的预约")
    chat.say(PATIENT.card_no)
    verified = texts(chat.say(PATIENT.phone_last4))
    assert "身份核实成功" in verified, verified

    stored = rows(assistant, chat.sender)
    raw = json.dumps(stored, default=str, ensure_ascii=False)
    assert stored and PATIENT.card_no not in raw and "我的预约" not in raw
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in raw)
    readable = json.dumps([decrypted(row) for row in stored], ensure_ascii=False)
    assert "我的预约" in readable and PATIENT.card_no in readable  # the key opens it
    assert not said(PATIENT.phone_last4, readable)
    assert not said(PATIENT.phone_last4, json.dumps(chat.tracker(), ensure_ascii=False))
    assert user_texts(chat.tracker())[-1] == "****"


def test_forget_me_deletes_this_and_earlier_conversations_of_the_card(assistant):
    """Needs the model trained with data/nlu/privacy.yml and the audit trail's
    conversation_id (the earlier conversation is found through it)."""
    earlier = RestChat(assistant)
    earlier.say("查报告")
    earlier.say(PATIENT.card_no)
    assert "身份核实成功" in texts(earlier.say(PATIENT.phone_last4))
    bystander = RestChat(assistant)
    bystander.say("你好")

    chat = RestChat(assistant)
    asked = texts(chat.say("删除我的聊天记录"))
    assert "删除和小安的聊天记录" in asked, asked
    assert "就诊卡号" in texts(chat.say("确认"))
    chat.say(PATIENT.card_no)
    done = texts(chat.say(PATIENT.phone_last4))
    # This one, the earlier one, and any other test's conversation with the same card
    # (the servers and their databases are shared by the whole test session).
    deleted = re.search(r"已经为您删除了聊天记录，共 (\d+) 段对话", done)
    assert deleted and int(deleted.group(1)) >= 2, done
    assert "病历、检查报告和预约记录" in done

    assert rows(assistant, chat.sender) == []
    assert rows(assistant, earlier.sender) == []
    assert rows(assistant, bystander.sender)
    # Nothing of it is left in the Rasa server either: the next message starts afresh.
    assert user_texts(chat.tracker()) == []
    assert "小安" in texts(chat.say("你好"))
    assert user_texts(chat.tracker()) == ["你好"]
