#!/usr/bin/env python
"""Department top-1 / top-3 on the held-out patient questions (tests/triage/departments_heldout.yml).

    python -m scripts.eval_departments        # figures
    python -m scripts.eval_departments -v     # and every miss

Each question is played through the triage engine in process; follow-up questions are
answered "不清楚" (the patient's first message is all we know). Top-1 is the outcome's
department; top-3 the first three of the engine's ranking when the outcome was given.
Also prints how many questions were asked per case and how many got no department.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from language.knowledge_files import read_yaml


ROOT = Path(__file__).resolve().parents[1]
HELDOUT_PATH = ROOT / "tests" / "triage" / "departments_heldout.yml"
MAX_TURNS = 8

logger = logging.getLogger(__name__)


def load_heldout(path: Path = HELDOUT_PATH) -> List[Dict[str, Any]]:
    cases = read_yaml(path)["cases"]
    for case in cases:
        dept = case["department"]
        case["departments"] = [dept] if isinstance(dept, str) else list(dept)
    return cases


def play(text: str, reply: str = "不清楚") -> Dict[str, Any]:
    from actions.triage import answers as triage_answers
    from actions.triage import assessment
    from actions.triage import flow
    from actions.triage import state as triage_state
    from actions.triage import steps

    state = flow.update(triage_state.start(), text)
    asked = 0
    for _ in range(MAX_TURNS):
        state, step = flow.advance(state)
        if isinstance(step, steps.Outcome):
            ranking = [d for d, _ in assessment.evaluate(state).ranking]
            if step.department and step.department not in ranking:
                ranking.insert(0, step.department)
            return {"department": step.department, "top3": ranking[:3], "asked": asked}
        asked += step.kind != "clarify"
        state = triage_answers.answer(state, step.id, reply)
    return {"department": None, "top3": [], "asked": asked}


def score(cases: Sequence[Dict[str, Any]], verbose: bool = False) -> Dict[str, float]:
    top1 = top3 = none = asked = 0
    for case in cases:
        result = play(case["text"])
        ok1 = result["department"] in case["departments"]
        ok3 = bool(set(result["top3"]) & set(case["departments"]))
        top1 += ok1
        top3 += ok3
        none += result["department"] is None
        asked += result["asked"]
        if verbose and not ok1:
            sys.stdout.write(
                f"MISS {case['text']} → {result['department']} {result['top3']} "
                f"(want {'/'.join(case['departments'])})\n"
            )
    n = len(cases)
    return {"cases": n, "top1": top1 / n, "top3": top3 / n, "no_department": none / n, "questions": asked / n}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    m = score(load_heldout(), args.verbose)
    sys.stdout.write(
        f"held-out department questions: {m['cases']}\n"
        f"top-1 {m['top1']:.1%}  top-3 {m['top3']:.1%}  no department {m['no_department']:.1%}  "
        f"questions per case {m['questions']:.2f}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
