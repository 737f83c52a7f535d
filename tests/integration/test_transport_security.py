"""The servers as started for real (scripts/serve.py): only Rasa can run actions, no
secret on a command line, and only the page's origin gets in from a browser."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from tests.servers import texts

FOREIGN = "https://evil.example"
CARD = "1000003"  # 王秀英, potassium 6.8


def _request(
    url: str, body: Optional[dict] = None, headers: Optional[Dict[str, str]] = None, method: Optional[str] = None
) -> Tuple[int, Dict[str, str], str]:
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read().decode("utf-8", "replace")


def _forged_reports_call(card: str = CARD) -> dict:
    tracker = {
        "sender_id": "attacker",
        "slots": {"verified_card": card},
        "latest_message": {"text": "我的报告", "intent": {"name": "check_report"}, "entities": []},
        "events": [{"event": "user", "text": "我的报告", "parse_data": {"intent": {"name": "check_report"}}}],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {
        "next_action": "action_show_reports",
        "sender_id": "attacker",
        "tracker": tracker,
        "domain": {},
        "version": "3.6.21",
    }


def _webhook(assistant) -> str:
    return f"http://127.0.0.1:{assistant.action_port}/webhook"


@pytest.mark.parametrize("secret", [None, "wrong", "Bearer wrong"])
def test_a_forged_action_call_gets_no_patient_data(assistant, secret):
    headers = {"Authorization": secret} if secret else {}
    status, _, body = _request(_webhook(assistant), _forged_reports_call(), headers)
    assert status == 401
    assert "报告" not in body and CARD not in body


def test_even_with_the_secret_a_malformed_card_is_refused(assistant):
    headers = {"Authorization": f"Bearer {assistant.action_token}"}
    status, _, body = _request(_webhook(assistant), _forged_reports_call("1000003' OR '1'='1"), headers)
    assert status == 400
    assert "报告" not in body


def test_action_server_health_stays_open(assistant):
    status, _, _ = _request(f"http://127.0.0.1:{assistant.action_port}/health")
    assert status == 200


def test_rasas_own_action_calls_still_work(chat):
    """Identity then reports: every step is a custom action Rasa calls with the secret."""
    assert "就诊卡号" in texts(chat.say("我前天抽的血结果出了没"))
    assert "手机号" in texts(chat.say(CARD))
    assert "报告" in texts(chat.say("7832"))
    assert chat.tracker()["slots"]["verified_card"] == CARD


def _session_processes(assistant) -> List[int]:
    """Every process the servers run (each server has a session of its own)."""
    sessions = {process.pid for process in assistant.processes.values()}
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) in sessions:
                    found.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return found


def test_no_secret_on_any_command_line(assistant):
    processes = _session_processes(assistant)
    assert len(processes) >= 3  # actions, rasa, web
    for pid in processes:
        try:
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            continue
        assert assistant.token not in command_line
        assert assistant.action_token not in command_line
        assert assistant.staff_password not in command_line


def test_each_secret_goes_only_where_it_is_needed(assistant):
    actions_env = Path(f"/proc/{assistant.processes['actions'].pid}/environ").read_bytes()
    web_env = Path(f"/proc/{assistant.processes['web'].pid}/environ").read_bytes()
    assert assistant.token.encode() not in actions_env + web_env
    assert assistant.action_token.encode() not in web_env
    rasa_env = Path(f"/proc/{assistant.processes['rasa'].pid}/environ").read_bytes()
    # The staff console's password: the page's server only.
    assert assistant.staff_password.encode() not in actions_env + rasa_env
    assert assistant.staff_password.encode() in web_env


def _listening(port: int) -> List[str]:
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                addresses.append(address)
    return addresses


def test_action_server_and_rasa_listen_on_loopback_only(assistant):
    for port in (assistant.action_port, assistant.rasa_port):
        assert _listening(port) == ["0100007F"], port  # 127.0.0.1, and nothing else


def _page_origin(assistant) -> str:
    return assistant.web_url.rstrip("/")


def test_a_foreign_web_site_gets_no_cors_permission(assistant):
    url = f"{assistant.rasa_url}/webhooks/rest/webhook"
    for origin, allowed in ((FOREIGN, None), (_page_origin(assistant), _page_origin(assistant))):
        _, headers, _ = _request(url, {"sender": "cors-check", "message": "你好"}, {"Origin": origin})
        assert headers.get("Access-Control-Allow-Origin") == allowed, origin
        _, headers, _ = _request(
            url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}, method="OPTIONS"
        )
        assert headers.get("Access-Control-Allow-Origin") == allowed, origin


def test_a_foreign_web_site_cannot_open_a_socket(assistant):
    url = f"{assistant.rasa_url}/socket.io/?EIO=4&transport=polling"
    status, headers, _ = _request(url, headers={"Origin": FOREIGN})
    assert status == 400 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = _request(url, headers={"Origin": _page_origin(assistant)})
    assert status == 200
    assert headers.get("Access-Control-Allow-Origin") == _page_origin(assistant)
