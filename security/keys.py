"""Keys kept outside the databases they protect.

One master secret — `XIAOAN_SECRET_KEY` from the environment, else `.data/secret.key`
(32 random bytes, created on first use, readable by its owner only) — and a separate
key derived from it for each purpose, so a key leaked for one use opens nothing else:

    fernet("tracker").encrypt(data)        # personal data at rest
    pseudonym("log", card_no)              # a stable name for logs, not reversible
    keyed_hash("otp", f"{patient}:{code}") # secrets compared, never stored in clear
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

KEY_ENV = "XIAOAN_SECRET_KEY"
KEY_FILE = Path(__file__).resolve().parents[1] / ".data" / "secret.key"


@functools.lru_cache(maxsize=None)
def master_key() -> bytes:
    configured = os.environ.get(KEY_ENV)
    if configured:
        return configured.encode("utf-8")
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # .data: the owner's only
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
    return KEY_FILE.read_bytes()


def derived_key(purpose: str) -> bytes:
    return hmac.new(master_key(), f"xiaoan:{purpose}".encode("utf-8"), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    return hmac.new(derived_key(purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonym(purpose: str, value: str, length: int = 12) -> str:
    return keyed_hash(purpose, value)[:length]


@functools.lru_cache(maxsize=None)
def fernet(purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(purpose)))


def reset_cache() -> None:
    """For tests that change the key."""
    master_key.cache_clear()
    fernet.cache_clear()
