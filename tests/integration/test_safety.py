"""Emergencies are always answered — while staff have the conversation, and with the
action server down — and one very long message neither stalls other patients nor is
read past its first 1,000 characters (the patient is told)."""

from __future__ import annotations

import logging
import threading
import time
import uuid


from channels.limits import NOTE
from components.input_limit import MAX_CHARS
from staff.relay import Relay
from tests.servers import RestChat, page_socket, texts

logger = logging.getLogger(__name__)

EMERGENCY = "我爸突然胸口剧痛，喘不上气，满头大汗"


def test_an_emergency_is_answered_while_staff_have_the_conversation(assistant, chat):
    assert "工单号" in texts(chat.say("转人工"))
    assert chat.say("还有人吗") == []  # handed off: no automatic answer…

    answer = texts(chat.say(EMERGENCY))  # …except to an emergency
    assert "120" in answer and "急诊" in answer
    assert "等待急救时" in answer  # action_emergency's first aid follows
    assert chat.say("喂？") == []  # and staff still have the conversation

    Relay(assistant.rasa_url).hand_back(chat.sender)
    assert "小安" in texts(chat.say("你好"))


def test_an_emergency_is_answered_with_the_action_server_down(assistant, chat):
    assistant.stop_one("actions")
    try:
        answer = texts(chat.say(EMERGENCY))
    finally:
        assistant.start_again("actions", f"http://127.0.0.1:{assistant.action_port}/health")
    assert "120" in answer and "急诊" in answer


def test_a_long_message_is_cut_the_patient_told_and_others_answered_meanwhile(assistant, chat):
    long = (EMERGENCY + "。") * (20_000 // len(EMERGENCY))
    other = RestChat(assistant)
    replies = {}

    def say_long():
        started = time.perf_counter()
        replies["long"] = chat.say(long)
        replies["long seconds"] = time.perf_counter() - started

    sender = threading.Thread(target=say_long)
    sender.start()
    time.sleep(0.05)
    started = time.perf_counter()
    greeting = other.say("你好")  # times out after 60 s: old code took minutes here
    other_seconds = time.perf_counter() - started
    sender.join(120)
    logger.warning(
        "20,000 characters answered in %.2f s; another patient's 你好 meanwhile in %.2f s",
        replies["long seconds"],
        other_seconds,
    )

    assert "小安" in texts(greeting)
    long_texts = [r.get("text") for r in replies["long"] if r.get("text")]
    assert "120" in "\n".join(long_texts)  # still read as the emergency it is
    assert long_texts[-1] == NOTE
    assert len(chat.tracker()["latest_message"]["text"]) == MAX_CHARS  # only what was read is kept


async def test_the_web_page_channel_cuts_a_long_message_and_says_so(assistant):
    session_id = uuid.uuid4().hex
    async with page_socket(assistant, session_id) as page:
        await page.say("你好" * 1500, customData={"client_ip": "6.6.6.6"})
        said = []
        while NOTE not in said:
            said.append((await page.reply()).get("text"))
    chat = RestChat(assistant)
    chat.sender = session_id
    latest = [e for e in chat.tracker()["events"] if e["event"] == "user"][-1]
    assert len(latest["text"]) == MAX_CHARS
    assert latest["metadata"]["client_ip"] == "127.0.0.1"  # the server's view, not the client's claim
