"""Fixtures for tests that talk to the real servers (end-to-end and browser). One set of servers is started for the
whole session on free loopback ports, against a throw-away hospital database, and
stopped afterwards — nothing outlives the tests."""
from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any, Dict, List

import pytest

from scripts.serve import Assistant, free_port, latest_model
from tests.wechat_fake import FakeWeChatApi, wechat_env


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
