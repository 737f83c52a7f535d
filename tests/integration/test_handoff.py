"""转人工: a ticket is opened, the assistant stops answering, and staff hand the
conversation back from a shell (scripts/handoff.py)."""

from __future__ import annotations

from hospital import create_hospital
from scripts import handoff
from tests.servers import texts


def test_handoff_pauses_until_staff_resume(assistant, chat, monkeypatch, capsys):
    chat.say("你好")
    handed = texts(chat.say("转人工"))
    assert "人工" in handed and "0000-88881200" in handed

    assert chat.say("还有人吗") == []  # paused: no automatic answer

    hospital = create_hospital(assistant.database_url, seed=False)
    ticket = next(t for t in hospital.handoff_tickets(status="open") if t.conversation_id == chat.sender)
    assert ticket.reason == "患者要求人工服务"
    assert "转人工" in ticket.summary

    monkeypatch.setenv("HOSPITAL_DB_URL", assistant.database_url)
    assert handoff.main(["list"]) == 0
    assert f"{ticket.id}\t" in capsys.readouterr().out
    assert handoff.main(["resume", str(ticket.id), "--rasa", assistant.rasa_url]) == 0
    assert all(t.id != ticket.id for t in hospital.handoff_tickets(status="open"))
    assert "小安" in texts(chat.say("你好"))
