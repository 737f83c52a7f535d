"""Everyday language is no illness (tests/triage/everyday.yml), in process: the triage
engine reads every one of the 240 messages as if the patient had asked for a department."""

from __future__ import annotations

from scripts import eval_everyday


def test_everyday_language_gets_no_department_and_no_emergency():
    cases = eval_everyday.load_cases()
    assert len(cases) == 240 and len({c.text for c in cases}) == 240
    found = eval_everyday.figures(eval_everyday.eval_blind.play_all(cases))
    summary = eval_everyday.report(found, len(cases))
    assert not eval_everyday.failures(found), summary
    assert not found["emergency"], summary  # the engine itself never raises one here
