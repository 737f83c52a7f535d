"""The blind evaluation set (tests/triage/blind/) through the running assistant: real
NLU, rules, red flags and the triage engine over REST. The figures, the top-3 and the
most frequent confusions are printed (-s) and written to results/blind/, with the
transcript of every miss; the gates are scripts/eval_blind.GATES."""

from __future__ import annotations

from pathlib import Path

from scripts import eval_blind, eval_everyday

RESULTS = Path(__file__).resolve().parents[2] / "results" / "blind"


def test_blind_set_through_the_assistant(assistant):
    results = eval_blind.play_all(eval_blind.load_cases(), assistant.rasa_url)
    figures = eval_blind.figures(results)
    summary = eval_blind.report(figures)
    print("\n" + summary)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "figures.txt").write_text(summary + "\n", encoding="utf-8")
    (RESULTS / "misses.txt").write_text(eval_blind.misses(results), encoding="utf-8")
    assert not eval_blind.failures(figures), summary


def test_everyday_language_through_the_assistant(assistant):
    cases = eval_everyday.load_cases()
    found = eval_everyday.figures(eval_blind.play_all(cases, assistant.rasa_url))
    summary = eval_everyday.report(found, len(cases))
    print("\n" + summary)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "everyday.txt").write_text(summary + "\n", encoding="utf-8")
    assert not eval_everyday.failures(found), summary
