"""Personal data at rest and in logs: what may be stored, shown or logged.

Every key comes from `security.keys` (a master secret outside the database), so a
copy of the database alone reveals no name, phone, national ID or code, and a log
pseudonym cannot be turned back into a card number by trying the few million cards."""

from __future__ import annotations

import hmac

from security import keys


def seal(value: str) -> str:
    """Encrypt a personal field (name, phone) for the database."""
    return keys.fernet("hospital-pii").encrypt(value.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    return keys.fernet("hospital-pii").decrypt(token.encode("ascii")).decode("utf-8")


def hash_id_number(id_number: str) -> str:
    """Matching a national ID at the counter without storing it."""
    return keys.keyed_hash("id-number", id_number.strip().upper())


def hash_code(patient_id: int, code: str) -> str:
    return keys.keyed_hash("otp", f"{patient_id}:{code}")


def limit_key(kind: str, value: str) -> str:
    """The name a card, conversation or client is counted under (never in clear)."""
    return f"{kind}:{keys.pseudonym('limit', f'{kind}:{value}', 24)}"


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def mask_phone(phone: str) -> str:
    """138********: the last digits are a secret (phone4), so they are never shown."""
    return f"{phone[:3]}{'*' * 8}" if len(phone) >= 7 else "****"


def log_ref(card_no: str) -> str:
    """A stable pseudonym for a card in log lines (never log the card in clear)."""
    return "p-" + keys.pseudonym("log", card_no)
