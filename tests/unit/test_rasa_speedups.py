"""scripts/rasa_speedups.py: the action server's answers are checked as Rasa checks
them, without checking Rasa's schema again on every call; requests to an endpoint
reuse their connections."""

from __future__ import annotations

import json
import sys

import pytest
from aiohttp import web
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from scripts import rasa_speedups
from scripts.serve import free_port

VALID = {
    "events": [
        {"event": "slot", "name": "requested_slot", "value": "date"},
        {"event": "active_loop", "name": "booking_form"},
    ],
    "responses": [{"response": "utter_ask_date"}],
}


def test_the_worker_threads_wait_less_for_the_event_loop(action):
    assert (
        sys.getswitchinterval() == pytest.approx(rasa_speedups.SWITCH_INTERVAL)
        and rasa_speedups.SWITCH_INTERVAL < 0.005
    )


@pytest.fixture
def action(monkeypatch):
    interval = sys.getswitchinterval()
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    rasa_speedups._action_result_validator.cache_clear()
    rasa_speedups.install()
    yield RemoteAction("validate_booking_form", None)
    sys.setswitchinterval(interval)


def test_the_schema_is_checked_once_not_on_every_answer(action, monkeypatch):
    cls = validators.validator_for(RemoteAction.action_response_format_spec())
    checks = []
    original = cls.check_schema
    monkeypatch.setattr(
        cls, "check_schema", classmethod(lambda c, schema, **kw: checks.append(1) or original(schema, **kw))
    )
    for _ in range(3):
        assert action._validate_action_result(VALID) is True
    assert len(checks) == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"events": "not a list"},
        {"events": [{"event": "slot", "name": 5}]},
        {"responses": "utter_greet"},
    ],
)
def test_an_invalid_answer_is_refused_with_rasas_error(action, answer):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(answer)


def test_valid_answers_pass_as_before(action):
    assert action._validate_action_result(VALID) is True
    assert action._validate_action_result({}) is True


async def test_requests_to_an_endpoint_share_one_connection_and_send_the_same_json(action):
    connections, bodies = set(), []

    async def webhook(request: web.Request) -> web.Response:
        connections.add(request.transport.get_extra_info("peername"))
        bodies.append(json.loads(await request.read()))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"Authorization": "Bearer x"})
        sent = {"next_action": "action_triage", "tracker": {"events": [{"text": "头疼/发烧", "t": 1.5}]}}
        for _ in range(3):
            assert await endpoint.request(json=sent, method="post") == {"events": [], "responses": []}
    finally:
        await runner.cleanup()
    assert bodies == [sent] * 3
    assert len(connections) == 1
