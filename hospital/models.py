"""Tables of the mock hospital systems (HIS scheduling, patient index, LIS, RIS, plus
the assistant's own audit, handoff, verification and SMS outbox tables)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()  # Any: SQLAlchemy 1.4 declares it dynamically

ACTIVE = "booked"  # the one appointment status that holds a slot
# Stored as hospital_meta "seed_version"; a database of another version is rebuilt.
# 2: personal fields encrypted, limits as sliding windows
SCHEMA_VERSION = "2"


class Meta(Base):
    """Seed bookkeeping: seed version, day seeded, last scheduled day."""

    __tablename__ = "hospital_meta"
    key = Column(String(40), primary_key=True)
    value = Column(String(200), nullable=False)


# --- HIS: catalogue and schedule -------------------------------------------------------


class DepartmentRow(Base):
    __tablename__ = "departments"
    id = Column(Integer, primary_key=True)
    code = Column(String(8), nullable=False, unique=True)
    name = Column(String(40), nullable=False, unique=True)
    category = Column(String(10), nullable=False)
    building = Column(String(20), nullable=False)
    floor = Column(String(20), nullable=False)
    description = Column(Text, nullable=False)
    sort_order = Column(Integer, nullable=False)


class DepartmentAlias(Base):
    __tablename__ = "department_aliases"
    id = Column(Integer, primary_key=True)
    department_id = Column(ForeignKey("departments.id"), nullable=False, index=True)
    alias = Column(String(40), nullable=False, unique=True)


class DoctorRow(Base):
    __tablename__ = "doctors"
    id = Column(Integer, primary_key=True)
    code = Column(String(12), nullable=False, unique=True)
    name = Column(String(20), nullable=False, index=True)
    surname = Column(String(4), nullable=False, index=True)
    title = Column(String(10), nullable=False)
    department_id = Column(ForeignKey("departments.id"), nullable=False, index=True)
    specialties = Column(Text, nullable=False)
    bio = Column(Text, nullable=False)
    special_clinic = Column(Boolean, nullable=False, default=False)


class ClinicSessionRow(Base):
    __tablename__ = "clinic_sessions"
    id = Column(Integer, primary_key=True)
    doctor_id = Column(ForeignKey("doctors.id"), nullable=False)
    department_id = Column(ForeignKey("departments.id"), nullable=False)
    day = Column(Date, nullable=False)
    period = Column(String(4), nullable=False)
    number_type = Column(String(4), nullable=False)
    fee = Column(Numeric(8, 2, asdecimal=False), nullable=False)
    capacity = Column(Integer, nullable=False)
    booked = Column(Integer, nullable=False, default=0)
    # Queue numbers are never reused after a cancellation, so they count separately.
    next_queue = Column(Integer, nullable=False, default=0)
    status = Column(String(10), nullable=False, default="open")  # open / stopped (停诊)
    note = Column(String(100))
    __table_args__ = (
        UniqueConstraint("doctor_id", "day", "period", name="uq_session_doctor_day_period"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_session_booked_range"),
        Index("ix_session_department_day", "department_id", "day"),
        Index("ix_session_day", "day"),
    )


# --- patient index --------------------------------------------------------------------------


class PatientRow(Base):
    __tablename__ = "patients"
    id = Column(Integer, primary_key=True)
    card_no = Column(String(20), nullable=False, unique=True)
    # Name and phone are encrypted with a key outside the database (security.seal);
    # the national ID is never stored, only a keyed hash for matching at the counter.
    name_enc = Column(Text, nullable=False)
    sex = Column(String(2), nullable=False)
    birth_date = Column(Date, nullable=False)
    phone_enc = Column(Text, nullable=False)
    guardian_name_enc = Column(Text)  # for children: the parent whose phone is registered
    id_number_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)


# --- appointments -------------------------------------------------------------------------


class AppointmentRow(Base):
    __tablename__ = "appointments"
    id = Column(Integer, primary_key=True)
    number = Column(String(24), unique=True)  # set right after insert from the id
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    session_id = Column(ForeignKey("clinic_sessions.id"), nullable=False, index=True)
    # Copies of the session's department and day so the database itself can enforce
    # "one active appointment per patient, department and day".
    department_id = Column(ForeignKey("departments.id"), nullable=False)
    visit_date = Column(Date, nullable=False)
    status = Column(String(12), nullable=False)  # booked / cancelled / rescheduled / attended
    queue_no = Column(Integer, nullable=False)
    precheck = Column(JSON, nullable=False, default=dict)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    __table_args__ = (
        Index(
            "uq_appointment_active_session",
            "patient_id",
            "session_id",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index(
            "uq_appointment_active_department_day",
            "patient_id",
            "department_id",
            "visit_date",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )


class AppointmentHistory(Base):
    __tablename__ = "appointment_history"
    id = Column(Integer, primary_key=True)
    appointment_id = Column(ForeignKey("appointments.id"), nullable=False, index=True)
    from_status = Column(String(12))
    to_status = Column(String(12), nullable=False)
    at = Column(DateTime, nullable=False)
    actor = Column(String(40), nullable=False)
    note = Column(String(200))


# --- LIS ------------------------------------------------------------------------------------


class LabOrderRow(Base):
    __tablename__ = "lab_orders"
    id = Column(String(24), primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    panel = Column(String(20), nullable=False)
    department_id = Column(ForeignKey("departments.id"), nullable=False)
    specimen = Column(String(40), nullable=False)
    ordered_at = Column(DateTime, nullable=False)
    status = Column(String(10), nullable=False)  # pending / ready
    expected_at = Column(DateTime)
    reported_at = Column(DateTime)


class LabResultRow(Base):
    __tablename__ = "lab_results"
    id = Column(Integer, primary_key=True)
    order_id = Column(ForeignKey("lab_orders.id"), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    code = Column(String(12), nullable=False)
    name = Column(String(40), nullable=False)
    value = Column(Float, nullable=False)
    unit = Column(String(20), nullable=False)
    ref_low = Column(Float)
    ref_high = Column(Float)
    flag = Column(String(2), nullable=False, default="")
    critical = Column(Boolean, nullable=False, default=False)


# --- RIS ------------------------------------------------------------------------------------


class ImagingExamRow(Base):
    __tablename__ = "imaging_exams"
    id = Column(String(24), primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    exam_code = Column(String(20), nullable=False)
    modality = Column(String(10), nullable=False)
    body_part = Column(String(40), nullable=False)
    department_id = Column(ForeignKey("departments.id"), nullable=False)
    scheduled_at = Column(DateTime, nullable=False)
    location = Column(String(60), nullable=False)
    preparation = Column(Text, nullable=False)
    status = Column(String(16), nullable=False)  # scheduled / pending_report / ready
    expected_at = Column(DateTime)
    reported_at = Column(DateTime)
    conclusion = Column(Text)


# --- the assistant's own records ----------------------------------------------------------


class AuditLog(Base):
    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False)
    actor = Column(String(40), nullable=False)
    action = Column(String(40), nullable=False)
    target = Column(String(60), nullable=False)
    patient_id = Column(ForeignKey("patients.id"), index=True)
    outcome = Column(String(12), nullable=False)  # ok / denied / not_found
    # The Rasa conversation (sender id) that asked: what "forget me" deletes.
    conversation_id = Column(String(80), index=True)


class HandoffTicketRow(Base):
    __tablename__ = "handoff_tickets"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(80), nullable=False, index=True)
    reason = Column(String(80), nullable=False)
    summary = Column(Text, nullable=False)
    status = Column(String(10), nullable=False)  # open / closed
    created_at = Column(DateTime, nullable=False)
    closed_at = Column(DateTime)


class HandoffTakeoverRow(Base):
    """Which staff member took a ticket: the primary key lets only one take it."""

    __tablename__ = "handoff_takeovers"
    ticket_id = Column(ForeignKey("handoff_tickets.id"), primary_key=True)
    staff = Column(String(40), nullable=False)
    taken_at = Column(DateTime, nullable=False)


class LimitKey(Base):
    """One row per counted key (a card, a conversation, a client, each a keyed
    pseudonym): updating it first serialises every attempt on that key, so two
    concurrent attempts can never both pass a limit (row lock in PostgreSQL, the
    write lock in SQLite)."""

    __tablename__ = "limit_keys"
    key = Column(String(40), primary_key=True)
    touched_at = Column(DateTime, nullable=False)


class LimitEvent(Base):
    """A failed verification ("fail") or a code request ("code") counted against a
    key; limits are sliding windows over these rows, so they decay by themselves."""

    __tablename__ = "limit_events"
    id = Column(Integer, primary_key=True)
    key = Column(String(40), nullable=False)
    kind = Column(String(8), nullable=False)
    at = Column(DateTime, nullable=False)
    __table_args__ = (Index("ix_limit_events_key_kind_at", "key", "kind", "at"),)


class VerificationAttempt(Base):
    __tablename__ = "verification_attempts"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), index=True)  # None for an unknown card
    method = Column(String(10), nullable=False)
    reason = Column(String(16), nullable=False)
    at = Column(DateTime, nullable=False)


class OtpCode(Base):
    __tablename__ = "otp_codes"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    code_hash = Column(String(64), nullable=False)  # keyed hash (security.hash_code)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    used_at = Column(DateTime)
    revoked = Column(Boolean, nullable=False, default=False)
    failures = Column(Integer, nullable=False, default=0)


class SmsOutbox(Base):
    """What the mock SMS gateway "sent"; a real gateway keeps no message text."""

    __tablename__ = "sms_outbox"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    phone_enc = Column(Text, nullable=False)
    body = Column(Text, nullable=False)
    code = Column(String(6))
    sent_at = Column(DateTime, nullable=False)


class ReminderRow(Base):
    """A reminder to deliver once: the day before an appointment (`appointment_id`) or
    one the patient asked for (`note`, sealed). Delivered by the SMS gateway when a
    patient is known and in the conversation when there is one. States: pending →
    sending (claimed by one dispatcher, compare-and-set) → sent; pending → cancelled."""

    __tablename__ = "reminders"
    id = Column(Integer, primary_key=True)
    kind = Column(String(12), nullable=False)  # appointment / custom
    patient_id = Column(ForeignKey("patients.id"), index=True)
    appointment_id = Column(ForeignKey("appointments.id"), index=True)
    conversation_id = Column(String(80), index=True)
    note_enc = Column(Text)  # what to remind of, sealed: it may be about health
    due_at = Column(DateTime, nullable=False)
    state = Column(String(10), nullable=False, default="pending")
    claimed_by = Column(String(40))
    claimed_at = Column(DateTime)
    sms_sent_at = Column(DateTime)
    sent_at = Column(DateTime)
    created_at = Column(DateTime, nullable=False)
    __table_args__ = (Index("ix_reminders_state_due", "state", "due_at"),)
