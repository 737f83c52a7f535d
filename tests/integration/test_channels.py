"""The channels patients and integrations use: REST, socketio (the web page) and the
token-protected HTTP API."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid

import pytest

from tests.servers import page_socket, texts


def test_rest_answers_a_chinese_greeting(chat):
    replies = chat.say("你好")
    assert "小安" in texts(replies)


async def test_socketio_answers_and_keeps_the_session(assistant):
    """With session persistence on, python-socketio >= 5.10 silently drops every bot
    reply in Rasa 3.6 (RasaHQ/rasa#13027); this proves replies arrive."""
    session_id = uuid.uuid4().hex
    async with page_socket(assistant, session_id) as page:
        assert page.confirmed in (session_id, {"session_id": session_id})
        await page.say("你好")
        assert "小安" in (await page.reply()).get("text", "")


def test_http_api_needs_the_token(assistant):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{assistant.rasa_url}/status", timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{assistant.rasa_url}/status?token={assistant.token}", timeout=10) as ok:
        assert ok.status == 200


def test_api_listens_on_loopback_only(assistant):
    assert assistant.rasa_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("message", ["", "   ", "啊" * 5000, "<img src=x onerror=alert(1)>", "🙂🙂🙂"])
def test_odd_messages_get_a_polite_answer(chat, message):
    replies = chat.say(message)
    if message.strip():
        assert texts(replies).strip(), f"no reply to {message[:20]!r}"
    if "人工客服" in texts(replies):
        return  # handed to a person: the assistant rightly stays quiet until resumed
    # An empty message may get no reply, but must not break the conversation.
    assert "小安" in texts(chat.say("你好"))


@pytest.mark.parametrize("message", ["🙂🙂🙂", "？？。。。"])
def test_a_message_without_words_is_not_guessed_at(chat, message):
    assert "没太明白" in texts(chat.say(message))


@pytest.mark.parametrize("message", ["呜啦啦巴拉巴拉", "asdfasdf"])
def test_nonsense_gets_the_out_of_scope_answer_not_a_confident_guess(chat, message):
    assert "小安还帮不上忙" in texts(chat.say(message))


def test_a_message_the_form_cannot_use_still_gets_an_answer(chat):
    """A card number while the booking form asks for a day: the form rejects it, and
    the patient hears something instead of silence."""
    chat.say("我想挂个号")
    chat.say("眼科")
    assert texts(chat.say("1000005")).strip()
    after = texts(chat.say("后天"))  # the form goes on: a period, or other days
    assert after.strip() and "不太确定" not in after
