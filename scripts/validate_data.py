"""`rasa data validate --fail-on-warnings`, stricter: Rasa 3.6 lets some warnings
pass even with that flag (unused intents, unused responses), so any warning it
prints fails here — except responses the validator cannot see being used: those
forms ask with (utter_ask_*) and those custom actions send (response="utter_…")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

UNUSED = "The utterance '{}' is not used in any story or rule"


def responses_sent_by_actions() -> set:
    found = set()
    for path in Path("actions").rglob("*.py"):
        found.update(re.findall(r"response\"?\s*[=:]\s*\"(utter_\w+)\"", path.read_text(encoding="utf-8")))
    return found


# Hospital questions keep their answers beside them in data/nlu/faq/ (one place for a
# designer); Rasa then reports the retrieval intent `faq` as declared twice and its
# generic `utter_faq` as unused (action_answer_faq picks the answer instead).
RETRIEVAL = [
    re.compile(r"duplicated intents have been found across multiple domain files: faq$"),
    re.compile(re.escape(UNUSED.format("utter_faq"))),
]
# Intents only a program triggers (the reminder dispatcher's EXTERNAL_reminder through
# Rasa's trigger_intent API) have no training examples: nobody types them.
EXTERNAL = [re.compile(r"The intent 'EXTERNAL_\w+' is listed in the domain file, but is not found in the NLU")]
# A hospital error's reply is named by its key (actions.common.say_hospital_error);
# tests/unit/test_hospital_error_replies.py checks each key has one and each one a key.
HOSPITAL_ERRORS = [re.compile(UNUSED.format(r"utter_hospital_error_\w+"))]
ALLOWED = (
    RETRIEVAL
    + EXTERNAL
    + HOSPITAL_ERRORS
    + [re.compile(UNUSED.format(r"utter_ask_\w+"))]
    + [re.compile(re.escape(UNUSED.format(name))) for name in responses_sent_by_actions()]
)


def main() -> int:
    # Validation trains nothing; with TF_DETERMINISTIC_OPS set (scripts/env.sh) every rasa
    # command warns about GPUs, which would count as a data warning here.
    env = {k: v for k, v in os.environ.items() if k != "TF_DETERMINISTIC_OPS"}
    result = subprocess.run(["rasa", "data", "validate", "--fail-on-warnings"], capture_output=True, text=True, env=env)
    output = result.stdout + result.stderr
    warnings = [line.split("UserWarning: ", 1)[1].strip() for line in output.splitlines() if "UserWarning: " in line]
    problems = [w for w in warnings if not any(p.search(w) for p in ALLOWED)]
    for problem in problems:
        print(f"validation warning: {problem}")
    if result.returncode != 0:
        print(output[-3000:])
        return result.returncode
    if problems:
        return 1
    print(f"Training data and domain are valid ({len(warnings)} allowed warnings).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
