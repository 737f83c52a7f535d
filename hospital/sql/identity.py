"""Proving who a patient is: card and phone digits or a one-time SMS code, with
limits on guessing and on code requests."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Dict, Optional, Tuple

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import models as m
from ..interface import (
    CodeRequest,
    NotFound,
    Patient,
    VerificationResult,
)
from ..facts import facts
from ..security import hash_code, limit_key, log_ref, same_secret, unseal
from .base import SqlBase

logger = logging.getLogger("hospital.sql")

OTP_MINUTES = 5
OTP_TRIES = 3  # wrong tries one code survives
# Sliding windows (at most N events in the last T): failed verifications per card,
# conversation and client (a kiosk or a hospital NAT is one client for many patients,
# hence its larger allowance); code requests per card, conversation and client.
# A key with N events in the window is locked until the oldest of them leaves it.
FAILURE_LIMITS = {
    "card": ((5, dt.timedelta(minutes=15)), (10, dt.timedelta(hours=24))),
    "conversation": ((5, dt.timedelta(minutes=15)),),
    "client": ((20, dt.timedelta(minutes=15)),),
}
CODE_LIMITS = {
    "card": ((1, dt.timedelta(seconds=60)), (5, dt.timedelta(hours=1))),
    "conversation": ((5, dt.timedelta(hours=1)),),
    "client": ((30, dt.timedelta(hours=1)),),
}
MAX_FAILURES = FAILURE_LIMITS["card"][0][0]
LONGEST_WINDOW = max(
    window for limits in (FAILURE_LIMITS, CODE_LIMITS) for rules in limits.values() for _, window in rules
)


class IdentityMixin(SqlBase):
    # --- identity ------------------------------------------------------------------------------------------

    def card_exists(self, card_no: str) -> bool:
        with self._tx() as s:
            return self._patient_row(s, card_no) is not None

    def send_otp(
        self, card_no: str, conversation_id: Optional[str] = None, client: Optional[str] = None
    ) -> CodeRequest:
        now = self.clock()
        card_no = (card_no or "").strip()
        keys = self._limit_keys(card_no, conversation_id, client)
        with self._tx() as s:
            self._hold(s, keys, now)
            locked, _ = self._limits(s, keys, "fail", FAILURE_LIMITS, now)
            wait, _ = self._limits(s, keys, "code", CODE_LIMITS, now)
            if locked:
                result = CodeRequest(False, "locked", locked)
            elif wait:
                result = CodeRequest(False, "wait", wait)
            else:
                # Counted and answered alike whether or not the card exists.
                self._count(s, keys, "code", now)
                if conversation_id:
                    s.add(m.LimitEvent(key=self._code_key(card_no, conversation_id), kind="sent", at=now))
                patient = self._patient_row(s, card_no)
                if patient is not None:
                    self._issue_code(s, patient, now)
                result = CodeRequest(True, "sent")
        logger.info("code request for %s: %s", log_ref(card_no), result.reason)
        return result

    def _issue_code(self, s: Session, patient: m.PatientRow, now: dt.datetime) -> None:
        self._revoke_codes(s, patient.id)
        code = f"{secrets.randbelow(10**6):06d}"
        s.add(
            m.OtpCode(
                patient_id=patient.id,
                code_hash=hash_code(patient.id, code),
                created_at=now,
                expires_at=now + dt.timedelta(minutes=OTP_MINUTES),
            )
        )
        body = facts().sms_code.format(hospital=facts().short_name, code=code, minutes=OTP_MINUTES)
        # The mock gateway's "sent" box stands in for the patient's phone.
        s.add(m.SmsOutbox(patient_id=patient.id, phone_enc=patient.phone_enc, code=code, sent_at=now, body=body))

    @staticmethod
    def _revoke_codes(s: Session, patient_id: int) -> None:
        s.execute(
            update(m.OtpCode)
            .where(m.OtpCode.patient_id == patient_id, m.OtpCode.used_at.is_(None))
            .values(revoked=True)
            .execution_options(synchronize_session=False)
        )

    def verify(
        self,
        card_no: str,
        method: str,
        secret: str,
        conversation_id: Optional[str] = None,
        client: Optional[str] = None,
    ) -> VerificationResult:
        if method not in ("phone4", "otp"):
            raise ValueError(f"unknown verification method {method!r}")
        now = self.clock()
        card_no = (card_no or "").strip()
        secret = "".join((secret or "").split())
        keys = self._limit_keys(card_no, conversation_id, client)
        with self._tx() as s:
            self._hold(s, keys, now)
            patient = self._patient_row(s, card_no)
            locked, left = self._limits(s, keys, "fail", FAILURE_LIMITS, now)
            if locked:
                result = VerificationResult(False, "locked", 0, locked)
            elif method == "phone4" and self._code_sent(s, card_no, conversation_id):
                # A code went to the registered phone in this conversation: only it proves
                # who is typing (the phone's digits may be known to others).
                result = VerificationResult(False, "code_required", left)
            elif self._secret_matches(s, patient, method, secret, now):
                s.execute(
                    delete(m.LimitEvent)
                    .where(m.LimitEvent.key == keys["card"], m.LimitEvent.kind == "fail")
                    .execution_options(synchronize_session=False)
                )
                self._audit(s, "verify_identity", method, patient, "ok", conversation_id)
                result = VerificationResult(True, "ok", MAX_FAILURES)
            else:
                self._count(s, keys, "fail", now)
                locked, left = self._limits(s, keys, "fail", FAILURE_LIMITS, now)
                if locked and patient is not None:
                    self._revoke_codes(s, patient.id)
                result = (
                    VerificationResult(False, "locked", 0, locked)
                    if locked
                    else VerificationResult(False, "wrong", left)
                )
            s.add(
                m.VerificationAttempt(
                    patient_id=patient.id if patient else None, method=method, reason=result.reason, at=now
                )
            )
        logger.info("verification %s for %s: %s", method, log_ref(card_no), result.reason)
        return result

    def _secret_matches(
        self, s: Session, patient: Optional[m.PatientRow], method: str, secret: str, now: dt.datetime
    ) -> bool:
        if patient is None:  # an unknown card fails exactly like a wrong secret
            return False
        if method == "phone4":
            return len(secret) == 4 and same_secret(secret, unseal(patient.phone_enc)[-4:])
        code = s.execute(
            select(m.OtpCode)
            .where(
                m.OtpCode.patient_id == patient.id,
                m.OtpCode.used_at.is_(None),
                m.OtpCode.revoked.is_(False),
                m.OtpCode.expires_at > now,
            )
            .order_by(m.OtpCode.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if code is None:
            return False
        if same_secret(hash_code(patient.id, secret), code.code_hash):
            code.used_at = now  # single use
            return True
        code.failures += 1
        if code.failures >= OTP_TRIES:
            code.revoked = True
        return False

    # --- identity: limits on guessing and on code requests -----------------------------------------

    @staticmethod
    def _limit_keys(card_no: str, conversation_id: Optional[str], client: Optional[str]) -> Dict[str, str]:
        keys = {"card": limit_key("card", card_no)}
        if conversation_id:
            keys["conversation"] = limit_key("conversation", str(conversation_id))
        if client:
            keys["client"] = limit_key("client", str(client))
        return keys

    @staticmethod
    def _code_key(card_no: str, conversation_id: str) -> str:
        return limit_key("sent", f"{card_no}|{conversation_id}")

    def _code_sent(self, s: Session, card_no: str, conversation_id: Optional[str]) -> bool:
        if not conversation_id:
            return False
        return (
            s.execute(
                select(m.LimitEvent.id).where(m.LimitEvent.key == self._code_key(card_no, conversation_id)).limit(1)
            ).first()
            is not None
        )

    @staticmethod
    def _hold(s: Session, keys: Dict[str, str], now: dt.datetime) -> None:
        """Serialise every attempt on these keys until this transaction ends. It is the
        transaction's first statement and a write: SQLite takes its write lock here,
        PostgreSQL locks the key rows (in a fixed order, so no deadlock)."""
        names = sorted(set(keys.values()))
        dialect = s.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        s.execute(insert(m.LimitKey).values([dict(key=k, touched_at=now) for k in names]).on_conflict_do_nothing())
        s.execute(
            update(m.LimitKey)
            .where(m.LimitKey.key.in_(names))
            .values(touched_at=now)
            .execution_options(synchronize_session=False)
        )
        # What no window looks at any more is gone (the table stays small).
        s.execute(
            delete(m.LimitEvent)
            .where(m.LimitEvent.key.in_(names), m.LimitEvent.at <= now - LONGEST_WINDOW)
            .execution_options(synchronize_session=False)
        )

    @staticmethod
    def _count(s: Session, keys: Dict[str, str], kind: str, now: dt.datetime) -> None:
        s.add_all([m.LimitEvent(key=key, kind=kind, at=now) for key in keys.values()])
        s.flush()

    @staticmethod
    def _limits(
        s: Session, keys: Dict[str, str], kind: str, limits: dict, now: dt.datetime
    ) -> Tuple[Optional[dt.datetime], int]:
        """(until when a key is locked or None, how many more events every window allows)."""
        until: Optional[dt.datetime] = None
        left = None
        for role, key in keys.items():
            for count, window in limits.get(role, ()):
                recent = (
                    s.execute(
                        select(m.LimitEvent.at)
                        .where(m.LimitEvent.key == key, m.LimitEvent.kind == kind, m.LimitEvent.at > now - window)
                        .order_by(m.LimitEvent.at.desc())
                        .limit(count)
                    )
                    .scalars()
                    .all()
                )
                if len(recent) >= count:
                    free_at = recent[count - 1] + window
                    until = max(until, free_at) if until else free_at
                left = count - len(recent) if left is None else min(left, count - len(recent))
        return until, max(left or 0, 0)

    def patient(self, card_no: str, conversation_id: Optional[str] = None) -> Patient:
        with self._tx() as s:
            row = self._patient_row(s, card_no)
            self._audit(s, "read_patient", "patient", row, "ok" if row else "not_found", conversation_id)
            result = Patient(row.card_no, unseal(row.name_enc), row.sex, row.birth_date) if row else None
        if result is None:
            raise NotFound("no such card", reason="card")
        return result
