"""scripts/rasa_speedups.py: the action server's answers are checked as Rasa checks
them, without checking Rasa's schema again on every call."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction

from scripts import rasa_speedups

VALID = {
    "events": [
        {"event": "slot", "name": "requested_slot", "value": "date"},
        {"event": "active_loop", "name": "booking_form"},
    ],
    "responses": [{"response": "utter_ask_date"}],
}


@pytest.fixture
def action(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    rasa_speedups._action_result_validator.cache_clear()
    rasa_speedups.install()
    return RemoteAction("validate_booking_form", None)


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
