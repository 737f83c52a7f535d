"""Staff login: one password for the hospital's staff, a name each staff member gives,
and a signed session cookie.

The password comes from XIAOAN_STAFF_PASSWORD; when that is unset it is generated
once into `.data/staff_password` (owner-only) and `make run` says where it is. The
cookie is `<name>|<expiry>|<hmac>` under the "staff-session" key derived in
security/keys.py; it is HttpOnly, SameSite=Strict and limited to /staff/. Login
failures are limited per client address: 5 in 15 minutes pause that address until
the oldest is 15 minutes old.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Callable, Deque, Dict, Mapping, Optional, Tuple

from security import keys

PASSWORD_ENV = "XIAOAN_STAFF_PASSWORD"
PASSWORD_FILE = Path(__file__).resolve().parents[1] / ".data" / "staff_password"
COOKIE = "xiaoan_staff"
SESSION_SECONDS = 8 * 3600
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60
MAX_NAME = 20


def password(env: Optional[Mapping[str, str]] = None, path: Path = PASSWORD_FILE) -> Tuple[str, Optional[Path]]:
    """The staff password and the file it is in (None when it came from the environment)."""
    env = os.environ if env is None else env
    configured = (env.get(PASSWORD_ENV) or "").strip()
    if configured:
        return configured, None
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(12) + "\n")
    return path.read_text(encoding="utf-8").strip(), path


def same_password(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _signature(payload: str) -> str:
    return hmac.new(keys.derived_key("staff-session"), payload.encode("utf-8"), "sha256").hexdigest()


def clean_name(name: str) -> str:
    return "".join(ch for ch in (name or "").strip() if ch.isprintable() and ch not in '|;,"\\')[:MAX_NAME]


def session_cookie(name: str, now: Optional[float] = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    encoded = base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii")
    payload = f"{encoded}|{expires}"
    return f"{payload}|{_signature(payload)}"


def staff_of(cookie: Optional[str], now: Optional[float] = None) -> Optional[str]:
    """The staff member's name, when the cookie is ours and not expired."""
    try:
        encoded, expires, signature = (cookie or "").split("|")
        if not hmac.compare_digest(signature, _signature(f"{encoded}|{expires}")):
            return None
        if int(expires) < (now or time.time()):
            return None
        return base64.urlsafe_b64decode(encoded.encode("ascii")).decode("utf-8")
    except ValueError:
        return None


class LoginLimiter:
    """Failed logins per client in a sliding window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, client: str) -> Deque[float]:
        failures = self._failures[client]
        while failures and failures[0] <= self.clock() - FAILURE_WINDOW:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) >= MAX_FAILURES

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self.clock())
