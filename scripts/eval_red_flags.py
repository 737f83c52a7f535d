#!/usr/bin/env python
"""Score the red-flag rules on tests/triage/red_flag_set.yml.

    python -m scripts.eval_red_flags        # figures
    python -m scripts.eval_red_flags -v     # and every miss and false alarm
    python -m scripts.eval_red_flags --cases tests/triage/dev   # on the development set

Recall: emergencies (and emergencies said next to past or relative words) on which some
red flag fires. False alarms: look-alikes on which one fires. Exit code 1 when recall is
below 100% or false alarms above 3% (the gate of tests/unit/test_red_flag_set.py).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence

from language.knowledge_files import read_yaml


ROOT = Path(__file__).resolve().parents[1]

SET_PATH = ROOT / "tests" / "triage" / "red_flag_set.yml"
DEV_DIR = ROOT / "tests" / "triage" / "dev"
MAX_FALSE_ALARMS = 0.03


@dataclass
class Score:
    emergencies: int
    missed: List[Dict[str, str]]
    look_alikes: int
    alarms: List[Dict[str, str]]

    @property
    def recall(self) -> float:
        return 1 - len(self.missed) / self.emergencies

    @property
    def false_alarm_rate(self) -> float:
        return len(self.alarms) / self.look_alikes

    def passes(self) -> bool:
        return not self.missed and self.false_alarm_rate <= MAX_FALSE_ALARMS


def load_set(path: Path = SET_PATH) -> Dict[str, List[Dict[str, str]]]:
    return read_yaml(path)


def load_dev(folder: Path = DEV_DIR) -> Dict[str, List[Dict[str, str]]]:
    """A set in the blind set's layout (tests/triage/dev/) as emergencies and look-alikes:
    the department questions count as look-alikes, less the minor injuries meant for 急诊科."""

    def cases(name: str) -> List[Dict[str, str]]:
        return read_yaml(folder / f"{name}.yml")["cases"]

    calm = [{**c, "why": "look-alike"} for c in cases("lookalikes")]
    calm += [{**c, "why": "department question"} for c in cases("departments") if c["department"] != "急诊科"]
    return {"emergencies": cases("emergencies"), "look_alikes": calm}


def score(data: Dict[str, List[Dict[str, str]]]) -> Score:
    from safety import red_flags as rf

    emergencies = data["emergencies"] + data.get("emergencies_in_context", [])
    missed = [case for case in emergencies if rf.detect(case["text"]) is None]
    alarms = []
    for case in data["look_alikes"]:
        flag = rf.detect(case["text"])
        if flag is not None:
            alarms.append({**case, "fired": flag.id})
    return Score(len(emergencies), missed, len(data["look_alikes"]), alarms)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--cases", metavar="DIR", type=Path, help="a set in the blind set's layout")
    args = parser.parse_args(argv)
    result = score(load_dev(args.cases) if args.cases else load_set())
    out = sys.stdout
    out.write(f"emergencies {result.emergencies}: recall {result.recall:.1%} ({len(result.missed)} missed)\n")
    out.write(f"look-alikes {result.look_alikes}: false alarms {result.false_alarm_rate:.1%} ({len(result.alarms)})\n")
    if args.verbose:
        for case in result.missed:
            out.write(f"  MISSED  {case['text']}  (expected {case.get('flag')})\n")
        for case in result.alarms:
            out.write(f"  ALARM   {case['text']}  ({case['why']}: fired {case['fired']})\n")
    return 0 if result.passes() else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
