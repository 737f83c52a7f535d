"""How the servers are started: secrets never on a command line, never option-like."""

from __future__ import annotations

import secrets

import pytest
import yaml
from rasa.shared.core.domain import Domain

from scripts import serve
from scripts.rasa_server import rasa_argv


def test_a_new_token_never_starts_with_a_dash(monkeypatch):
    # 0xfb… is what makes secrets.token_urlsafe start with "-" (1 start in 64).
    monkeypatch.setattr(secrets, "token_bytes", lambda n=None: b"\xfb" * (n or 32))
    token = serve.new_token()
    assert not token.startswith("-")
    assert len(token) >= 32


def test_rasa_gets_the_token_inside_the_process_in_one_piece():
    argv = rasa_argv(["--port", "5005"], "-starts-with-a-dash", ["http://127.0.0.1:8080"])
    assert "--auth-token=-starts-with-a-dash" in argv
    assert argv[argv.index("--cors") + 1 :] == ["http://127.0.0.1:8080"]
    assert "*" not in argv


@pytest.mark.parametrize("args", [["--auth-token", "x"], ["--auth-token=x"], ["--cors", "*"]])
def test_the_token_and_cors_cannot_be_given_on_the_command_line(args):
    with pytest.raises(SystemExit):
        rasa_argv(args, "token", ["http://127.0.0.1:8080"])


def test_rasa_will_not_start_without_a_token():
    with pytest.raises(SystemExit):
        rasa_argv([], "", ["http://127.0.0.1:8080"])


def test_xiaoan_model_picks_the_model_to_serve(monkeypatch, tmp_path):
    # A project of its own: a fresh clone has no trained model when unit tests run.
    (tmp_path / "models").mkdir()
    newest = tmp_path / "models" / "xiaoan.tar.gz"
    newest.write_bytes(b"")
    variant = tmp_path / "variant.tar.gz"
    variant.write_bytes(b"")
    monkeypatch.setattr(serve, "ROOT", tmp_path)
    monkeypatch.setenv(serve.MODEL_ENV, str(variant))
    assert serve.latest_model() == variant.resolve()
    monkeypatch.delenv(serve.MODEL_ENV)
    assert serve.latest_model() == newest


def test_a_run_uses_endpoints_yml_with_its_own_action_port():
    text = serve.run_endpoints(6123)
    assert "http://127.0.0.1:6123/webhook" in text and serve.DEFAULT_ACTION_URL not in text
    assert yaml.safe_load(text)["action_endpoint"]["enable_selective_domain"] is True


def test_every_action_that_reads_the_domain_is_sent_it():
    """With selective domain on, an action gets the domain only if domain.yml marks it:
    every form validation reads its required slots from it."""
    from rasa_sdk import FormValidationAction
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    validations = {
        name
        for name, run in executor.actions.items()
        if isinstance(getattr(run, "__self__", None), FormValidationAction)
    }
    domain = Domain.load(str(serve.ROOT / "domain.yml"))
    assert {"validate_booking_form", "validate_verify_form"} <= validations
    assert all(domain.does_custom_action_explicitly_need_domain(name) for name in validations)
