"""The action server answers Rasa only, refuses malformed trackers, and never echoes or
logs the request when an action fails (actions/server.py on rasa-sdk's app)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import types
import zlib
from typing import Any, Dict, Optional

import aiohttp
import pytest
from rasa_sdk import Action
from sanic import Sanic

from actions.server import create_app
from language.knowledge_files import PROJECT_ROOT as ROOT
from tests.servers import serve_on_loopback

TOKEN = "s3cret-token-for-tests"
CARD = "1000003"
PHONE = "13800007832"


class ActionEchoCard(Action):
    def name(self) -> str:
        return "action_echo_card"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=f"card {tracker.get_slot('verified_card')}")
        return []


class ActionFails(Action):
    def name(self) -> str:
        return "action_fails"

    async def run(self, dispatcher, tracker, domain):
        raise KeyError(f"patient {tracker.get_slot('verified_card')} phone {PHONE}")


TEST_ACTIONS = types.ModuleType("test_actions")
TEST_ACTIONS.ActionEchoCard = ActionEchoCard
TEST_ACTIONS.ActionFails = ActionFails


def action_call(action: str, sender: Any = "web-abc123", **slots: Any) -> Dict[str, Any]:
    tracker = {
        "sender_id": sender,
        "slots": {"verified_card": CARD, **slots},
        "latest_message": {"text": "我的报告", "intent": {"name": "check_report"}, "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {"next_action": action, "sender_id": sender, "tracker": tracker, "domain": {}, "version": "3.6.21"}


@pytest.fixture
async def server(monkeypatch):
    """The app on a free loopback port; yields a `post(path, body, token)` helper."""
    monkeypatch.setattr(Sanic, "test_mode", True)  # a new rasa_sdk app per test
    app = create_app(TOKEN, TEST_ACTIONS)
    running, base = await serve_on_loopback(app)

    async def call(
        method: str,
        path: str,
        body: Any = None,
        token: Optional[str] = TOKEN,
        headers: Optional[Dict[str, str]] = None,
        data: Optional[bytes] = None,
    ):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with aiohttp.ClientSession() as session:
            async with session.request(method, base + path, json=body, data=data, headers=headers) as answer:
                return answer.status, await answer.text()

    yield call
    running.close()
    await running.wait_closed()


async def test_health_is_open(server):
    status, _ = await server("GET", "/health", token=None)
    assert status == 200


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x", TOKEN[:-1]])
async def test_webhook_and_action_list_need_rasas_secret(server, token):
    status, body = await server("POST", "/webhook", action_call("action_echo_card"), token=token)
    assert status == 401
    assert CARD not in body
    status, _ = await server("GET", "/actions", token=token)
    assert status == 401


async def test_the_token_must_be_sent_as_a_bearer_header(server):
    status, _ = await server(
        "POST", f"/webhook?token={TOKEN}", action_call("action_echo_card"), token=None, headers={"Authorization": TOKEN}
    )
    assert status == 401


async def test_rasa_with_the_secret_runs_actions(server):
    status, body = await server("POST", "/webhook", action_call("action_echo_card"))
    assert status == 200
    assert json.loads(body)["responses"][0]["text"] == f"card {CARD}"
    status, body = await server("GET", "/actions")
    assert {"name": "action_echo_card"} in json.loads(body)


async def test_compressed_calls_are_checked_too(server):
    # Rasa deflates action calls when COMPRESS_ACTION_SERVER_REQUEST is set.
    forged = zlib.compress(json.dumps(action_call("action_echo_card", verified_card="1000003 OR 1=1")).encode())
    status, _ = await server("POST", "/webhook", data=forged, headers={"Content-Encoding": "deflate"})
    assert status == 400
    fine = zlib.compress(json.dumps(action_call("action_echo_card")).encode())
    status, _ = await server("POST", "/webhook", data=fine, headers={"Content-Encoding": "deflate"})
    assert status == 200


@pytest.mark.parametrize(
    "change",
    [
        {"verified_card": 1000003},
        {"verified_card": "100000"},
        {"verified_card": "10000033"},
        {"verified_card": ["1000003"]},
        {"verified_card": "１０００００３"},  # full-width digits
        {"card_no": {"$ne": None}},
        {"booking_confirmed": "yes"},
        {"booking_mode": "delete"},
        {"appointment_no": "A" * 500},
    ],
)
async def test_a_malformed_slot_is_refused_before_the_action_runs(server, change):
    status, body = await server("POST", "/webhook", action_call("action_echo_card", **change))
    assert status == 400
    answer = json.loads(body)
    assert answer["action_name"] == "action_echo_card"  # Rasa needs it to read a 400
    assert "card " not in body


@pytest.mark.parametrize("sender", [None, 42, "", "x\n2026 INFO forged log line", "x" * 1000])
async def test_a_malformed_sender_is_refused(server, sender):
    status, _ = await server("POST", "/webhook", action_call("action_echo_card", sender=sender))
    assert status == 400


async def test_body_that_is_not_json_is_refused(server):
    status, _ = await server("POST", "/webhook", data=b"{not json", headers={"Content-Type": "application/json"})
    assert status == 400


async def test_a_failing_action_answers_an_error_id_and_leaks_nothing(server, caplog):
    caplog.set_level(logging.DEBUG)
    status, body = await server("POST", "/webhook", action_call("action_fails"))
    assert status == 500
    answer = json.loads(body)
    assert answer["error"] == "internal error" and answer["error_id"]
    assert CARD not in body and PHONE not in body and "tracker" not in body
    logged = "\n".join(record.getMessage() + str(record.exc_info or "") for record in caplog.records)
    assert answer["error_id"] in logged and "action_fails" in logged and "KeyError" in logged
    assert CARD not in logged and PHONE not in logged


async def test_an_empty_token_is_refused_at_start():
    with pytest.raises(ValueError):
        create_app("", TEST_ACTIONS)


def test_the_server_will_not_start_without_rasas_secret(monkeypatch):
    from actions import server

    monkeypatch.delenv(server.TOKEN_ENV, raising=False)
    monkeypatch.setattr(server, "create_app", lambda *a, **k: pytest.fail("started without a secret"))
    with pytest.raises(SystemExit):
        server.main(["--port", "0"])


def test_every_action_loads_without_tensorflow():
    # The server starts without TensorFlow (actions/server.py): an action that imports a
    # Rasa component would stop it from starting at all.
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from rasa_sdk.executor import ActionExecutor\n"
        "executor = ActionExecutor(); executor.register_package('actions')\n"
        "assert 'action_answer_faq' in executor.actions and 'validate_triage_form' in executor.actions\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, timeout=120)
