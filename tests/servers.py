"""Fixtures for tests that talk to the real servers (end-to-end and browser). One set of servers is started for the
whole session on free loopback ports, against a throw-away hospital database, and
stopped afterwards — nothing outlives the tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import urllib.request
import uuid
from typing import Any, Dict, List, Tuple

import pytest
import socketio

from scripts.serve import Assistant, free_port, latest_model
from tests.wechat_fake import FakeWeChatApi, wechat_env


async def serve_on_loopback(app) -> Tuple[Any, str]:
    """A Sanic app serving in this event loop on a free loopback port: (server, base URL).
    Sanic reads port=0 as its default 8000, so two test runs at once would collide; a socket
    bound here gets a port of its own."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    await server.startup()
    await server.start_serving()
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="session")
def wechat_api() -> FakeWeChatApi:
    """WeChat's API (access token, customer-service messages) for the WeChat channel."""
    api = FakeWeChatApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, wechat_api) -> Assistant:
    database = tmp_path_factory.mktemp("hospital") / "hospital.db"
    servers = Assistant(
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        database_url=f"sqlite:///{database}",
        tracker_db_url=f"sqlite:///{database.parent / 'chats.db'}",
        model=latest_model(),
        extra_env=wechat_env(wechat_api.base_url),
    )
    with servers:
        yield servers


class RestChat:
    """A patient talking through the REST channel."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> List[Dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.assistant.rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": self.sender, "message": text}).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode("utf-8"))

    def tracker(self) -> Dict[str, Any]:
        url = f"{self.assistant.rasa_url}/conversations/{self.sender}/tracker?token={self.assistant.token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


@pytest.fixture
def chat(assistant) -> RestChat:
    return RestChat(assistant)


class PageSocket:
    """A socket.io client as the web page opens it, in one session."""

    def __init__(self, client: socketio.AsyncClient, replies: asyncio.Queue, session_id: str, confirmed: Any):
        self.client, self.replies, self.session_id, self.confirmed = client, replies, session_id, confirmed

    async def say(self, text: str, **extra: Any) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id, **extra})

    async def reply(self, timeout: float = 30) -> Dict[str, Any]:
        return await asyncio.wait_for(self.replies.get(), timeout)


@contextlib.asynccontextmanager
async def page_socket(assistant: Assistant, session_id: str):
    replies: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient()
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    client.on("session_confirm", lambda data: confirmed.put_nowait(data))
    # Polling: python-engineio's websocket client does not work with the aiohttp Rasa
    # pins (the browser tests cover websockets).
    await client.connect(assistant.rasa_url, transports=["polling"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        yield PageSocket(client, replies, session_id, await asyncio.wait_for(confirmed.get(), 10))
    finally:
        await hang_up(client)


async def hang_up(client: socketio.AsyncClient) -> None:
    """Close a polling connection without waiting for its pending long poll, which the
    server answers only at its next ping (25 s); the server gets the close packet."""
    await client.eio.disconnect(abort=True)
