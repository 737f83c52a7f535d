"""Input limits: the NLU pipeline reads at most 1,000 characters of a message, whatever
way it came in, and the channels cut it the same way, tell the patient, and record the
caller's address (never one the client claims)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import List

import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from channels.limits import NOTE, capped, with_client_ip
from channels.rest import CappedRestInput
from channels.socketio import SocketIOInput
from components import red_flag_detector
from components.input_limit import MAX_CHARS, InputLimit
from components.red_flag_detector import RedFlagDetector
from components.zh_tokenizer import SpacyJiebaTokenizer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LONG = "我爸突然胸口剧痛，喘不上气，满头大汗。" * 1200  # about 23,000 characters


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def test_the_pipeline_starts_by_cutting_the_message():
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    assert config["pipeline"][0]["name"] == "components.input_limit.InputLimit"


def test_short_messages_are_read_whole():
    message = Message({TEXT: "我头晕，手脚发麻两天了"})
    InputLimit().process([message])
    assert message.get(TEXT) == "我头晕，手脚发麻两天了"


def test_the_tokenizer_and_the_matchers_see_at_most_1000_characters(tmp_path, monkeypatch):
    seen: List[int] = []
    assess = red_flag_detector.red_flags.assess
    monkeypatch.setattr(red_flag_detector.red_flags, "assess", lambda text: seen.append(len(text)) or assess(text))
    storage = LocalModelStorage(tmp_path)
    tokenizer = SpacyJiebaTokenizer.create(
        SpacyJiebaTokenizer.get_default_config(), storage, Resource("tokenizer"), _context()
    )
    message = Message({TEXT: LONG})
    for step in (InputLimit().process, tokenizer.process, RedFlagDetector().process):
        step([message])
    assert len(message.get(TEXT)) == MAX_CHARS
    assert max(token.end for token in message.get(TOKENS_NAMES[TEXT])) <= MAX_CHARS
    assert seen == [MAX_CHARS]
    assert message.get("intent")["name"] == "emergency"  # still read, still an emergency


async def test_a_long_message_is_cut_and_the_patient_told_after_the_answer():
    read: List[str] = []

    async def assistant(message: UserMessage) -> None:
        read.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "请马上拨打120")

    output = CollectingOutputChannel()
    await capped(assistant)(UserMessage(LONG, output, "patient"))
    assert read == [LONG[:MAX_CHARS]]
    assert [m["text"] for m in output.messages] == ["请马上拨打120", NOTE]
    assert str(MAX_CHARS) in NOTE

    output = CollectingOutputChannel()
    await capped(assistant)(UserMessage("你好", output, "patient"))
    assert read[-1] == "你好" and [m["text"] for m in output.messages] == ["请马上拨打120"]


def test_the_callers_address_is_ours_not_the_clients():
    assert with_client_ip({"client_ip": "6.6.6.6", "page": "web"}, "10.0.0.7") == {
        "client_ip": "10.0.0.7",
        "page": "web",
    }
    assert with_client_ip("not a dict", "10.0.0.7") == {"client_ip": "10.0.0.7"}
    request = SimpleNamespace(
        json={"sender": "a", "message": "b", "metadata": {"client_ip": "6.6.6.6"}}, remote_addr="", ip="10.0.0.7"
    )
    assert CappedRestInput().get_metadata(request)["client_ip"] == "10.0.0.7"
    behind_proxy = SimpleNamespace(json={}, remote_addr="203.0.113.9", ip="127.0.0.1")
    assert CappedRestInput().get_metadata(behind_proxy) == {"client_ip": "203.0.113.9"}


async def test_the_socketio_channel_cuts_tells_and_records_the_sockets_address():
    channel = SocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )
    received: List[UserMessage] = []

    async def assistant(message: UserMessage) -> None:
        received.append(message)

    channel.blueprint(assistant)
    sio = channel.sio
    emitted = []

    async def emit(event, data, room=None, **kwargs):
        emitted.append((event, data, room))

    sio.emit = emit
    # Under Sanic the socket's WSGI environ says 127.0.0.1 for everyone; the request does not.
    sio.get_environ = lambda sid, namespace=None: {
        "REMOTE_ADDR": "127.0.0.1",
        "sanic.request": SimpleNamespace(remote_addr="", ip="10.0.0.8"),
    }
    handler = sio.handlers["/"]["user_uttered"]
    await handler("sid-1", {"message": LONG, "session_id": "s-1", "customData": '{"client_ip": "6.6.6.6"}'})
    (message,) = received
    assert message.text == LONG[:MAX_CHARS] and message.sender_id == "s-1"
    assert message.metadata["client_ip"] == "10.0.0.8"
    assert emitted == [("bot_uttered", {"text": NOTE}, "s-1")]
