#!/usr/bin/env python
"""The emergency net's threshold by its rule (safety/emergency_model.py): the lowest at
which, leaving one round of the development set out at a time, no more than 0.5 % of the
calm messages of MIN_CHARS or more raise the net's alarm (it speaks only where no rule
fired and the danger is not only spoken of).

    python -m scripts.emergency_threshold          # about 15 minutes on two cores

Prints the alarms at each threshold near the rule's, and how many of the left-out
emergencies the net alone would catch (the rules catch all of them today, so this says how
well the net reaches wording it has not seen, not what the assistant misses).
"""

from __future__ import annotations

import argparse
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from safety import emergency_model, red_flags

MAX_FALSE_ALARMS = 0.005
GRID = [round(0.60 + 0.01 * i, 2) for i in range(36)]  # 0.60 … 0.95
_ROUND = re.compile(r"\s*# round (\d+)\b")


def rounds_of(path: Path) -> List[Tuple[int, str]]:
    """(round, text) of every case of a development file; a case belongs to the last
    "# round N" comment above it (0 before the first)."""
    source = path.read_text(encoding="utf-8")
    markers = [(i, int(m.group(1))) for i, line in enumerate(source.splitlines()) if (m := _ROUND.match(line))]
    root = yaml.compose(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    cases = next(value for key, value in root.value if key.value == "cases")
    out = []
    for item in cases.value:
        text = next(value.value for key, value in item.value if key.value == "text")
        line = item.start_mark.line
        out.append((max([r for i, r in markers if i < line], default=0), text))
    return out


def development_set() -> Dict[str, List[Tuple[int, str]]]:
    return {path.stem: rounds_of(path) for path in emergency_model.DEV_FILES}


def net_speaks(text: str) -> bool:
    return red_flags.assess(text).net_may_speak and emergency_model.says_enough(text)


def score_round(args: Tuple[int, Dict[str, List[Tuple[int, str]]]]) -> Tuple[List[float], List[float]]:
    """The net trained without round `held`: its probabilities for that round's calm
    messages of MIN_CHARS or more (0 where it does not speak: a rule fired or the danger is
    only spoken of), and for all of its emergencies of MIN_CHARS or more."""
    held, dev = args
    pipeline = emergency_model.train(
        *emergency_model.examples({name: [t for r, t in cases if r != held] for name, cases in dev.items()})
    )
    net = emergency_model.EmergencyModel(pipeline)
    calm = [t for name in ("lookalikes", "departments") for r, t in dev[name] if r == held]
    emergencies = [t for r, t in dev["emergencies"] if r == held]
    return (
        [net.probability(t) if net_speaks(t) else 0.0 for t in calm if emergency_model.says_enough(t)],
        [net.probability(t) for t in emergencies if emergency_model.says_enough(t)],
    )


def threshold(calm: Sequence[float]) -> Optional[float]:
    return next((t for t in GRID if sum(p >= t for p in calm) <= MAX_FALSE_ALARMS * len(calm)), None)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    dev = development_set()
    held = sorted({r for cases in dev.values() for r, _ in cases})
    calm: List[float] = []
    emergencies: List[float] = []
    with ProcessPoolExecutor(args.workers) as pool:
        for c, e in pool.map(score_round, [(r, dev) for r in held]):
            calm += c
            emergencies += e
    chosen = threshold(calm)
    print(f"{len(held)} rounds left out one at a time: {len(calm)} calm messages, {len(emergencies)} emergencies")
    for t in GRID:
        if chosen is not None and abs(t - chosen) <= 0.021:
            alarms = sum(p >= t for p in calm)
            caught = sum(p >= t for p in emergencies)
            print(
                f"  {t:.2f}: {alarms} false alarms ({alarms / len(calm):.2%}); "
                f"net alone catches {caught} of {len(emergencies)} emergencies ({caught / len(emergencies):.1%})"
            )
    print(f"threshold by the rule (≤ {MAX_FALSE_ALARMS:.1%}): {chosen}; in use: {emergency_model.THRESHOLD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
