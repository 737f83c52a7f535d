"""Reminders end to end: a reminder that falls due while the Rasa server and the
reminder dispatcher are down arrives once they are back, exactly once, in the chat
and by SMS; an appointment reminder reaches the open web page (socket.io) with its
buttons; and a patient can ask for one in the chat.

Needs a model trained with the reminder intents (EXTERNAL_reminder, set_reminder):
an older model answers trigger_intent with 404 and the chat part never arrives."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

from hospital import models as m
from hospital import create_hospital
from tests.servers import page_socket, texts

CARD = "1000002"
WAIT_SECONDS = 120


def reminders_in_chat(chat):
    return [e["text"] for e in chat.tracker()["events"] if e["event"] == "bot" and "温馨提醒" in (e.get("text") or "")]


def test_a_reminder_due_during_a_restart_arrives_once(assistant, chat):
    chat.say("你好")  # the conversation exists and its latest channel is REST
    hospital = create_hospital(assistant.database_url)
    try:
        before_sms = len(hospital.sms_outbox(CARD))
        due = dt.datetime.now().replace(microsecond=0) + dt.timedelta(seconds=5)
        reminder = hospital.add_reminder(due, "吃降压药", chat.sender, card_no=CARD)

        assistant.stop_reminders()
        assistant.stop_one("rasa")
        while dt.datetime.now() <= due:  # it falls due while everything is down
            time.sleep(0.5)
        # A new dispatcher, armed from the database; Rasa is still starting, so the chat
        # part waits (the SMS goes at once) and is tried again.
        assistant.reminder_every = 1
        assistant.start_reminders()
        assistant.reminders.retry_after = 2
        assistant.start_again("rasa", f"{assistant.rasa_url}/")

        deadline = time.monotonic() + WAIT_SECONDS
        while not reminders_in_chat(chat) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(5)  # several more dispatcher rounds: nothing more may arrive
        sms = [m for m in hospital.sms_outbox(CARD)[before_sms:] if "温馨提醒" in m["body"]]
        assert len(sms) == 1 and "吃降压药" in sms[0]["body"]
        assert hospital.reminder(reminder.id, chat.sender).state == "sent"
        delivered = reminders_in_chat(chat)
        assert len(delivered) == 1, delivered
        assert "吃降压药" in delivered[0]
    finally:
        hospital.dispose()
        if "rasa" not in assistant.processes:
            assistant.start_again("rasa", f"{assistant.rasa_url}/")
        if assistant.reminders is None:
            assistant.start_reminders()


def test_a_patient_sets_a_reminder_in_the_chat(assistant, chat):
    reply = texts(chat.say("提醒我明天早上8点吃药"))
    assert "提醒您" in reply and "吃药" in reply, reply
    hospital = create_hospital(assistant.database_url, seed=False)
    try:
        [reminder] = hospital.reminders(chat.sender)
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        assert reminder.due_at == dt.datetime.combine(tomorrow, dt.time(8, 0)) and reminder.note == "吃药"
    finally:
        hospital.dispose()


def test_a_date_that_does_not_exist_gets_a_clarification(assistant, chat):
    reply = texts(chat.say("2月30日早上8点提醒我去复诊"))
    assert "没有2月30日" in reply, reply


async def test_an_appointment_reminder_reaches_the_open_page_with_its_buttons(assistant):
    session_id = uuid.uuid4().hex
    hospital = create_hospital(assistant.database_url)
    appointment = None
    try:
        async with page_socket(assistant, session_id) as page:
            await page.say("你好")
            await page.reply()
            visit = next(
                s
                for s in hospital.sessions(department="骨科", only_available=True)
                if (s.date - dt.date.today()).days >= 2
            )
            appointment = hospital.book("1000005", visit.id, conversation_id=session_id)
            with hospital._tx() as s:  # due now instead of the day before
                s.query(m.ReminderRow).filter_by(conversation_id=session_id).update({"due_at": dt.datetime.now()})
            deadline = time.monotonic() + WAIT_SECONDS
            reminder = None
            while reminder is None and time.monotonic() < deadline:
                try:
                    reply = await page.reply(timeout=5)
                except asyncio.TimeoutError:
                    continue
                if "温馨提醒" in reply.get("text", ""):
                    reminder = reply
            assert reminder is not None
            assert appointment.number in reminder["text"] and "赵**" in reminder["text"]
            choices = reminder.get("quick_replies") or reminder.get("buttons") or []
            assert [c["title"] for c in choices] == ["取消预约", "改约"]
    finally:
        if appointment is not None:
            hospital.cancel("1000005", appointment.number)  # the session's other tests see the slot free
        hospital.dispose()
