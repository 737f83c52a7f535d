#!/usr/bin/env python
"""Play every case of tests/triage/cases.yml through the triage and score it.

    python scripts/eval_triage.py                       # the engine, in process
    python scripts/eval_triage.py --set holdout -v      # one set, list the misses
    python scripts/eval_triage.py --rest http://localhost:5005   # the running assistant

Follow-up questions are answered from the case (`answers` by question id, otherwise
the case's `default`, otherwise "no"). In --rest mode every case is a new sender: the
first message is POSTed to {URL}/webhooks/rest/webhook, questions are recognised by a
`triage_question` custom payload, a question id in a button payload, or their text, and
answered with the matching button's payload (or the reply text); the outcome is the
custom payload {"triage": {"department", "urgency", "reason"}}.

Prints department top-1 accuracy, urgency accuracy, emergency recall, false-emergency
rate, questions asked per case and time per case. Exit code 1 if emergency recall is
below 100% (2 if the cases cannot be loaded or the server cannot be reached).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from language.knowledge_files import read_yaml  # noqa: E402

CASES_PATH = ROOT / "tests" / "triage" / "cases.yml"
MAX_TURNS = 12


@dataclass
class Case:
    id: str
    text: str
    departments: Optional[List[str]]  # None: no department should be guessed
    urgency: str
    answers: Dict[str, str] = field(default_factory=dict)
    default: str = "no"
    set: str = "dev"


@dataclass
class Result:
    case: Case
    department: Optional[str]
    urgency: Optional[str]
    questions: List[str]
    seconds: float
    transcript: List[str] = field(default_factory=list)
    error: Optional[str] = None

    @property
    def department_ok(self) -> bool:
        if self.case.departments is None:
            return self.department is None
        return self.department in self.case.departments

    @property
    def urgency_ok(self) -> bool:
        return self.urgency == self.case.urgency


def _reply_text(value: Any) -> str:
    """YAML reads a bare yes/no as a boolean."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def load_cases(path: Path = CASES_PATH, which: str = "all") -> List[Case]:
    data = read_yaml(path)
    cases = []
    for raw in data["cases"]:
        dept = raw.get("department")
        case = Case(
            id=raw["id"],
            text=str(raw["text"]),
            departments=None if dept is None else ([dept] if isinstance(dept, str) else list(dept)),
            urgency=raw["urgency"],
            answers={k: _reply_text(v) for k, v in (raw.get("answers") or {}).items()},
            default=_reply_text(raw.get("default", "no")),
            set=raw.get("set", "dev"),
        )
        if which in ("all", case.set):
            cases.append(case)
    return cases


def reply_for(case: Case, question_id: str) -> str:
    return case.answers.get(question_id, case.default)


# ── In-process engine ─────────────────────────────────────────────────────────


def play_engine(case: Case) -> Result:
    from actions.triage import answers as triage_answers
    from actions.triage import flow
    from actions.triage import state as triage_state
    from actions.triage import steps

    started = time.perf_counter()
    transcript = [f"患者：{case.text}"]
    state = flow.update(triage_state.start(), case.text)
    asked: List[str] = []
    for _ in range(MAX_TURNS):
        state, step = flow.advance(state)
        if isinstance(step, steps.Outcome):
            transcript.append(f"结果：{step.department} / {step.urgency} — {step.reason}")
            return Result(case, step.department, step.urgency, asked, time.perf_counter() - started, transcript)
        asked.append(step.id)
        reply = reply_for(case, step.id)
        transcript += [f"小安[{step.id}]：{step.text}", f"患者：{reply}"]
        state = triage_answers.answer(state, step.id, reply)
    return Result(case, None, None, asked, time.perf_counter() - started, transcript, error="no outcome")


# ── The running assistant, over the REST channel ──────────────────────────────


