"""The web origins allowed to talk to Rasa from a browser: the patients' page only.

`XIAOAN_WEB_ORIGINS` (comma-separated, e.g. `https://chat.hospital.example`) overrides
the default, the page as `make run` serves it. Both Rasa's CORS headers (REST, HTTP
API) and the socket.io server's origin check use this one list.
"""

from __future__ import annotations

import os
from typing import List

ORIGINS_ENV = "XIAOAN_WEB_ORIGINS"
DEFAULT_ORIGINS = ("http://127.0.0.1:8080", "http://localhost:8080")


def web_origins() -> List[str]:
    configured = os.environ.get(ORIGINS_ENV, "")
    origins = [origin.strip().rstrip("/") for origin in configured.split(",") if origin.strip()]
    if "*" in origins:
        raise ValueError(f"{ORIGINS_ENV} must list origins; '*' would let any web site in")
    return origins or list(DEFAULT_ORIGINS)
