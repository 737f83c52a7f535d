"""channels/staff_relay.py on our socketio channel, mounted as `rasa run` mounts it:
a staff message reaches the patient's page (marked as staff) and the conversation,
only with the relay token and only while the conversation is handed off; the
hand-back clears `handoff_active`."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest
import socketio
from rasa.core.channels.channel import register
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from channels.origins import ORIGINS_ENV
from channels.socketio import SocketIOInput
from channels.staff_relay import staff_relay_token
from tests.servers import serve_on_loopback

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  handoff_active:
    type: bool
    influence_conversation: false
    mappings: [{type: custom}]
"""
)


class Agent:
    def __init__(self):
        self.tracker_store = InMemoryTrackerStore(DOMAIN)
        self.lock_store = InMemoryLockStore()


@pytest.fixture
async def relay(monkeypatch):
    monkeypatch.delenv(ORIGINS_ENV, raising=False)
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(f"relay_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.ctx.agent = Agent()
    register([SocketIOInput(session_persistence=True)], app, route="/webhooks/")
    server, url = await serve_on_loopback(app)
    yield url, app.ctx.agent
    server.close()
    await server.wait_closed()


async def _conversation(agent, handed_off=True, sender="web-1"):
    events = [UserUttered("转人工")] + ([SlotSet("handoff_active", True)] if handed_off else [])
    await agent.tracker_store.save(DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots))


async def _post(url, body, token=None):
    def send():
        request = urllib.request.Request(
            f"{url}/webhooks/socketio/staff",
            data=json.dumps(body).encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token or staff_relay_token()}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    return await asyncio.to_thread(send)


async def _page(url, session_id="web-1"):
    replies: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient()
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    await client.connect(url, transports=["polling"])
    await client.emit("session_request", {"session_id": session_id})
    await asyncio.sleep(0.3)
    return client, replies


async def test_a_staff_message_reaches_the_page_and_the_conversation(relay):
    url, agent = relay
    await _conversation(agent)
    client, replies = await _page(url)
    try:
        assert await _post(url, {"conversation_id": "web-1", "text": "您好，我是王护士"}) == 200
        assert await asyncio.wait_for(replies.get(), 5) == {"text": "您好，我是王护士", "staff": True}
    finally:
        await client.eio.disconnect(abort=True)
    tracker = await agent.tracker_store.retrieve("web-1")
    said = tracker.events[-1]
    assert said.text == "您好，我是王护士" and said.metadata == {"staff": True}
    assert tracker.get_slot("handoff_active") is True


async def test_the_hand_back_clears_the_handoff_and_tells_the_page(relay):
    url, agent = relay
    await _conversation(agent)
    client, replies = await _page(url)
    try:
        assert await _post(url, {"conversation_id": "web-1", "text": "交还小安", "hand_back": True}) == 200
        closed = {"text": "交还小安", "staff": True, "handoff": "closed"}
        assert await asyncio.wait_for(replies.get(), 5) == closed
    finally:
        await client.eio.disconnect(abort=True)
    tracker = await agent.tracker_store.retrieve("web-1")
    assert tracker.get_slot("handoff_active") is None
    # Handed back: staff can no longer write into it.
    assert await _post(url, {"conversation_id": "web-1", "text": "还在吗"}) == 409


async def test_refused_without_the_token_for_unknown_or_not_handed_off_conversations(relay):
    url, agent = relay
    await _conversation(agent)
    await _conversation(agent, handed_off=False, sender="web-2")
    assert await _post(url, {"conversation_id": "web-1", "text": "hi"}, token="guess") == 401
    assert await _post(url, {"conversation_id": "nobody", "text": "hi"}) == 404
    assert await _post(url, {"conversation_id": "web-2", "text": "hi"}) == 409
    assert await _post(url, {"conversation_id": ["web-1"], "text": "hi"}) == 400
    tracker = await agent.tracker_store.retrieve("web-1")
    assert [e.type_name for e in tracker.events] == ["user", "slot"]