class RestClient:
    def __init__(self, base_url: str, timeout: float = 30.0):
        self.url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.timeout = timeout

    def send(self, sender: str, message: str) -> List[Dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": message}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read().decode("utf-8") or "[]")


def _question_texts() -> Dict[str, str]:
    """Every triage question's text by id, the "which department fits?" one included, so the
    patient answers the same questions over REST as in process."""
    from actions.triage.state import CHOOSE_ID

    data = read_yaml(ROOT / "data" / "knowledge" / "triage_questions.yml")
    dialogue = read_yaml(ROOT / "data" / "triage" / "dialogue.yml")
    # Two questions may share a text (q_chest_crushing, q_shoulder_cardiac); their "why" lines,
    # said with them, tell them apart.
    texts = {q["id"]: "\n".join(filter(None, (q["text"], q.get("why")))) for q in data["questions"]}
    return {**texts, CHOOSE_ID: dialogue["choose_question"]["text"]}


def _options(question_id: str) -> List[Dict[str, str]]:
    from actions.triage import questions

    q = questions.load_knowledge().questions.get(question_id)
    return [{"title": o.title, "value": o.value} for o in q.options] if q else []


def find_outcome(messages: Iterable[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The outcome in the assistant's replies. Custom JSON arrives under "data" (see
    actions.common.custom_payload); an emergency reply counts as an emergency outcome."""
    for message in messages:
        custom = message.get("custom")
        if not isinstance(custom, dict):
            continue
        body = custom.get("data") if isinstance(custom.get("data"), dict) else custom
        if isinstance(body.get("triage"), dict):
            return body["triage"]
        if isinstance(body.get("emergency"), dict):
            return {"department": "急诊科", "urgency": "emergency", "reason": body["emergency"].get("title")}
    return None


def identify_question(
    messages: Sequence[Dict[str, Any]], texts: Dict[str, str]
) -> Tuple[Optional[str], List[Dict[str, Any]]]:
    """(question id, buttons) of the last question among the bot's messages."""
    question_id: Optional[str] = None
    buttons: List[Dict[str, Any]] = []
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("triage_question"), dict):
            question_id = custom["triage_question"].get("id") or question_id
            buttons = custom["triage_question"].get("buttons") or buttons
        if message.get("buttons"):
            buttons = message["buttons"]
            for button in buttons:
                m = re.search(r'"(?:question|question_id)"\s*:\s*"([\w]+)"', str(button.get("payload", "")))
                if m:
                    question_id = m.group(1)
        text = message.get("text") or ""
        said = [qid for qid, qtext in texts.items() if qtext and qtext.split("\n")[0] in text]
        question_id = next((qid for qid in said if texts[qid] in text), said[0] if said else question_id)
        if question_id is None and buttons and re.search(r"多了解一点|没听明白|哪里不舒服", text):
            question_id = "clarify"
    return question_id, buttons


def choose_message(question_id: str, reply: str, buttons: Sequence[Dict[str, Any]]) -> str:
    """The payload of the button that stands for `reply`, else the reply itself."""
    wanted_titles = {o["title"] for o in _options(question_id) if o["value"] == reply} | {reply}
    for button in buttons:
        payload = str(button.get("payload", ""))
        if button.get("title") in wanted_titles:
            return payload or button["title"]
        if re.search(r'"value"\s*:\s*"%s"' % re.escape(reply), payload):
            return payload
    return reply


def play_rest(case: Case, client: RestClient, texts: Dict[str, str]) -> Result:
    started = time.perf_counter()
    sender = f"eval-{case.id}-{uuid.uuid4().hex[:8]}"
    transcript = [f"患者：{case.text}"]
    asked: List[str] = []
    try:
        messages = client.send(sender, case.text)
        for _ in range(MAX_TURNS):
            transcript += [
                f"小安：{m.get('text') or json.dumps(m.get('custom'), ensure_ascii=False)}" for m in messages
            ]
            outcome = find_outcome(messages)
            if outcome:
                return Result(
                    case,
                    outcome.get("department"),
                    outcome.get("urgency"),
                    asked,
                    time.perf_counter() - started,
                    transcript,
                )
            question_id, buttons = identify_question(messages, texts)
            if question_id is None:
                break
            asked.append(question_id)
            reply = reply_for(case, question_id)
            outgoing = choose_message(question_id, reply, buttons)
            transcript.append(f"患者：{outgoing}")
            messages = client.send(sender, outgoing)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Result(case, None, None, asked, time.perf_counter() - started, transcript, error=str(exc))
    return Result(case, None, None, asked, time.perf_counter() - started, transcript, error="no triage outcome")


# ── Report ────────────────────────────────────────────────────────────────────


def _pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:5.1f}% ({num}/{den})" if den else "   n/a"


