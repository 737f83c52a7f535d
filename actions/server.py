"""The action server: rasa-sdk's app, answering Rasa only.

    ACTION_SERVER_TOKEN=… python -m actions.server [--host 127.0.0.1] [--port 5055]

rasa-sdk (`rasa run actions`) listens on 0.0.0.0 and runs any action for anyone who
POSTs a tracker; an action trusts the tracker's `verified_card`, so a forged request
could read a patient's reports. And when an action fails, rasa-sdk answers with the
whole request (the tracker, card numbers included), which Rasa then logs. Here, on
top of rasa-sdk's own `create_app`:

- it listens on loopback unless told otherwise;
- every path but /health needs `Authorization: Bearer <ACTION_SERVER_TOKEN>`, the
  secret Rasa sends from endpoints.yml (compared in constant time); no secret, no start;
- a /webhook call whose tracker has the wrong shape is refused (actions/request_checks.py);
- a failure answers and logs an error id, the action's name and the code location
  only — never the request.
"""

from __future__ import annotations

import argparse
import gc
import hmac
import json
import logging
import os
import sys
import traceback
import types
import uuid
import zlib
from typing import Any, Dict, Optional, Union

from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import Sanic, response
from sanic.exceptions import InvalidUsage, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.request_checks import problem

logger = logging.getLogger(__name__)

TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = ("/health",)


def _action_call(request: Request) -> Dict[str, Any]:
    if request.headers.get("Content-Encoding") == "deflate":
        return json.loads(zlib.decompress(request.body))
    # Parsed once per request: Sanic keeps it, and rasa-sdk's webhook reads the same.
    return request.json


def _action_name(request: Request) -> Optional[str]:
    try:
        name = _action_call(request).get("next_action")
    except Exception:  # noqa: BLE001 - an unreadable body has no action name
        return None
    return name if isinstance(name, str) else None


def create_app(token: str, action_package: Union[str, types.ModuleType] = "actions") -> Sanic:
    if not token:
        raise ValueError(f"{TOKEN_ENV} is empty: the action server would answer anyone")
    app = create_sdk_app(action_package, cors_origins=None)  # only Rasa calls it, never a browser
    expected = f"Bearer {token}".encode("utf-8")

    @app.middleware("request")
    async def only_rasa(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get("Authorization", "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "unauthorized"}, status=401)
        if request.path == "/webhook" and request.method == "POST":
            try:
                action_call = _action_call(request)
            except (ValueError, zlib.error, InvalidUsage):
                return response.json({"error": "the body is not JSON", "action_name": None}, status=400)
            refused = problem(action_call)
            if refused:
                name = action_call.get("next_action") if isinstance(action_call, dict) else None
                logger.warning("Refused an action call: invalid %s", refused)
                # Rasa reads action_name from a 400 answer (ActionExecutionRejection).
                return response.json({"error": f"invalid {refused}", "action_name": name}, status=400)
        return None

    @app.exception(Exception)
    async def no_personal_data(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException) and exception.status_code < 500:
            return response.json({"error": "bad request"}, status=exception.status_code)
        error_id = uuid.uuid4().hex[:12]
        # The exception's message and the request may hold personal data: log where it
        # failed (type, files, lines, functions), never what it was working on.
        where = "".join(traceback.format_list(traceback.extract_tb(exception.__traceback__)))
        logger.error(
            "Error %s in action %s: %s\n%s",
            error_id,
            _action_name(request),
            type(exception).__name__,
            where,
        )
        return response.json({"error": "internal error", "error_id": error_id}, status=500)

    return app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    token = os.environ.pop(TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"Set {TOKEN_ENV} (the secret Rasa sends, see endpoints.yml); scripts/serve.py does.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    # spaCy's thinc imports TensorFlow whenever it is installed (Rasa needs it), only to
    # offer it as a backend; no action uses it. Marked as absent, it is not imported:
    # the server starts in 3 s instead of 10, in half the memory.
    sys.modules.setdefault("tensorflow", None)
    app = create_app(token)
    # Train (or load from .data/) the learned models triage reads now, not on a patient's
    # first message.
    from actions.triage.departments.model import load_model
    from safety import emergency_model

    load_model()
    emergency_model.load_model()
    # What is loaded now stays for the life of the process: out of the garbage collector's
    # sight, a full collection no longer walks it (scripts/rasa_speedups.py).
    gc.collect()
    gc.freeze()
    logger.info("Action server on http://%s:%s (Rasa's secret required)", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
