"""Work Rasa 3.6 repeats on every turn for nothing, removed in the Rasa server process
(scripts/rasa_server.py installs this before Rasa starts). Same results, less time;
`python -m scripts.benchmark --load` measures the difference (README, Speed).

- Every answer of the action server is checked against Rasa's response schema with
  `jsonschema.validate`, which first checks the *schema* against its meta-schema and
  builds a new validator: about 180 ms of CPU per custom action call on this machine
  (the check of the answer itself is well under a millisecond). Here the schema is
  checked once and its validator kept; answers are checked exactly as before, with
  the same error (the best match) and the same message when one is invalid.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction

_ORIGINAL = RemoteAction._validate_action_result


@functools.lru_cache(maxsize=1)
def _action_result_validator():
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = exceptions.best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    # An invalid answer (rare): Rasa's own check raises its error with its message.
    return _ORIGINAL(self, result)


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result
