"""Triage through the running assistant (REST channel, real NLU, rules and actions).

The evaluation plays tests/triage/cases.yml with scripts/eval_triage.py's REST mode.
To stay within a few minutes it plays every red-flag case, every look-alike case and
every case labelled emergency, plus a fixed sample (every SAMPLE_EVERY-th) of the
rest; the printed figures say how many cases were played. Emergency recall must be
100 %; department top-1, urgency accuracy and the false-emergency rate are printed
(run with -s to see them).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest

from scripts import eval_triage as ev

SAMPLE_EVERY = 5
PARALLEL = 4


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)


def chosen_cases() -> List[ev.Case]:
    cases = ev.load_cases()
    always = [c for c in cases if c.id[0] in "rl" or c.urgency == "emergency"]
    rest = [c for c in cases if c not in always]
    return always + rest[::SAMPLE_EVERY]


def test_triage_eval_over_rest(assistant):
    client, question_texts = ev.RestClient(assistant.rasa_url, timeout=60), ev._question_texts()
    cases = chosen_cases()
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda case: ev.play_rest(case, client, question_texts), cases))
    total = len(ev.load_cases())
    m = ev.report(
        f"REST: all red-flag/look-alike/emergency cases + every {SAMPLE_EVERY}th other ({len(cases)} of {total})",
        results,
    )
    missed = [r.case.id for r in results if r.case.urgency == "emergency" and r.urgency != "emergency"]
    false = [r.case.id for r in results if r.case.urgency != "emergency" and r.urgency == "emergency"]
    print(f"missed emergencies: {missed}\nfalse emergencies: {false}")
    for r in results:
        if r.case.urgency == "emergency" and r.urgency != "emergency":
            print("\n".join(r.transcript))
    assert m["emergency_recall"] == 1.0, missed


def _play_to_outcome(chat, first: str, reply: str = "没有", limit: int = 8) -> Dict[str, Any]:
    replies = chat.say(first)
    for _ in range(limit):
        outcome = ev.find_outcome(replies)
        if outcome:
            return outcome
        assert any(r.get("buttons") for r in replies), texts(replies)
        replies = chat.say(reply)
    pytest.fail("no triage outcome")


def test_the_outcome_button_starts_booking_with_the_department_and_summary(chat):
    outcome = _play_to_outcome(chat, "膝盖疼了一个月，上下楼更明显")
    assert outcome["department"] == "骨科" and outcome["book_payload"]
    chat.say(outcome["book_payload"])
    tracker = chat.tracker()
    assert tracker["latest_message"]["intent"]["name"] == "book_appointment"
    assert tracker["active_loop"].get("name") == "booking_form"
    assert tracker["slots"]["department"] == "骨科"
    assert tracker["slots"]["triage_summary"]["chief_complaint"]


def test_a_red_flag_inside_booking_is_answered_first(chat):
    chat.say("帮我约后天下午心内科的专家号")
    replies = chat.say("我爸突然嘴歪了，说话也说不清楚")
    assert ev.find_outcome(replies)["urgency"] == "emergency"
    assert "120" in texts(replies)
    assert not chat.tracker()["active_loop"].get("name")
