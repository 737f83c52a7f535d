"""Our socketio channel (channels/socketio.py) mounted the way `rasa run` mounts it, with
an echoing agent: replies reach the session's room with python-socketio >= 5.10
(Rasa's own channel loses them, RasaHQ/rasa#13027), and only the page's origins connect."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio
from rasa.core.channels.channel import UserMessage, register
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Sanic

from channels.origins import ORIGINS_ENV, web_origins
from channels.socketio import SocketIOInput
from tests.servers import serve_on_loopback

PAGE = "http://127.0.0.1:8080"


async def _serve(channel_class):
    channel = channel_class(session_persistence=True)
    app = Sanic(f"socketio_test_{uuid.uuid4().hex[:8]}", configure_logging=False)

    class EchoAgent:
        async def handle_message(self, message: UserMessage) -> None:
            await message.output_channel.send_text_message(message.sender_id, f"echo {message.text}")

    app.ctx.agent = EchoAgent()
    register([channel], app, route="/webhooks/")
    return await serve_on_loopback(app)


async def _hang_up(client: socketio.AsyncClient) -> None:
    # Without abort the polling client waits for its pending long poll (about 30 s).
    await client.eio.disconnect(abort=True)


async def _talk(url: str, origin: str = PAGE, session_id: str = "web-session-1", wait: float = 5) -> str:
    replies: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient()
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    await client.connect(url, transports=["polling"], headers={"Origin": origin})
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.sleep(0.2)
        await client.emit("user_uttered", {"message": "你好", "session_id": session_id})
        return (await asyncio.wait_for(replies.get(), wait))["text"]
    finally:
        await _hang_up(client)


@pytest.fixture
async def served(monkeypatch):
    monkeypatch.delenv(ORIGINS_ENV, raising=False)
    monkeypatch.setattr(Sanic, "test_mode", True)  # several apps in one process
    running = []

    async def serve(channel_class=SocketIOInput):
        server, url = await _serve(channel_class)
        running.append(server)
        return url

    yield serve
    for server in running:
        server.close()
        await server.wait_closed()


async def test_replies_reach_the_session_with_session_persistence(served):
    assert await _talk(await served()) == "echo 你好"


@pytest.mark.filterwarnings("ignore:coroutine 'AsyncServer.enter_room' was never awaited")
async def test_rasas_own_channel_loses_them_with_this_python_socketio(served):
    """Why channels/socketio.py exists; when this fails, Rasa's channel works again."""
    with pytest.raises(asyncio.TimeoutError):
        await _talk(await served(RasaSocketIOInput), wait=2)


async def test_a_foreign_web_site_cannot_connect(served):
    url = await served()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await _talk(url, origin="https://evil.example")


async def test_an_odd_session_id_gets_a_fresh_one(served):
    url = await served()
    confirmed: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient()
    client.on("session_confirm", lambda data: confirmed.put_nowait(data))
    await client.connect(url, transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": {"$gt": ""}})
        fresh = await asyncio.wait_for(confirmed.get(), 5)
        assert isinstance(fresh, str) and len(fresh) == 32
    finally:
        await _hang_up(client)


def test_origins_default_to_the_page_and_refuse_a_wildcard(monkeypatch):
    monkeypatch.delenv(ORIGINS_ENV, raising=False)
    assert PAGE in web_origins()
    monkeypatch.setenv(ORIGINS_ENV, " https://chat.hospital.example/ , http://10.0.0.5:8080")
    assert web_origins() == ["https://chat.hospital.example", "http://10.0.0.5:8080"]
    monkeypatch.setenv(ORIGINS_ENV, "*")
    with pytest.raises(ValueError):
        web_origins()
