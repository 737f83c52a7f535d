#!/usr/bin/env python
"""小安 on everyday language (tests/triage/everyday.yml): 240 messages without any health
content. None should get a department or an emergency.

    python -m scripts.eval_everyday --rest URL   # through the running assistant
    python -m scripts.eval_everyday              # the triage engine in process, every message triaged

Gates (tests/unit/test_everyday_language.py in process, tests/integration/test_blind_set.py
through the assistant): see GATES.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from language.knowledge_files import read_yaml


from scripts import eval_blind
from scripts import eval_triage as ev

EVERYDAY = Path(__file__).resolve().parents[1] / "tests" / "triage" / "everyday.yml"
# On 2026-12-06 (nothing here is random; the same on every clone): through the assistant 68
# of the 240 got a department and 1 an emergency before the department model learned everyday
# Chinese and the look-alikes, 10 and 1 after on a fresh clone (the emergency net on
# "他这人心直口快"); in process, where every message is triaged, 13 and 0.
GATES = {"department": 16, "emergency": 1}


def load_cases(path: Path = EVERYDAY) -> List[ev.Case]:
    messages = read_yaml(path)["messages"]
    return [ev.Case(f"n{i}", str(m["text"]), None, "routine", set=m["kind"]) for i, m in enumerate(messages)]


def figures(results: Sequence[ev.Result]) -> Dict[str, List[ev.Result]]:
    return {
        "department": [r for r in results if r.department],
        "emergency": [r for r in results if r.urgency == "emergency"],
    }


def report(found: Dict[str, List[ev.Result]], total: int) -> str:
    lines = [
        f"everyday language: {total} messages, a department for {len(found['department'])} "
        f"(gate {GATES['department']}), an emergency for {len(found['emergency'])} (gate {GATES['emergency']})"
    ]
    lines += [f"  [{r.case.set}] {r.case.text} → {r.department}/{r.urgency}" for r in found["department"]]
    return "\n".join(lines)


def failures(found: Dict[str, List[ev.Result]]) -> List[str]:
    return [name for name, gate in GATES.items() if len(found[name]) > gate]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rest", metavar="URL", help="play through the assistant's REST channel at URL")
    args = parser.parse_args(argv)
    cases = load_cases()
    found = figures(eval_blind.play_all(cases, args.rest))
    print(report(found, len(cases)))
    return 1 if failures(found) else 0


if __name__ == "__main__":
    sys.exit(main())
