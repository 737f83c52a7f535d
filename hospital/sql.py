"""The mock hospital systems on SQLAlchemy (SQLite file by default, PostgreSQL works
too). One implementation of `HospitalSystems`; dialogue code only sees the interface.

    hospital = connect("sqlite:///hospital.db")      # tables created, nothing seeded

`hospital.factory` builds it (and has the demo seed it); nothing here knows the demo.

Every database failure surfaces as `SystemUnavailable` after the transaction was
rolled back, so a patient is never told something happened that did not.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import MetaData, create_engine, delete, event, func, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from . import models as m
from .config import Clock, system_clock
from .interface import (
    NUMBER_TYPES,
    PERIODS,
    TITLES,
    Appointment,
    BookingRejected,
    ClinicSession,
    CodeRequest,
    Department,
    Doctor,
    HandoffTaken,
    HandoffTicket,
    HospitalSystems,
    ImagingExam,
    LabOrder,
    LabResult,
    NotFound,
    Patient,
    Reminder,
    SystemUnavailable,
    VerificationResult,
)
from .facts import facts
from .reference import department_candidates, load_holidays, normalize_department_text
from .schedule import appointment_number, period_end, period_start
from .security import hash_code, limit_key, log_ref, mask_phone, same_secret, seal, unseal

logger = logging.getLogger(__name__)

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
# A claimed reminder whose worker never finished (it crashed) is closed as sent after
# this long: its SMS went with the claim, and the chat is never risked twice.
REMINDER_CLAIM_TIMEOUT = dt.timedelta(minutes=10)
MAX_FAILURES = FAILURE_LIMITS["card"][0][0]
LONGEST_WINDOW = max(window for limits in (FAILURE_LIMITS, CODE_LIMITS) for rules in limits.values()
                     for _, window in rules)
DOCTOR_SUFFIXES = ("副主任医师", "主任医师", "主治医师", "副主任", "副教授", "医生", "大夫", "主任", "教授", "医师", "老师")


class _SlotConflict(Exception):
    """The database refused a second active appointment (a race the Python checks missed)."""


# --- engine and factories -------------------------------------------------------------------


def make_engine(url: str) -> Engine:
    """An engine suited to the URL: in-memory SQLite shares one connection (StaticPool)
    so every thread sees the same database; file SQLite waits for the write lock
    instead of failing; PostgreSQL checks connections before use."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=20, pool_timeout=60)
    memory = parsed.database in (None, "", ":memory:") or "mode=memory" in (parsed.database or "")
    if memory:
        engine = create_engine(url, future=True, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _owner_only(Path(parsed.database))
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=5, max_overflow=20, pool_timeout=60,
                               connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows (old personal data, expired codes) are overwritten, not left in free
        # pages (Debian's SQLite does this by default; other builds do not).
        cursor.execute("PRAGMA secure_delete=ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


def _owner_only(path: Path) -> None:
    """Patients' records: the database file (and the -wal/-shm files SQLite gives the
    same mode) is readable by its owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
    except OSError:
        pass  # unreachable: connecting reports it as SystemUnavailable


def _drop_outdated(engine: Engine) -> None:
    """The mock's tables changed shape (schema version): rebuild rather than fail."""
    tables = MetaData()
    with engine.connect() as conn:
        tables.reflect(conn)
        meta = tables.tables.get(m.Meta.__tablename__)
        if meta is None:
            return
        version = conn.execute(select(meta.c.value).where(meta.c.key == "seed_version")).scalar()
    if version in (None, m.SCHEMA_VERSION):
        return
    logger.warning("hospital database from schema version %s: rebuilding it for version %s", version, m.SCHEMA_VERSION)
    ours = set(m.Base.metadata.tables) | {"verification_state"}
    tables.drop_all(engine, tables=[t for t in tables.sorted_tables if t.name in ours])


def connect(url: str, clock: Clock = system_clock) -> "SqlHospital":
    """The hospital on this database, its tables created if missing (nothing seeded)."""
    try:
        engine = make_engine(url)
        _drop_outdated(engine)
        m.Base.metadata.create_all(engine)
    except SQLAlchemyError as exc:
        logger.error("hospital database unreachable (%s)", type(exc).__name__)
        raise SystemUnavailable("hospital database unavailable") from exc
    return SqlHospital(engine, clock=clock)


def clone_in_memory(source: "SqlHospital", clock: Optional[Clock] = None) -> "SqlHospital":
    """A fresh, independent in-memory copy of an in-memory hospital (SQLite backup
    API): how tests get a newly seeded database each without paying for the seed."""
    import sqlite3

    with source._lock:
        raw = source.engine.raw_connection()
        try:
            target = sqlite3.connect(":memory:", check_same_thread=False)
            raw.driver_connection.backup(target)
        finally:
            raw.close()
    target.execute("PRAGMA foreign_keys=ON")
    engine = create_engine("sqlite://", future=True, creator=lambda: target, poolclass=StaticPool)
    return SqlHospital(engine, clock=clock or source.clock)


def drop_schema(url: str) -> None:
    engine = make_engine(url)
    try:
        m.Base.metadata.drop_all(engine)
    finally:
        engine.dispose()


def table_counts(engine: Engine) -> Dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in m.Base.metadata.sorted_tables}


# --- the implementation -----------------------------------------------------------------------------


class SqlHospital(HospitalSystems):
    def __init__(self, engine: Engine, clock: Clock = system_clock, actor: str = "小安"):
        self.engine = engine
        self.clock = clock
        self.actor = actor
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        # One shared in-memory connection must not interleave transactions of threads.
        shared = isinstance(engine.pool, StaticPool)
        self._lock = threading.RLock() if shared else contextlib.nullcontext()

    # --- plumbing ---------------------------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        return self.clock().date()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._lock:
            try:
                with self._sessions.begin() as session:
                    yield session
            except SQLAlchemyError as exc:
                # Only the class: messages may carry parameters with personal data.
                logger.error("hospital database error (%s); transaction rolled back", type(exc).__name__)
                raise SystemUnavailable("hospital database unavailable") from exc

    def _audit(self, s: Session, action: str, target: str, patient: Optional[m.PatientRow], outcome: str = "ok",
               conversation_id: Optional[str] = None) -> None:
        s.add(m.AuditLog(at=self.clock(), actor=self.actor, action=action, target=target,
                         patient_id=patient.id if patient else None, outcome=outcome,
                         conversation_id=str(conversation_id)[:80] if conversation_id else None))

    @staticmethod
    def _patient_row(s: Session, card_no: str) -> Optional[m.PatientRow]:
        card_no = (card_no or "").strip()
        return s.execute(select(m.PatientRow).where(m.PatientRow.card_no == card_no)).scalar_one_or_none()

    def _require_patient(self, s: Session, card_no: str) -> m.PatientRow:
        patient = self._patient_row(s, card_no)
        if patient is None:
            raise NotFound("no such card", reason="card")
        return patient

    # --- catalogue ------------------------------------------------------------------------------------

    def departments(self) -> List[Department]:
        with self._tx() as s:
            return self._departments(s)

    def _departments(self, s: Session, where=None) -> List[Department]:
        query = select(m.DepartmentRow).order_by(m.DepartmentRow.sort_order)
        if where is not None:
            query = query.where(where)
        rows = s.execute(query).scalars().all()
        aliases: Dict[int, List[str]] = {}
        for dept_id, alias in s.execute(select(m.DepartmentAlias.department_id, m.DepartmentAlias.alias)
                                        .order_by(m.DepartmentAlias.id)):
            aliases.setdefault(dept_id, []).append(alias)
        return [Department(r.code, r.name, r.category, r.building, r.floor, r.description, tuple(aliases.get(r.id, ())))
                for r in rows]

    def find_department(self, text: str) -> Optional[Department]:
        candidates = department_candidates(text)
        if not candidates:
            return None
        with self._tx() as s:
            return self._find_department(s, candidates)

    def _find_department(self, s: Session, candidates: Sequence[str]) -> Optional[Department]:
        for candidate in candidates:
            dept_id = s.execute(select(m.DepartmentRow.id).where(m.DepartmentRow.name == candidate)).scalar_one_or_none()
            if dept_id is None:
                dept_id = s.execute(select(m.DepartmentAlias.department_id)
                                    .where(m.DepartmentAlias.alias == candidate)).scalar_one_or_none()
            if dept_id is not None:
                return self._departments(s, m.DepartmentRow.id == dept_id)[0]
        return None

    def _department_id(self, s: Session, text: str) -> Optional[int]:
        dept = self._find_department(s, department_candidates(text))
        if dept is None:
            return None
        return s.execute(select(m.DepartmentRow.id).where(m.DepartmentRow.code == dept.code)).scalar_one()

    def doctors(self, department: Optional[str] = None) -> List[Doctor]:
        with self._tx() as s:
            query = select(m.DoctorRow, m.DepartmentRow).join(m.DepartmentRow, m.DoctorRow.department_id == m.DepartmentRow.id)
            if department:
                dept_id = self._department_id(s, department)
                if dept_id is None:
                    return []
                query = query.where(m.DoctorRow.department_id == dept_id)
            return self._doctor_list(s.execute(query).all())

    def find_doctors(self, text: str) -> List[Doctor]:
        key = normalize_department_text(text)
        stripped = True
        while stripped:
            stripped = False
            for suffix in DOCTOR_SUFFIXES:
                if key.endswith(suffix) and len(key) > len(suffix):
                    key, stripped = key[: -len(suffix)], True
                    break
        if not key:
            return []
        with self._tx() as s:
            base = select(m.DoctorRow, m.DepartmentRow).join(m.DepartmentRow, m.DoctorRow.department_id == m.DepartmentRow.id)
            rows = s.execute(base.where(m.DoctorRow.name == key)).all()
            if not rows and len(key) <= 2:
                rows = s.execute(base.where(m.DoctorRow.surname == key)).all()
            return self._doctor_list(rows)

    @staticmethod
    def _doctor_list(rows) -> List[Doctor]:
        rows = sorted(rows, key=lambda r: (r[1].sort_order, TITLES.index(r[0].title), r[0].code))
        return [Doctor(d.id, d.name, d.title, dept.name, d.specialties, d.bio) for d, dept in rows]

    # --- schedule ---------------------------------------------------------------------------------------

    def schedule_window(self) -> Tuple[dt.date, dt.date]:
        today = self.today
        return today, facts().last_bookable_day(today)

    def closed_reason(self, day: dt.date) -> Optional[str]:
        return load_holidays().closed_reason(day)

    @staticmethod
    def _session_select():
        return (select(m.ClinicSessionRow, m.DoctorRow, m.DepartmentRow)
                .join(m.DoctorRow, m.ClinicSessionRow.doctor_id == m.DoctorRow.id)
                .join(m.DepartmentRow, m.ClinicSessionRow.department_id == m.DepartmentRow.id))

    @staticmethod
    def _session_dc(row: m.ClinicSessionRow, doctor: m.DoctorRow, dept: m.DepartmentRow) -> ClinicSession:
        return ClinicSession(
            id=row.id, doctor_id=doctor.id, doctor_name=doctor.name, doctor_title=doctor.title, department=dept.name,
            date=row.day, period=row.period, number_type=row.number_type, fee=float(row.fee),
            capacity=row.capacity, booked=row.booked, location=f"{dept.building}{dept.floor}",
        )

    def sessions(self, department: Optional[str] = None, doctor_id: Optional[int] = None,
                 start: Optional[dt.date] = None, end: Optional[dt.date] = None, period: Optional[str] = None,
                 number_type: Optional[str] = None, only_available: bool = False) -> List[ClinicSession]:
        first, last = self.schedule_window()
        start, end = max(start or first, first), min(end or last, last)
        if start > end:
            return []
        now = self.clock()
        with self._tx() as s:
            query = self._session_select().where(m.ClinicSessionRow.day >= start, m.ClinicSessionRow.day <= end,
                                                 m.ClinicSessionRow.status == "open")
            if department:
                dept_id = self._department_id(s, department)
                if dept_id is None:
                    return []
                query = query.where(m.ClinicSessionRow.department_id == dept_id)
            if doctor_id is not None:
                query = query.where(m.ClinicSessionRow.doctor_id == doctor_id)
            if period:
                query = query.where(m.ClinicSessionRow.period == period)
            if number_type:
                query = query.where(m.ClinicSessionRow.number_type == number_type)
            if only_available:
                query = query.where(m.ClinicSessionRow.booked < m.ClinicSessionRow.capacity)
            rows = s.execute(query).all()
        if only_available:
            rows = [r for r in rows if period_end(r[0].day, r[0].period) > now
                    and facts().release_moment(r[0].day, r[0].number_type) <= now]
        rows.sort(key=lambda r: (r[0].day, PERIODS.index(r[0].period), NUMBER_TYPES.index(r[0].number_type), r[1].id))
        return [self._session_dc(*r) for r in rows]

    def session(self, session_id: int) -> ClinicSession:
        with self._tx() as s:
            row = s.execute(self._session_select().where(m.ClinicSessionRow.id == session_id)).one_or_none()
            if row is None:
                raise NotFound("no such clinic session", reason="session")
            return self._session_dc(*row)

    def fees(self) -> dict:
        return dict(facts().fees)

    def expert_release_policy(self) -> str:
        return facts().release_policy()

    # --- identity ------------------------------------------------------------------------------------------

    def card_exists(self, card_no: str) -> bool:
        with self._tx() as s:
            return self._patient_row(s, card_no) is not None

    def send_otp(self, card_no: str, conversation_id: Optional[str] = None,
                 client: Optional[str] = None) -> CodeRequest:
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
        code = f"{secrets.randbelow(10 ** 6):06d}"
        s.add(m.OtpCode(patient_id=patient.id, code_hash=hash_code(patient.id, code), created_at=now,
                        expires_at=now + dt.timedelta(minutes=OTP_MINUTES)))
        body = facts().sms_code.format(hospital=facts().short_name, code=code, minutes=OTP_MINUTES)
        # The mock gateway's "sent" box stands in for the patient's phone.
        s.add(m.SmsOutbox(patient_id=patient.id, phone_enc=patient.phone_enc, code=code, sent_at=now, body=body))

    @staticmethod
    def _revoke_codes(s: Session, patient_id: int) -> None:
        s.execute(update(m.OtpCode).where(m.OtpCode.patient_id == patient_id, m.OtpCode.used_at.is_(None))
                  .values(revoked=True).execution_options(synchronize_session=False))

    def verify(self, card_no: str, method: str, secret: str, conversation_id: Optional[str] = None,
               client: Optional[str] = None) -> VerificationResult:
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
                s.execute(delete(m.LimitEvent).where(m.LimitEvent.key == keys["card"], m.LimitEvent.kind == "fail")
                          .execution_options(synchronize_session=False))
                self._audit(s, "verify_identity", method, patient, "ok", conversation_id)
                result = VerificationResult(True, "ok", MAX_FAILURES)
            else:
                self._count(s, keys, "fail", now)
                locked, left = self._limits(s, keys, "fail", FAILURE_LIMITS, now)
                if locked and patient is not None:
                    self._revoke_codes(s, patient.id)
                result = VerificationResult(False, "locked", 0, locked) if locked else VerificationResult(False, "wrong", left)
            s.add(m.VerificationAttempt(patient_id=patient.id if patient else None, method=method,
                                        reason=result.reason, at=now))
        logger.info("verification %s for %s: %s", method, log_ref(card_no), result.reason)
        return result

    def _secret_matches(self, s: Session, patient: Optional[m.PatientRow], method: str, secret: str,
                        now: dt.datetime) -> bool:
        if patient is None:  # an unknown card fails exactly like a wrong secret
            return False
        if method == "phone4":
            return len(secret) == 4 and same_secret(secret, unseal(patient.phone_enc)[-4:])
        code = s.execute(
            select(m.OtpCode).where(m.OtpCode.patient_id == patient.id, m.OtpCode.used_at.is_(None),
                                    m.OtpCode.revoked.is_(False), m.OtpCode.expires_at > now)
            .order_by(m.OtpCode.id.desc()).limit(1)
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
        return s.execute(select(m.LimitEvent.id).where(m.LimitEvent.key == self._code_key(card_no, conversation_id))
                         .limit(1)).first() is not None

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
        s.execute(update(m.LimitKey).where(m.LimitKey.key.in_(names)).values(touched_at=now)
                  .execution_options(synchronize_session=False))
        # What no window looks at any more is gone (the table stays small).
        s.execute(delete(m.LimitEvent).where(m.LimitEvent.key.in_(names), m.LimitEvent.at <= now - LONGEST_WINDOW)
                  .execution_options(synchronize_session=False))

    @staticmethod
    def _count(s: Session, keys: Dict[str, str], kind: str, now: dt.datetime) -> None:
        s.add_all([m.LimitEvent(key=key, kind=kind, at=now) for key in keys.values()])
        s.flush()

    @staticmethod
    def _limits(s: Session, keys: Dict[str, str], kind: str, limits: dict,
                now: dt.datetime) -> Tuple[Optional[dt.datetime], int]:
        """(until when a key is locked or None, how many more events every window allows)."""
        until: Optional[dt.datetime] = None
        left = None
        for role, key in keys.items():
            for count, window in limits.get(role, ()):
                recent = s.execute(select(m.LimitEvent.at)
                                   .where(m.LimitEvent.key == key, m.LimitEvent.kind == kind,
                                          m.LimitEvent.at > now - window)
                                   .order_by(m.LimitEvent.at.desc()).limit(count)).scalars().all()
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

    # --- appointments ----------------------------------------------------------------------------------------

    def _check_bookable(self, row: m.ClinicSessionRow, now: dt.datetime) -> None:
        last = facts().last_bookable_day(now.date())
        if row.status != "open":
            raise BookingRejected("session stopped", "session_closed")
        if now >= period_end(row.day, row.period):
            raise BookingRejected("session over", "past")
        if row.day > last:
            raise BookingRejected("beyond the booking window", "session_closed", reason="not_open_yet",
                                  days=facts().booking_window_days)
        if now < facts().release_moment(row.day, row.number_type):
            raise BookingRejected("not released yet", "not_released", number_type=row.number_type,
                                  policy=facts().release_policy())

    def _active_same_day(self, s: Session, patient_id: int, row: m.ClinicSessionRow, exclude_id: Optional[int] = None):
        query = select(m.AppointmentRow).where(
            m.AppointmentRow.patient_id == patient_id, m.AppointmentRow.status == m.ACTIVE,
            m.AppointmentRow.department_id == row.department_id, m.AppointmentRow.visit_date == row.day)
        if exclude_id is not None:
            query = query.where(m.AppointmentRow.id != exclude_id)
        return s.execute(query).scalars().all()

    @staticmethod
    def _reject_existing(existing, row: m.ClinicSessionRow) -> None:
        if any(a.session_id == row.id for a in existing):
            raise BookingRejected("already booked", "duplicate")
        if existing:
            raise BookingRejected("one appointment per department and day", "one_per_department_day")

    def _take_slot(self, s: Session, patient: m.PatientRow, row: m.ClinicSessionRow, precheck: dict,
                   now: dt.datetime, note: Optional[str] = None) -> m.AppointmentRow:
        """The atomic part: the conditional UPDATE wins or loses the slot in the
        database, so concurrent requests can never overbook."""
        taken = s.execute(
            update(m.ClinicSessionRow)
            .where(m.ClinicSessionRow.id == row.id, m.ClinicSessionRow.booked < m.ClinicSessionRow.capacity)
            .values(booked=m.ClinicSessionRow.booked + 1, next_queue=m.ClinicSessionRow.next_queue + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise BookingRejected("session full", "no_slots")
        queue = s.execute(select(m.ClinicSessionRow.next_queue).where(m.ClinicSessionRow.id == row.id)).scalar_one()
        appt = m.AppointmentRow(patient_id=patient.id, session_id=row.id, department_id=row.department_id,
                                visit_date=row.day, status=m.ACTIVE, queue_no=queue, precheck=dict(precheck or {}),
                                created_at=now, updated_at=now)
        s.add(appt)
        try:
            s.flush()
        except IntegrityError as exc:
            raise _SlotConflict() from exc
        appt.number = appointment_number(row.day, appt.id)
        s.add(m.AppointmentHistory(appointment_id=appt.id, from_status=None, to_status=m.ACTIVE, at=now,
                                   actor=self.actor, note=note))
        return appt

    def _release_slot(self, s: Session, session_id: int) -> None:
        s.execute(update(m.ClinicSessionRow)
                  .where(m.ClinicSessionRow.id == session_id, m.ClinicSessionRow.booked > 0)
                  .values(booked=m.ClinicSessionRow.booked - 1).execution_options(synchronize_session=False))

    def _classify_conflict(self, card_no: str, session_id: int) -> BookingRejected:
        with self._tx() as s:
            patient = self._require_patient(s, card_no)
            row = s.get(m.ClinicSessionRow, session_id)
            try:
                self._reject_existing(self._active_same_day(s, patient.id, row), row)
            except BookingRejected as exc:
                return exc
        return BookingRejected("already booked", "duplicate")

    def book(self, card_no: str, session_id: int, precheck: Optional[dict] = None,
             conversation_id: Optional[str] = None) -> Appointment:
        now = self.clock()
        try:
            with self._tx() as s:
                patient = self._require_patient(s, card_no)
                row = s.get(m.ClinicSessionRow, session_id)
                if row is None:
                    raise NotFound("no such clinic session", reason="session")
                self._check_bookable(row, now)
                self._reject_existing(self._active_same_day(s, patient.id, row), row)
                appt = self._take_slot(s, patient, row, precheck or {}, now)
                self._arm_appointment_reminder(s, patient, appt, row, conversation_id, now)
                self._audit(s, "book_appointment", f"appointment:{appt.number}", patient, "ok", conversation_id)
                result = self._appointment_dc(s, appt, patient.card_no)
        except _SlotConflict:
            raise self._classify_conflict(card_no, session_id) from None
        logger.info("booked %s (session %s) for %s", result.number, session_id, log_ref(card_no))
        return result

    def _own_appointment(self, s: Session, patient: m.PatientRow, appointment_no: str) -> m.AppointmentRow:
        appt = s.execute(select(m.AppointmentRow).where(m.AppointmentRow.number == (appointment_no or "").strip(),
                                                        m.AppointmentRow.patient_id == patient.id)).scalar_one_or_none()
        if appt is None:
            raise NotFound("no such appointment", reason="appointment")
        return appt

    def _check_changeable(self, s: Session, appt: m.AppointmentRow, now: dt.datetime) -> m.ClinicSessionRow:
        if appt.status != m.ACTIVE:
            raise BookingRejected(f"appointment {appt.status}", "not_cancellable", reason=appt.status)
        row = s.get(m.ClinicSessionRow, appt.session_id)
        if now >= period_start(row.day, row.period):
            raise BookingRejected("session started", "not_cancellable", reason="started")
        return row

    def _set_status(self, s: Session, appt: m.AppointmentRow, status: str, now: dt.datetime, note: Optional[str] = None) -> None:
        s.add(m.AppointmentHistory(appointment_id=appt.id, from_status=appt.status, to_status=status, at=now,
                                   actor=self.actor, note=note))
        appt.status = status
        appt.updated_at = now

    def cancel(self, card_no: str, appointment_no: str, conversation_id: Optional[str] = None) -> Appointment:
        now = self.clock()
        with self._tx() as s:
            patient = self._require_patient(s, card_no)
            appt = self._own_appointment(s, patient, appointment_no)
            self._check_changeable(s, appt, now)
            self._set_status(s, appt, "cancelled", now)
            self._cancel_appointment_reminders(s, appt.id)
            s.flush()
            self._release_slot(s, appt.session_id)
            self._audit(s, "cancel_appointment", f"appointment:{appt.number}", patient, "ok", conversation_id)
            result = self._appointment_dc(s, appt, patient.card_no)
        logger.info("cancelled %s for %s", result.number, log_ref(card_no))
        return result

    def reschedule(self, card_no: str, appointment_no: str, session_id: int,
                   conversation_id: Optional[str] = None) -> Appointment:
        now = self.clock()
        try:
            with self._tx() as s:
                patient = self._require_patient(s, card_no)
                old = self._own_appointment(s, patient, appointment_no)
                self._check_changeable(s, old, now)
                new_row = s.get(m.ClinicSessionRow, session_id)
                if new_row is None:
                    raise NotFound("no such clinic session", reason="session")
                if new_row.id == old.session_id:
                    raise BookingRejected("same session", "duplicate", reason="same_slot")
                self._check_bookable(new_row, now)
                self._reject_existing(self._active_same_day(s, patient.id, new_row, exclude_id=old.id), new_row)
                # Old released and new taken in this one transaction: either both or neither.
                old.status, old.updated_at = "rescheduled", now
                s.flush()  # frees the partial unique index before the new row goes in
                self._release_slot(s, old.session_id)
                new = self._take_slot(s, patient, new_row, old.precheck or {}, now, note=f"由 {old.number} 改约")
                moved_from = self._cancel_appointment_reminders(s, old.id)
                self._arm_appointment_reminder(s, patient, new, new_row, conversation_id or moved_from, now)
                s.add(m.AppointmentHistory(appointment_id=old.id, from_status=m.ACTIVE, to_status="rescheduled",
                                           at=now, actor=self.actor, note=f"改约至 {new.number}"))
                self._audit(s, "reschedule_appointment", f"appointment:{old.number}->{new.number}", patient, "ok",
                            conversation_id)
                result = self._appointment_dc(s, new, patient.card_no)
        except _SlotConflict:
            raise self._classify_conflict(card_no, session_id) from None
        logger.info("rescheduled %s to %s for %s", appointment_no, result.number, log_ref(card_no))
        return result

    def appointments(self, card_no: str, upcoming_only: bool = True,
                     conversation_id: Optional[str] = None) -> List[Appointment]:
        now = self.clock()
        with self._tx() as s:
            patient = self._patient_row(s, card_no)
            self._audit(s, "read_appointments", "appointments", patient, "ok" if patient else "not_found",
                        conversation_id)
            if patient is None:
                result = None
            else:
                query = (select(m.AppointmentRow, m.ClinicSessionRow, m.DoctorRow, m.DepartmentRow)
                         .join(m.ClinicSessionRow, m.AppointmentRow.session_id == m.ClinicSessionRow.id)
                         .join(m.DoctorRow, m.ClinicSessionRow.doctor_id == m.DoctorRow.id)
                         .join(m.DepartmentRow, m.ClinicSessionRow.department_id == m.DepartmentRow.id)
                         .where(m.AppointmentRow.patient_id == patient.id))
                if upcoming_only:
                    query = query.where(m.AppointmentRow.status == m.ACTIVE, m.AppointmentRow.visit_date >= now.date())
                rows = s.execute(query).all()
                if upcoming_only:
                    rows = [r for r in rows if period_end(r[1].day, r[1].period) > now]
                rows.sort(key=lambda r: (r[1].day, PERIODS.index(r[1].period), r[0].id))
                result = [self._appointment_from(a, patient.card_no, self._session_dc(row, doc, dept))
                          for a, row, doc, dept in rows]
        if result is None:
            raise NotFound("no such card", reason="card")
        return result

    def _appointment_dc(self, s: Session, appt: m.AppointmentRow, card_no: str) -> Appointment:
        # populate_existing: the slot counters were changed by UPDATE statements the
        # identity map has not seen.
        row = s.execute(self._session_select().where(m.ClinicSessionRow.id == appt.session_id)
                        .execution_options(populate_existing=True)).one()
        return self._appointment_from(appt, card_no, self._session_dc(*row))

    @staticmethod
    def _appointment_from(appt: m.AppointmentRow, card_no: str, session: ClinicSession) -> Appointment:
        return Appointment(number=appt.number, card_no=card_no, session=session, status=appt.status,
                           created_at=appt.created_at, queue_no=appt.queue_no, precheck=dict(appt.precheck or {}))

    # --- reminders ---------------------------------------------------------------------------------------------

    def _arm_appointment_reminder(self, s: Session, patient: m.PatientRow, appt: m.AppointmentRow,
                                  row: m.ClinicSessionRow, conversation_id: Optional[str], now: dt.datetime) -> None:
        """The day before the visit; none when that moment has passed (a visit booked
        for tomorrow evening: the confirmation was the reminder)."""
        due = dt.datetime.combine(row.day - dt.timedelta(days=1), facts().reminder_time())
        if due > now:
            s.add(m.ReminderRow(kind="appointment", patient_id=patient.id, appointment_id=appt.id,
                                conversation_id=str(conversation_id)[:80] if conversation_id else None,
                                due_at=due, state="pending", created_at=now))

    @staticmethod
    def _cancel_appointment_reminders(s: Session, appointment_id: int) -> Optional[str]:
        """Cancel the appointment's pending reminder; returns its conversation."""
        pending = (m.ReminderRow.appointment_id == appointment_id, m.ReminderRow.state == "pending")
        conversation = s.execute(select(m.ReminderRow.conversation_id).where(*pending).limit(1)).scalar()
        s.execute(update(m.ReminderRow).where(*pending).values(state="cancelled")
                  .execution_options(synchronize_session=False))
        return conversation

    def _reminder_dc(self, s: Session, row: m.ReminderRow) -> Reminder:
        appointment = None
        if row.appointment_id is not None:
            appt = s.get(m.AppointmentRow, row.appointment_id)
            appointment = self._appointment_dc(s, appt, s.get(m.PatientRow, appt.patient_id).card_no)
        return Reminder(id=row.id, kind=row.kind, due_at=row.due_at, state=row.state,
                        conversation_id=row.conversation_id, note=unseal(row.note_enc) if row.note_enc else "",
                        appointment=appointment)

    def add_reminder(self, due_at: dt.datetime, note: str, conversation_id: Optional[str],
                     card_no: Optional[str] = None) -> Reminder:
        now = self.clock()
        if due_at <= now:
            raise BookingRejected("reminder time passed", "past", reason="reminder")
        with self._tx() as s:
            patient = self._patient_row(s, card_no) if card_no else None
            row = m.ReminderRow(kind="custom", patient_id=patient.id if patient else None,
                                conversation_id=str(conversation_id)[:80] if conversation_id else None,
                                note_enc=seal((note or "").strip()[:100]), due_at=due_at, state="pending",
                                created_at=now)
            s.add(row)
            s.flush()
            result = self._reminder_dc(s, row)
        logger.info("reminder %s set for %s", result.id, due_at.isoformat(timespec="minutes"))
        return result

    def reminders(self, conversation_id: str) -> List[Reminder]:
        with self._tx() as s:
            rows = s.execute(select(m.ReminderRow).where(m.ReminderRow.conversation_id == str(conversation_id)[:80],
                                                         m.ReminderRow.state == "pending")
                             .order_by(m.ReminderRow.due_at, m.ReminderRow.id)).scalars().all()
            return [self._reminder_dc(s, r) for r in rows]

    def _own_reminder(self, s: Session, reminder_id: int, conversation_id: str) -> m.ReminderRow:
        row = s.get(m.ReminderRow, reminder_id)
        if row is None or row.conversation_id != str(conversation_id)[:80]:
            raise NotFound("no such reminder", reason="reminder")
        return row

    def reminder(self, reminder_id: int, conversation_id: str) -> Reminder:
        with self._tx() as s:
            return self._reminder_dc(s, self._own_reminder(s, reminder_id, conversation_id))

    def cancel_reminder(self, reminder_id: int, conversation_id: str) -> Reminder:
        with self._tx() as s:
            row = self._own_reminder(s, reminder_id, conversation_id)
            won = s.execute(update(m.ReminderRow).where(m.ReminderRow.id == row.id, m.ReminderRow.state == "pending")
                            .values(state="cancelled").execution_options(synchronize_session=False)).rowcount
            if won != 1:
                raise BookingRejected("reminder sent or cancelled", "not_cancellable", reason="reminder")
            s.refresh(row)
            return self._reminder_dc(s, row)

    def detach_reminders(self, conversation_id: str) -> int:
        mine = (m.ReminderRow.conversation_id == str(conversation_id)[:80], m.ReminderRow.state == "pending")
        with self._tx() as s:
            cancelled = s.execute(update(m.ReminderRow).where(*mine, m.ReminderRow.patient_id.is_(None))
                                  .values(state="cancelled").execution_options(synchronize_session=False)).rowcount
            detached = s.execute(update(m.ReminderRow).where(*mine).values(conversation_id=None)
                                 .execution_options(synchronize_session=False)).rowcount
        return cancelled + detached

    def claim_due_reminders(self, worker: str, limit: int = 20) -> List[Reminder]:
        now = self.clock()
        with self._tx() as s:
            s.execute(update(m.ReminderRow)
                      .where(m.ReminderRow.state == "sending", m.ReminderRow.claimed_at <= now - REMINDER_CLAIM_TIMEOUT)
                      .values(state="sent", sent_at=now).execution_options(synchronize_session=False))
            due = s.execute(select(m.ReminderRow.id).where(m.ReminderRow.state == "pending", m.ReminderRow.due_at <= now)
                            .order_by(m.ReminderRow.due_at, m.ReminderRow.id).limit(limit)).scalars().all()
        claimed = []
        for reminder_id in due:
            with self._tx() as s:
                # Compare-and-set: of concurrent workers exactly one changes the row.
                won = s.execute(update(m.ReminderRow)
                                .where(m.ReminderRow.id == reminder_id, m.ReminderRow.state == "pending")
                                .values(state="sending", claimed_by=worker[:40], claimed_at=now)
                                .execution_options(synchronize_session=False)).rowcount
                if won != 1:
                    continue
                row = s.get(m.ReminderRow, reminder_id)
                appt = s.get(m.AppointmentRow, row.appointment_id) if row.appointment_id else None
                if appt is not None and appt.status != m.ACTIVE:
                    row.state = "cancelled"  # changed by other means (a counter, staff)
                    continue
                reminder = self._reminder_dc(s, row)
                if row.patient_id is not None and row.sms_sent_at is None:
                    self._send_reminder_sms(s, row, reminder)
                    row.sms_sent_at = now
                claimed.append(reminder)
        if claimed:
            logger.info("%s claimed reminder(s) %s", worker, [r.id for r in claimed])
        return claimed

    def _send_reminder_sms(self, s: Session, row: m.ReminderRow, reminder: Reminder) -> None:
        texts, hospital = facts().reminders, facts().short_name
        if reminder.appointment is not None:
            visit = reminder.appointment.session
            body = texts.sms_appointment.format(
                hospital=hospital, day=f"{visit.date.month}月{visit.date.day}日",
                period=visit.period, department=visit.department, doctor=f"{visit.doctor_name}{visit.doctor_title}",
                number_type=visit.number_type, location=visit.location, number=reminder.appointment.number)
        else:
            body = texts.sms_custom.format(hospital=hospital, note=reminder.note)
        patient = s.get(m.PatientRow, row.patient_id)
        s.add(m.SmsOutbox(patient_id=patient.id, phone_enc=patient.phone_enc, body=body, sent_at=self.clock()))

    def finish_reminder(self, reminder_id: int, worker: str, retry_after: Optional[dt.timedelta] = None) -> None:
        now = self.clock()
        values = (dict(state="pending", due_at=now + retry_after, claimed_by=None, claimed_at=None) if retry_after
                  else dict(state="sent", sent_at=now))
        with self._tx() as s:
            s.execute(update(m.ReminderRow).where(m.ReminderRow.id == reminder_id, m.ReminderRow.state == "sending",
                                                  m.ReminderRow.claimed_by == worker[:40])
                      .values(**values).execution_options(synchronize_session=False))

    # --- reports -----------------------------------------------------------------------------------------------

    def _read_records(self, card_no: str, action: str, target: str, load, conversation_id: Optional[str] = None):
        """Audit, then load, inside one transaction; a refused or unknown record is
        audited too and reported as NotFound (never "it belongs to someone else")."""
        with self._tx() as s:
            patient = self._patient_row(s, card_no)
            result = load(s, patient) if patient is not None else None
            outcome = "ok" if result is not None else ("not_found" if patient is None else "denied")
            self._audit(s, action, target, patient, outcome, conversation_id)
        return result

    def lab_orders(self, card_no: str, conversation_id: Optional[str] = None) -> List[LabOrder]:
        def load(s, patient):
            orders = s.execute(select(m.LabOrderRow).where(m.LabOrderRow.patient_id == patient.id)
                               .order_by(m.LabOrderRow.ordered_at.desc(), m.LabOrderRow.id.desc())).scalars().all()
            return self._lab_dcs(s, orders)

        result = self._read_records(card_no, "read_lab_orders", "lab_orders", load, conversation_id)
        if result is None:
            raise NotFound("no such card", reason="card")
        return result

    def lab_order(self, card_no: str, order_id: str, conversation_id: Optional[str] = None) -> LabOrder:
        def load(s, patient):
            order = s.get(m.LabOrderRow, (order_id or "").strip())
            return self._lab_dcs(s, [order])[0] if order is not None and order.patient_id == patient.id else None

        result = self._read_records(card_no, "read_lab_order", f"lab_order:{order_id}", load, conversation_id)
        if result is None:
            raise NotFound("no such lab order", reason="lab_order")
        return result

    def _lab_dcs(self, s: Session, orders: Sequence[m.LabOrderRow]) -> List[LabOrder]:
        ids = [o.id for o in orders if o.status == "ready"]
        results: Dict[str, List[LabResult]] = {}
        if ids:
            for r in s.execute(select(m.LabResultRow).where(m.LabResultRow.order_id.in_(ids))
                               .order_by(m.LabResultRow.order_id, m.LabResultRow.seq)).scalars():
                results.setdefault(r.order_id, []).append(
                    LabResult(r.code, r.name, r.value, r.unit, r.ref_low, r.ref_high, r.flag, r.critical))
        names = dict(s.execute(select(m.DepartmentRow.id, m.DepartmentRow.name)).all())
        return [LabOrder(o.id, o.panel, names[o.department_id], o.ordered_at, o.status, o.expected_at, o.reported_at,
                         tuple(results.get(o.id, ()))) for o in orders]

    def imaging_exams(self, card_no: str, conversation_id: Optional[str] = None) -> List[ImagingExam]:
        def load(s, patient):
            rows = s.execute(select(m.ImagingExamRow).where(m.ImagingExamRow.patient_id == patient.id)
                             .order_by(m.ImagingExamRow.scheduled_at.desc(), m.ImagingExamRow.id.desc())).scalars().all()
            return [self._exam_dc(r) for r in rows]

        result = self._read_records(card_no, "read_imaging_exams", "imaging_exams", load, conversation_id)
        if result is None:
            raise NotFound("no such card", reason="card")
        return result

    def imaging_exam(self, card_no: str, exam_id: str, conversation_id: Optional[str] = None) -> ImagingExam:
        def load(s, patient):
            row = s.get(m.ImagingExamRow, (exam_id or "").strip())
            return self._exam_dc(row) if row is not None and row.patient_id == patient.id else None

        result = self._read_records(card_no, "read_imaging_exam", f"imaging_exam:{exam_id}", load, conversation_id)
        if result is None:
            raise NotFound("no such exam", reason="exam")
        return result

    @staticmethod
    def _exam_dc(r: m.ImagingExamRow) -> ImagingExam:
        return ImagingExam(r.id, r.modality, r.body_part, r.scheduled_at, r.location, r.preparation, r.status,
                           r.expected_at, r.conclusion if r.status == "ready" else None)

    # --- handoff -------------------------------------------------------------------------------------------------

    @staticmethod
    def _ticket_dc(r: m.HandoffTicketRow, takeover: Optional[m.HandoffTakeoverRow] = None) -> HandoffTicket:
        return HandoffTicket(r.id, r.conversation_id, r.reason, r.summary, r.status, r.created_at,
                             takeover.staff if takeover else None, takeover.taken_at if takeover else None)

    def create_handoff(self, conversation_id: str, reason: str, summary: str) -> HandoffTicket:
        with self._tx() as s:
            row = m.HandoffTicketRow(conversation_id=conversation_id, reason=reason, summary=summary, status="open",
                                     created_at=self.clock())
            s.add(row)
            s.flush()
            ticket = self._ticket_dc(row)
        logger.info("handoff ticket %s opened (%s)", ticket.id, reason)
        return ticket

    def handoff_tickets(self, status: Optional[str] = None) -> List[HandoffTicket]:
        with self._tx() as s:
            query = (select(m.HandoffTicketRow, m.HandoffTakeoverRow)
                     .join(m.HandoffTakeoverRow, m.HandoffTakeoverRow.ticket_id == m.HandoffTicketRow.id, isouter=True)
                     .order_by(m.HandoffTicketRow.id))
            if status:
                query = query.where(m.HandoffTicketRow.status == status)
            return [self._ticket_dc(r, t) for r, t in s.execute(query).all()]

    def take_handoff(self, ticket_id: int, staff: str) -> HandoffTicket:
        taken = HandoffTaken("ticket taken by someone else")
        with self._tx() as s:
            row = s.get(m.HandoffTicketRow, ticket_id)
            if row is None:
                raise NotFound("no such handoff ticket", reason="ticket")
            if row.status != "open":
                raise taken
            takeover = m.HandoffTakeoverRow(ticket_id=ticket_id, staff=staff[:40], taken_at=self.clock())
            s.add(takeover)
            try:
                s.flush()  # the primary key refuses a second taker, also in another process
            except IntegrityError as exc:
                raise taken from exc
            return self._ticket_dc(row, takeover)

    def appointments_on(self, day: dt.date) -> List[Tuple[Appointment, Patient]]:
        with self._tx() as s:
            rows = s.execute(
                self._session_select().add_columns(m.AppointmentRow, m.PatientRow)
                .join(m.AppointmentRow, m.AppointmentRow.session_id == m.ClinicSessionRow.id)
                .join(m.PatientRow, m.AppointmentRow.patient_id == m.PatientRow.id)
                .where(m.AppointmentRow.visit_date == day, m.AppointmentRow.status == m.ACTIVE)
            ).all()
            result = [
                (self._appointment_from(appt, patient.card_no, self._session_dc(row, doc, dept)),
                 Patient(patient.card_no, unseal(patient.name_enc), patient.sex, patient.birth_date))
                for row, doc, dept, appt, patient in rows
            ]
        result.sort(key=lambda pair: (pair[0].session.department, PERIODS.index(pair[0].session.period),
                                      pair[0].queue_no))
        return result

    def close_handoff(self, ticket_id: int) -> HandoffTicket:
        with self._tx() as s:
            row = s.get(m.HandoffTicketRow, ticket_id)
            if row is None:
                raise NotFound("no such handoff ticket", reason="ticket")
            row.status, row.closed_at = "closed", self.clock()
            return self._ticket_dc(row)

    # --- audit ----------------------------------------------------------------------------------------------------

    def audit_entries(self, card_no: Optional[str] = None) -> Sequence[dict]:
        with self._tx() as s:
            query = (select(m.AuditLog, m.PatientRow.card_no)
                     .join(m.PatientRow, m.AuditLog.patient_id == m.PatientRow.id, isouter=True)
                     .order_by(m.AuditLog.id))
            if card_no is not None:
                query = query.where(m.PatientRow.card_no == card_no.strip())
            return [dict(actor=a.actor, action=a.action, target=a.target, at=a.at, outcome=a.outcome, card_no=card,
                         conversation_id=a.conversation_id)
                    for a, card in s.execute(query)]

    # --- mock-only helpers (not part of HospitalSystems) ------------------------------------------------------------

    def sms_outbox(self, card_no: str) -> List[dict]:
        """Messages the mock SMS gateway "sent" to the card's phone, oldest first."""
        with self._tx() as s:
            patient = self._require_patient(s, card_no)
            rows = s.execute(select(m.SmsOutbox).where(m.SmsOutbox.patient_id == patient.id)
                             .order_by(m.SmsOutbox.id)).scalars().all()
            return [dict(phone=mask_phone(unseal(r.phone_enc)), body=r.body, code=r.code, sent_at=r.sent_at)
                    for r in rows]

    def stop_session(self, session_id: int, note: str = "医生临时停诊") -> None:
        """Simulate a doctor cancelling a clinic (停诊): the session can no longer be booked."""
        with self._tx() as s:
            row = s.get(m.ClinicSessionRow, session_id)
            if row is None:
                raise NotFound("no such clinic session", reason="session")
            row.status, row.note = "stopped", note

    def set_session_load(self, session_id: int, booked: Optional[int] = None, capacity: Optional[int] = None) -> ClinicSession:
        """Make a session full, nearly full or empty for a demo or a test."""
        with self._tx() as s:
            row = s.get(m.ClinicSessionRow, session_id)
            if row is None:
                raise NotFound("no such clinic session", reason="session")
            if capacity is not None:
                row.capacity = capacity
            if booked is not None:
                row.booked = booked
                row.next_queue = max(row.next_queue, booked)
            s.flush()
        return self.session(session_id)

    def dispose(self) -> None:
        self.engine.dispose()
