"""`rasa run`, with its secrets and allowed origins taken from the environment.

    XIAOAN_API_TOKEN=… ACTION_SERVER_TOKEN=… python -m scripts.rasa_server --model … --port 5005 …

Arguments are `rasa run`'s, minus --auth-token and --cors. `rasa run --auth-token X`
shows the HTTP API token to every user of the machine (`ps` reads the command line),
and a token starting with "-" is taken for an option. Here the token comes from
XIAOAN_API_TOKEN (an environment is readable by its owner only) and reaches Rasa's
own command-line code inside this process, as `--auth-token=<token>`, so it is never
part of the process's command line. CORS allows only the page's origins
(channels/origins.py) instead of "*". ACTION_SERVER_TOKEN stays in the environment:
endpoints.yml sends it to the action server as `${ACTION_SERVER_TOKEN}`.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

from channels.origins import web_origins

API_TOKEN_ENV = "XIAOAN_API_TOKEN"
_OWN_OPTIONS = ("--auth-token", "--cors")


def rasa_argv(args: List[str], token: str, origins: List[str]) -> List[str]:
    """The command line Rasa's CLI parses, in this process only."""
    for arg in args:
        if arg.split("=", 1)[0] in _OWN_OPTIONS:
            raise SystemExit(f"{arg.split('=', 1)[0]} is set from the environment here, not on the command line")
    if not token:
        raise SystemExit(f"Set {API_TOKEN_ENV}: the HTTP API must not run without a token")
    return ["rasa", "run", *args, "--enable-api", f"--auth-token={token}", "--cors", *origins]


def main(argv: Optional[List[str]] = None) -> None:
    token = os.environ.pop(API_TOKEN_ENV, "")
    sys.argv = rasa_argv(sys.argv[1:] if argv is None else argv, token, web_origins())
    from rasa.__main__ import main as rasa_main

    from scripts import rasa_speedups

    rasa_speedups.install()
    rasa_main()


if __name__ == "__main__":
    main()
