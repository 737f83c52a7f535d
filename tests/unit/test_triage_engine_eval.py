"""The evaluation cases (tests/triage/cases.yml) meet the targets, and scripts/eval_triage.py
works in both modes (--rest against a stand-in assistant on localhost)."""

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from actions.triage import answers as triage_answers
from actions.triage import flow
from actions.triage import questions
from actions.triage import state as triage_state
from actions.triage import steps

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import eval_triage  # noqa: E402


@pytest.fixture(scope="module")
def results():
    return [eval_triage.play_engine(case) for case in eval_triage.load_cases()]


def test_case_file_is_big_enough():
    cases = eval_triage.load_cases()
    assert len(cases) >= 200
    assert sum(c.urgency == "emergency" for c in cases) >= 40
    assert sum(c.id.startswith(("l", "hl", "gl")) for c in cases) >= 20
    assert len({c.id for c in cases}) == len(cases)
    for c in cases:
        assert c.departments is None or set(c.departments) <= set(triage_state.DEPARTMENTS), c.id
        assert c.urgency in triage_state.URGENCIES, c.id
        assert set(c.answers) <= set(questions.load_knowledge().questions) | {"clarify"}, c.id


def test_targets(results):
    m = eval_triage.metrics(results)
    assert m["emergency_recall"] == 1.0, [
        r.case.id for r in results if r.case.urgency == "emergency" and r.urgency != "emergency"
    ]
    assert m["false_emergency_rate"] <= 0.05
    assert m["department_top1"] >= 0.85
    assert m["urgency"] >= 0.85
    assert m["max_questions"] <= triage_state.MAX_QUESTIONS


def test_no_question_is_repeated(results):
    for r in results:
        asked = [q for q in r.questions if q != "clarify"]
        assert len(asked) == len(set(asked)), r.case.id
        assert len([q for q in asked if q != "q_sex"]) <= triage_state.MAX_QUESTIONS, r.case.id


def test_exit_code_reflects_emergency_recall(tmp_path, capsys):
    assert eval_triage.main(["--only", "d001", "r001", "l001"]) == 0
    missed = tmp_path / "cases.yml"
    missed.write_text("cases:\n  - {id: x1, text: 嗓子疼, department: 急诊科, urgency: emergency}\n", encoding="utf-8")
    assert eval_triage.main(["--cases", str(missed)]) == 1
    assert "MISSED EMERGENCIES: x1" in capsys.readouterr().out


# ── --rest mode against a stand-in assistant ──────────────────────────────────


class _FakeAssistant(BaseHTTPRequestHandler):
    """Speaks the REST channel the way the assistant will: questions as text with
    buttons, the outcome as a custom {"triage": …} payload."""

    states = {}

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        sender, message = body["sender"], body["message"]
        state = self.states.get(sender)
        if state is None:
            state = flow.update(triage_state.start(), message)
        else:
            m = re.match(r"/triage_answer(\{.*\})$", message)
            if m:
                data = json.loads(m.group(1))
                state = triage_answers.answer(state, data["question"], data["value"])
            else:
                state = flow.update(state, message)
        state, step = flow.advance(state)
        self.states[sender] = state
        if isinstance(step, steps.Question):
            buttons = [
                {
                    "title": b["title"],
                    "payload": "/triage_answer" + json.dumps({"question": step.id, "value": b["value"]}),
                }
                for b in step.buttons
            ]
            reply = [{"recipient_id": sender, "text": step.text, "buttons": buttons}]
        else:
            reply = [{"recipient_id": sender, "text": step.reason}, {"recipient_id": sender, "custom": step.payload()}]
        data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture()
def fake_assistant():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeAssistant)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rest_mode_plays_cases_through_the_channel(fake_assistant):
    client, texts = eval_triage.RestClient(fake_assistant, timeout=10), eval_triage._question_texts()
    ids = ["d043", "r040", "d027", "u001", "r001"]
    cases = [c for c in eval_triage.load_cases() if c.id in ids]
    for case in cases:
        via_rest = eval_triage.play_rest(case, client, texts)
        local = eval_triage.play_engine(case)
        assert via_rest.error is None or case.departments is None, via_rest.transcript
        assert (via_rest.department, via_rest.urgency) == (local.department, local.urgency), case.id
        assert via_rest.questions == local.questions, case.id


def test_rest_mode_reports_an_unreachable_server():
    assert eval_triage.main(["--rest", "http://127.0.0.1:9", "--only", "d001"]) == 2


def test_over_rest_a_question_is_known_by_its_why_when_two_share_a_text():
    texts = eval_triage._question_texts()
    for qid in ("q_chest_crushing", "q_shoulder_cardiac"):
        assert eval_triage.identify_question([{"text": texts[qid]}], texts)[0] == qid
