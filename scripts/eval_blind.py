#!/usr/bin/env python
"""小安 on the blind evaluation set (tests/triage/blind/: written by authors who never saw
the training data, the knowledge or the red-flag list; see its README).

    python -m scripts.eval_blind --rest URL   # through the running assistant (the gated figures)
    python -m scripts.eval_blind              # the triage engine in process, without the NLU
    add -v for every miss

Follow-up questions are answered "没有" (the patient's first message is all we know).
Department top-1 and top-3 count on the department questions (a second acceptable
department counts); emergency recall on the emergencies; the false-emergency rate on the
look-alikes and the department questions, less the few minor injuries labelled 急诊科.
Gates (tests/integration/test_blind_set.py): see GATES.
"""

from __future__ import annotations

import argparse
import collections
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from language.knowledge_files import read_yaml


from scripts import eval_triage as ev
from scripts.eval_departments import play

BLIND = Path(__file__).resolve().parents[1] / "tests" / "triage" / "blind"
EMERGENCY_DEPARTMENT = "急诊科"
# Issue 13's targets are top-1 0.85, recall 100 %, false emergencies <= 3 %. Through the
# assistant on 2026-12-03 (nothing here is random; same figures on every clone): top-1 0.814,
# recall 0.976 (80/82), false emergencies 0.015 (9/604); on 2026-12-02 they were 0.624,
# 0.902 and 0.091. The gates hold the figures so nothing gets worse; each improvement moves them up.
# Recall is gated at 100 % since 2026-12-08: all 82 are caught by the rules (81) and the learned
# net (1, at 1.00 against its threshold 0.76), both the same on every machine (no randomness, no
# dependence on the NLU model); see caught_by().
GATES = {"top1": 0.85, "emergency_recall": 1.0, "false_emergency": 0.03}
PARALLEL = 4


def load_cases(folder: Path = BLIND) -> List[ev.Case]:
    def read(name: str) -> List[Dict[str, Any]]:
        return read_yaml(folder / f"{name}.yml")["cases"]

    cases = []
    for i, raw in enumerate(read("departments")):
        wanted = [raw["department"]] + _also(raw)
        cases.append(ev.Case(f"d{i}", raw["text"], wanted, "routine", set="departments"))
    for i, raw in enumerate(read("emergencies")):
        cases.append(ev.Case(f"e{i}", raw["text"], [EMERGENCY_DEPARTMENT], "emergency", set="emergencies"))
    for i, raw in enumerate(read("lookalikes")):
        department = raw.get("department")
        wanted = None if department in (None, "none") else [department] + _also(raw)
        cases.append(ev.Case(f"l{i}", raw["text"], wanted, "routine", set="lookalikes"))
    return cases


def _also(raw: Dict[str, Any]) -> List[str]:
    also = raw.get("also") or []
    return [also] if isinstance(also, str) else list(also)


def play_all(cases: Sequence[ev.Case], rest_url: Optional[str] = None) -> List[ev.Result]:
    if rest_url is None:
        return [ev.play_engine(case) for case in cases]
    client, texts = ev.RestClient(rest_url, timeout=60), ev._question_texts()
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda case: ev.play_rest(case, client, texts), cases))


def figures(results: Sequence[ev.Result], through_assistant: bool = True) -> Dict[str, Any]:
    questions = [r for r in results if r.case.set == "departments"]
    emergencies = [r for r in results if r.case.set == "emergencies"]
    calm = [
        r
        for r in results
        if r.case.set == "lookalikes"
        or (r.case.set == "departments" and EMERGENCY_DEPARTMENT not in (r.case.departments or []))
    ]
    # Top-3 from the triage engine's ranking in process (the chat shows one department).
    top3 = sum(bool(set(r.case.departments) & set(play(r.case.text)["top3"])) for r in questions)
    confusions = collections.Counter(
        (r.case.departments[0], r.department or "无") for r in questions if r.department not in r.case.departments
    )
    return {
        "questions": len(questions),
        "top1": sum(r.department in r.case.departments for r in questions) / len(questions),
        "top3": top3 / len(questions),
        "no_department": sum(r.department is None for r in questions) / len(questions),
        "asked": sum(len(r.questions) for r in questions) / len(questions),
        "emergencies": len(emergencies),
        "emergency_recall": sum(r.urgency == "emergency" for r in emergencies) / len(emergencies),
        "caught_by": caught_by(emergencies, through_assistant),
        "calm": len(calm),
        "false_emergency": sum(r.urgency == "emergency" for r in calm) / len(calm),
        "errors": sum(bool(r.error) for r in results),
        "confusions": confusions.most_common(12),
    }


