"""The blind evaluation set (tests/triage/blind/) through the running assistant: real
NLU, rules, red flags and the triage engine over REST. Run with -s to see the figures,
the top-3 and the most frequent confusions; the gates are scripts/eval_blind.GATES."""
from __future__ import annotations

from scripts import eval_blind


def test_blind_set_through_the_assistant(assistant):
    results = eval_blind.play_all(eval_blind.load_cases(), assistant.rasa_url)
    figures = eval_blind.figures(results)
    print("\n" + eval_blind.report(figures))
    missed = [r.case.text for r in results if r.case.set == "emergencies" and r.urgency != "emergency"]
    print("missed emergencies:\n" + "\n".join(missed))
    assert figures["errors"] == 0
    assert not eval_blind.failures(figures), figures
