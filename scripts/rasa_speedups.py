"""Work Rasa 3.6 repeats on every turn for nothing, removed in the Rasa server process
(scripts/rasa_server.py installs this before Rasa starts). Same results, less time;
`python -m scripts.benchmark --load` measures the difference (README, Speed).

- Every answer of the action server is checked against Rasa's response schema with
  `jsonschema.validate`, which first checks the *schema* against its meta-schema and
  builds a new validator: about 180 ms of CPU per custom action call on this machine
  (the check of the answer itself is well under a millisecond). Here the schema is
  checked once and its validator kept; answers are checked exactly as before, with
  the same error (the best match) and the same message when one is invalid.
- Every request to an endpoint (the action server's /webhook, several per turn) opens a
  new aiohttp session and TCP connection and closes it after the answer. Here the
  sessions share one connector per event loop, so connections are kept and reused; it
  lets an idle connection go after 4 s, before the action server (Sanic, 5 s) would.
  The request body (the whole conversation, for every custom action) is written with
  ujson (Sanic's own JSON library), about three times as fast as the json module.
- The conversations store reads and writes in worker threads, which then wait for the
  event loop to let go of the GIL: up to 5 ms each time by default. With 1 ms, p95 at 20
  conversations fell from about 590 to 490 ms and at 5 from 153 to 123 ms, the same
  turns/s (2026-12-04, five runs each).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from typing import Any, Dict, Text

import aiohttp
import ujson
from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

KEEP_IDLE_CONNECTION_SECONDS = 4.0

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


_connectors: Dict[asyncio.AbstractEventLoop, aiohttp.TCPConnector] = {}


def _shared_connector() -> aiohttp.TCPConnector:
    loop = asyncio.get_running_loop()
    connector = _connectors.get(loop)
    if connector is None or connector.closed:
        connector = _connectors[loop] = aiohttp.TCPConnector(keepalive_timeout=KEEP_IDLE_CONNECTION_SECONDS)
    return connector


def _session(self: EndpointConfig) -> aiohttp.ClientSession:
    # EndpointConfig.session, on the shared connector: closing the session keeps it.
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    return aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=_shared_connector(),
        connector_owner=False,
        json_serialize=ujson.dumps,
    )


SWITCH_INTERVAL = 0.001  # seconds


def install() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
    RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _session