def caught_by(emergencies: Sequence[ev.Result], through_assistant: bool = True) -> Dict[str, Any]:
    """Which layer raised each caught emergency: a rule, the learned net (with its lowest
    score: how far above its threshold the closest one sits; it speaks only in the
    assistant's NLU, before triage), triage's screening questions, or neither (the intent
    classifier, or the triage engine's own reading). Only the rules' and the net's are the
    same on every machine; the others depend on the NLU model's reading."""
    from safety import emergency_model, red_flags

    net = emergency_model.load_model() if through_assistant else None
    layers: collections.Counter = collections.Counter()
    net_scores = []
    for r in emergencies:
        if r.urgency != "emergency":
            continue
        assessment = red_flags.assess(r.case.text)
        probability = net.probability_where_heard(r.case.text, assessment) if net else 0.0
        if assessment.now:
            layers["rules"] += 1
        elif net and probability and net.alarm(r.case.text, probability):
            layers["net"] += 1
            net_scores.append(probability)
        elif r.questions:
            layers["questions"] += 1
        else:
            layers["other"] += 1
    return {"layers": layers, "net_lowest": min(net_scores, default=None), "threshold": emergency_model.THRESHOLD}


def report(m: Dict[str, Any]) -> str:
    return "\n".join(
        [
            f"blind set: {m['questions']} department questions, {m['emergencies']} emergencies, "
            f"{m['calm']} non-emergencies for false alarms",
            f"department top-1 {m['top1']:.1%} (gate {GATES['top1']:.0%}, target 85%)  top-3 {m['top3']:.1%} (engine)  "
            f"no department {m['no_department']:.1%}  questions per case {m['asked']:.2f}",
            f"emergency recall {m['emergency_recall']:.1%} (gate {GATES['emergency_recall']:.0%}, target 100%)  "
            f"false emergencies {m['false_emergency']:.1%} (gate {GATES['false_emergency']:.0%})  errors {m['errors']}",
            _caught_line(m["caught_by"]),
            "most frequent confusions (wanted → given): " + ", ".join(f"{a}→{b} ×{k}" for (a, b), k in m["confusions"]),
        ]
    )


def _caught_line(caught: Dict[str, Any]) -> str:
    layers, lowest = caught["layers"], caught["net_lowest"]
    net = f"the net {layers['net']}"
    if lowest is not None:
        net += f" (lowest score {lowest:.2f}, alarm at {caught['threshold']:.2f})"
    return (
        f"emergencies caught by the rules {layers['rules']}, triage's questions {layers['questions']}, "
        f"{net}, the intent classifier or triage's own reading {layers['other']}"
    )


def misses(results: Sequence[ev.Result]) -> str:
    """Every wrong department or urgency, with its transcript (for designers)."""
    blocks = []
    for r in results:
        wrong_department = r.case.set == "departments" and r.department not in r.case.departments
        wrong_urgency = (r.case.urgency == "emergency") != (r.urgency == "emergency")
        if wrong_department or wrong_urgency or r.error:
            head = f"[{r.case.set}] want {r.case.departments}/{r.case.urgency}, got {r.department}/{r.urgency}"
            blocks.append("\n".join([head + (f" ({r.error})" if r.error else "")] + r.transcript))
    return "\n\n".join(blocks) + "\n"


def failures(m: Dict[str, Any]) -> List[str]:
    failed = []
    if m["top1"] < GATES["top1"]:
        failed.append("department top-1")
    if m["emergency_recall"] < GATES["emergency_recall"]:
        failed.append("emergency recall")
    if m["false_emergency"] > GATES["false_emergency"]:
        failed.append("false-emergency rate")
    return failed


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rest", metavar="URL", help="play through the assistant's REST channel at URL")
    parser.add_argument("--cases", metavar="DIR", type=Path, default=BLIND, help="another set in the same format")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    results = play_all(load_cases(args.cases), args.rest)
    if args.verbose:
        print(misses(results))
    m = figures(results, through_assistant=args.rest is not None)
    print(report(m))
    return 1 if failures(m) else 0


if __name__ == "__main__":
    sys.exit(main())
