"""The SQL hospital's plumbing, catalogue (departments, doctors) and schedule."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .. import models as m
from ..config import Clock, system_clock
from ..interface import (
    NUMBER_TYPES,
    PERIODS,
    TITLES,
    Appointment,
    ClinicSession,
    Department,
    Doctor,
    HospitalSystems,
    NotFound,
    SystemUnavailable,
)
from ..facts import facts
from ..reference import department_candidates, load_holidays, normalize_department_text
from ..schedule import period_end

logger = logging.getLogger("hospital.sql")

CATALOGUE_SECONDS = 300.0

DOCTOR_SUFFIXES = (
    "副主任医师",
    "主任医师",
    "主治医师",
    "副主任",
    "副教授",
    "医生",
    "大夫",
    "主任",
    "教授",
    "医师",
    "老师",
)


@dataclass(frozen=True)
class _Catalogue:
    read_at: float
    departments: Tuple[Department, ...]
    doctors: Tuple[Doctor, ...]  # in the hospital's order: department, title, code
    row_ids: Dict[str, int]  # department code → its row
    by_name: Dict[str, Department]
    by_alias: Dict[str, Department]

    @classmethod
    def read(cls, s: Session, read_at: float) -> "_Catalogue":
        rows = s.execute(select(m.DepartmentRow).order_by(m.DepartmentRow.sort_order)).scalars().all()
        aliases: Dict[int, List[str]] = {}
        for dept_id, alias in s.execute(
            select(m.DepartmentAlias.department_id, m.DepartmentAlias.alias).order_by(m.DepartmentAlias.id)
        ):
            aliases.setdefault(dept_id, []).append(alias)
        departments = tuple(
            Department(r.code, r.name, r.category, r.building, r.floor, r.description, tuple(aliases.get(r.id, ())))
            for r in rows
        )
        doctors = s.execute(
            select(m.DoctorRow, m.DepartmentRow).join(m.DepartmentRow, m.DoctorRow.department_id == m.DepartmentRow.id)
        ).all()
        by_alias: Dict[str, Department] = {}
        for dept in departments:
            for alias in dept.aliases:
                by_alias.setdefault(alias, dept)
        return cls(
            read_at,
            departments,
            tuple(SqlBase._doctor_list(doctors)),
            {r.code: r.id for r in rows},
            {d.name: d for d in departments},
            by_alias,
        )


class SqlBase(HospitalSystems):
    """Plumbing (transactions, audit) and the catalogue and schedule."""

    def __init__(self, engine: Engine, clock: Clock = system_clock, actor: str = "小安"):
        self.engine = engine
        self.clock = clock
        self.actor = actor
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        # One shared in-memory connection must not interleave transactions of threads.
        shared = isinstance(engine.pool, StaticPool)
        self._lock = threading.RLock() if shared else contextlib.nullcontext()
        self._catalogue_lock = threading.Lock()
        self._cached: Optional[_Catalogue] = None

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

    def _audit(
        self,
        s: Session,
        action: str,
        target: str,
        patient: Optional[m.PatientRow],
        outcome: str = "ok",
        conversation_id: Optional[str] = None,
    ) -> None:
        s.add(
            m.AuditLog(
                at=self.clock(),
                actor=self.actor,
                action=action,
                target=target,
                patient_id=patient.id if patient else None,
                outcome=outcome,
                conversation_id=str(conversation_id)[:80] if conversation_id else None,
            )
        )

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
        return list(self._catalogue().departments)

    def find_department(self, text: str) -> Optional[Department]:
        catalogue = self._catalogue()
        for candidate in department_candidates(text):
            found = catalogue.by_name.get(candidate) or catalogue.by_alias.get(candidate)
            if found is not None:
                return found
        return None

    def _department_id(self, text: str) -> Optional[int]:
        dept = self.find_department(text)
        return None if dept is None else self._catalogue().row_ids[dept.code]

    def doctors(self, department: Optional[str] = None) -> List[Doctor]:
        everyone = self._catalogue().doctors
        if not department:
            return list(everyone)
        dept = self.find_department(department)
        return [] if dept is None else [d for d in everyone if d.department == dept.name]

    def _catalogue(self) -> "_Catalogue":
        """Departments and doctors, read from the database at most every CATALOGUE_SECONDS:
        several actions of every turn look them up, and they change only when the hospital
        edits its catalogue."""
        with self._catalogue_lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached.read_at > CATALOGUE_SECONDS:
                with self._tx() as s:
                    self._cached = _Catalogue.read(s, now)
            return self._cached

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
            base = select(m.DoctorRow, m.DepartmentRow).join(
                m.DepartmentRow, m.DoctorRow.department_id == m.DepartmentRow.id
            )
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
        return (
            select(m.ClinicSessionRow, m.DoctorRow, m.DepartmentRow)
            .join(m.DoctorRow, m.ClinicSessionRow.doctor_id == m.DoctorRow.id)
            .join(m.DepartmentRow, m.ClinicSessionRow.department_id == m.DepartmentRow.id)
        )

    @staticmethod
    def _session_dc(row: m.ClinicSessionRow, doctor: m.DoctorRow, dept: m.DepartmentRow) -> ClinicSession:
        return ClinicSession(
            id=row.id,
            doctor_id=doctor.id,
            doctor_name=doctor.name,
            doctor_title=doctor.title,
            department=dept.name,
            date=row.day,
            period=row.period,
            number_type=row.number_type,
            fee=float(row.fee),
            capacity=row.capacity,
            booked=row.booked,
            location=f"{dept.building}{dept.floor}",
        )

    def sessions(
        self,
        department: Optional[str] = None,
        doctor_id: Optional[int] = None,
        start: Optional[dt.date] = None,
        end: Optional[dt.date] = None,
        period: Optional[str] = None,
        number_type: Optional[str] = None,
        only_available: bool = False,
    ) -> List[ClinicSession]:
        first, last = self.schedule_window()
        start, end = max(start or first, first), min(end or last, last)
        if start > end:
            return []
        now = self.clock()
        with self._tx() as s:
            query = self._session_select().where(
                m.ClinicSessionRow.day >= start, m.ClinicSessionRow.day <= end, m.ClinicSessionRow.status == "open"
            )
            if department:
                dept_id = self._department_id(department)
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
            rows = [
                r
                for r in rows
                if period_end(r[0].day, r[0].period) > now and facts().release_moment(r[0].day, r[0].number_type) <= now
            ]
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

    def dispose(self) -> None:
        self.engine.dispose()

    def _appointment_dc(self, s: Session, appt: m.AppointmentRow, card_no: str) -> Appointment:
        # populate_existing: the slot counters were changed by UPDATE statements the
        # identity map has not seen.
        row = s.execute(
            self._session_select()
            .where(m.ClinicSessionRow.id == appt.session_id)
            .execution_options(populate_existing=True)
        ).one()
        return self._appointment_from(appt, card_no, self._session_dc(*row))

    @staticmethod
    def _appointment_from(appt: m.AppointmentRow, card_no: str, session: ClinicSession) -> Appointment:
        return Appointment(
            number=appt.number,
            card_no=card_no,
            session=session,
            status=appt.status,
            created_at=appt.created_at,
            queue_no=appt.queue_no,
            precheck=dict(appt.precheck or {}),
        )