def metrics(results: Sequence[Result]) -> Dict[str, Any]:
    n = len(results)
    emergencies = [r for r in results if r.case.urgency == "emergency"]
    others = [r for r in results if r.case.urgency != "emergency"]
    routed = [r for r in results if r.case.departments is not None]
    return {
        "cases": n,
        "department_top1": sum(r.department_ok for r in results) / n if n else 0.0,
        "department_top1_routed": sum(r.department_ok for r in routed) / len(routed) if routed else 0.0,
        "urgency": sum(r.urgency_ok for r in results) / n if n else 0.0,
        "emergency_recall": (sum(r.urgency == "emergency" for r in emergencies) / len(emergencies))
        if emergencies
        else 1.0,
        "false_emergency_rate": (sum(r.urgency == "emergency" for r in others) / len(others)) if others else 0.0,
        "avg_questions": sum(len([q for q in r.questions if q != "clarify"]) for r in results) / n if n else 0.0,
        "max_questions": max((len([q for q in r.questions if q != "clarify"]) for r in results), default=0),
        "ms_per_case": 1000 * sum(r.seconds for r in results) / n if n else 0.0,
        "errors": sum(1 for r in results if r.error),
        "_counts": {
            "department": (sum(r.department_ok for r in results), n),
            "urgency": (sum(r.urgency_ok for r in results), n),
            "recall": (sum(r.urgency == "emergency" for r in emergencies), len(emergencies)),
            "false": (sum(r.urgency == "emergency" for r in others), len(others)),
        },
    }


def report(title: str, results: Sequence[Result]) -> Dict[str, Any]:
    m = metrics(results)
    c = m["_counts"]
    print(f"\n== {title}: {m['cases']} cases ==")
    print(f"department top-1      {_pct(*c['department'])}")
    print(f"urgency               {_pct(*c['urgency'])}")
    print(f"emergency recall      {_pct(*c['recall'])}")
    print(f"false-emergency rate  {_pct(*c['false'])}")
    print(f"questions per case    {m['avg_questions']:.2f} (max {m['max_questions']})")
    print(f"time per case         {m['ms_per_case']:.1f} ms")
    if m["errors"]:
        print(f"errors                {m['errors']}")
    return m


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rest", metavar="URL", help="play through the assistant's REST channel at URL")
    parser.add_argument("--set", default="all", help="all (default) or one set: dev, holdout, holdout2 …")
    parser.add_argument("--cases", type=Path, default=CASES_PATH)
    parser.add_argument("--only", nargs="*", help="case ids to run")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every miss with its transcript")
    parser.add_argument("--json", type=Path, help="also write the metrics as JSON")
    args = parser.parse_args(argv)

    try:
        cases = load_cases(args.cases, args.set)
    except (OSError, yaml.YAMLError, KeyError) as exc:
        print(f"cannot load cases: {exc}", file=sys.stderr)
        return 2
    if args.only:
        cases = [c for c in cases if c.id in set(args.only)]

    if args.rest:
        client, texts = RestClient(args.rest), _question_texts()
        play = lambda case: play_rest(case, client, texts)  # noqa: E731
    else:
        from actions.triage import flow
        from actions.triage import state as triage_state

        flow.next_step(flow.update(triage_state.start(), "嗓子疼"))  # build the pipeline outside the timings
        play = play_engine

    results = [play(case) for case in cases]
    if args.rest and results and all(r.error and r.department is None for r in results):
        print(f"no answers from {args.rest}: {results[0].error}", file=sys.stderr)
        return 2

    if args.verbose:
        for r in results:
            if not (r.department_ok and r.urgency_ok) or r.error:
                want = "/".join(r.case.departments) if r.case.departments else "—"
                print(
                    f"\n✗ {r.case.id} want {want} {r.case.urgency}, got {r.department} {r.urgency}"
                    + (f" [{r.error}]" if r.error else "")
                )
                for line in r.transcript:
                    print("   ", line)

    overall = report("all" if args.set == "all" else args.set, results)
    if args.set == "all":
        for name in dict.fromkeys(r.case.set for r in results):
            report(name, [r for r in results if r.case.set == name])
    missed = [r.case.id for r in results if r.case.urgency == "emergency" and r.urgency != "emergency"]
    false = [r.case.id for r in results if r.case.urgency != "emergency" and r.urgency == "emergency"]
    if missed:
        print(f"\nMISSED EMERGENCIES: {', '.join(missed)}")
    if false:
        print(f"false emergencies: {', '.join(false)}")
    if args.json:
        args.json.write_text(json.dumps({k: v for k, v in overall.items() if not k.startswith("_")}, indent=1))
    return 0 if overall["emergency_recall"] >= 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
