"""Hashing and masking of personal data: what may be stored, shown or logged."""
from __future__ import annotations

import hashlib
import hmac


def hash_id_number(salt: str, id_number: str) -> str:
    return hashlib.sha256(f"{salt}:{id_number.strip().upper()}".encode()).hexdigest()


def hash_code(patient_id: int, code: str) -> str:
    return hashlib.sha256(f"otp:{patient_id}:{code}".encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def mask_phone(phone: str) -> str:
    """138****5678: what a patient may be shown."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def log_ref(card_no: str) -> str:
    """A stable pseudonym for a card in log lines (never log the card in clear)."""
    return "p-" + hashlib.sha256(f"log:{card_no}".encode()).hexdigest()[:8]
