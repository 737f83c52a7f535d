"""Booking, cancelling and rescheduling, each in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from typing import List, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import models as m
from ..interface import (
    PERIODS,
    Appointment,
    BookingRejected,
    NotFound,
)
from ..facts import facts
from ..schedule import appointment_number, period_end, period_start
from ..security import log_ref
from .reminders import RemindersMixin

logger = logging.getLogger("hospital.sql")


class _SlotConflict(Exception):
    """The database refused a second active appointment (a race the Python checks missed)."""


class AppointmentsMixin(RemindersMixin):
    # --- appointments ----------------------------------------------------------------------------------------

    def _check_bookable(self, row: m.ClinicSessionRow, now: dt.datetime) -> None:
        last = facts().last_bookable_day(now.date())
        if row.status != "open":
            raise BookingRejected("session stopped", "session_closed")
        if now >= period_end(row.day, row.period):
            raise BookingRejected("session over", "past")
        if row.day > last:
            raise BookingRejected(
                "beyond the booking window", "session_closed", reason="not_open_yet", days=facts().booking_window_days
            )
        if now < facts().release_moment(row.day, row.number_type):
            raise BookingRejected(
                "not released yet", "not_released", number_type=row.number_type, policy=facts().release_policy()
            )

    def _active_same_day(self, s: Session, patient_id: int, row: m.ClinicSessionRow, exclude_id: Optional[int] = None):
        query = select(m.AppointmentRow).where(
            m.AppointmentRow.patient_id == patient_id,
            m.AppointmentRow.status == m.ACTIVE,
            m.AppointmentRow.department_id == row.department_id,
            m.AppointmentRow.visit_date == row.day,
        )
        if exclude_id is not None:
            query = query.where(m.AppointmentRow.id != exclude_id)
        return s.execute(query).scalars().all()

    @staticmethod
    def _reject_existing(existing, row: m.ClinicSessionRow) -> None:
        if any(a.session_id == row.id for a in existing):
            raise BookingRejected("already booked", "duplicate")
        if existing:
            raise BookingRejected("one appointment per department and day", "one_per_department_day")

    def _take_slot(
        self,
        s: Session,
        patient: m.PatientRow,
        row: m.ClinicSessionRow,
        precheck: dict,
        now: dt.datetime,
        note: Optional[str] = None,
    ) -> m.AppointmentRow:
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
        appt = m.AppointmentRow(
            patient_id=patient.id,
            session_id=row.id,
            department_id=row.department_id,
            visit_date=row.day,
            status=m.ACTIVE,
            queue_no=queue,
            precheck=dict(precheck or {}),
            created_at=now,
            updated_at=now,
        )
        s.add(appt)
        try:
            s.flush()
        except IntegrityError as exc:
            raise _SlotConflict() from exc
        appt.number = appointment_number(row.day, appt.id)
        s.add(
            m.AppointmentHistory(
                appointment_id=appt.id, from_status=None, to_status=m.ACTIVE, at=now, actor=self.actor, note=note
            )
        )
        return appt

    def _release_slot(self, s: Session, session_id: int) -> None:
        s.execute(
            update(m.ClinicSessionRow)
            .where(m.ClinicSessionRow.id == session_id, m.ClinicSessionRow.booked > 0)
            .values(booked=m.ClinicSessionRow.booked - 1)
            .execution_options(synchronize_session=False)
        )

    def _classify_conflict(self, card_no: str, session_id: int) -> BookingRejected:
        with self._tx() as s:
            patient = self._require_patient(s, card_no)
            row = s.get(m.ClinicSessionRow, session_id)
            try:
                self._reject_existing(self._active_same_day(s, patient.id, row), row)
            except BookingRejected as exc:
                return exc
        return BookingRejected("already booked", "duplicate")

    def book(
        self, card_no: str, session_id: int, precheck: Optional[dict] = None, conversation_id: Optional[str] = None
    ) -> Appointment:
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
        appt = s.execute(
            select(m.AppointmentRow).where(
                m.AppointmentRow.number == (appointment_no or "").strip(), m.AppointmentRow.patient_id == patient.id
            )
        ).scalar_one_or_none()
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

    def _set_status(
        self, s: Session, appt: m.AppointmentRow, status: str, now: dt.datetime, note: Optional[str] = None
    ) -> None:
        s.add(
            m.AppointmentHistory(
                appointment_id=appt.id, from_status=appt.status, to_status=status, at=now, actor=self.actor, note=note
            )
        )
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

    def reschedule(
        self, card_no: str, appointment_no: str, session_id: int, conversation_id: Optional[str] = None
    ) -> Appointment:
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
                s.add(
                    m.AppointmentHistory(
                        appointment_id=old.id,
                        from_status=m.ACTIVE,
                        to_status="rescheduled",
                        at=now,
                        actor=self.actor,
                        note=f"改约至 {new.number}",
                    )
                )
                self._audit(
                    s,
                    "reschedule_appointment",
                    f"appointment:{old.number}->{new.number}",
                    patient,
                    "ok",
                    conversation_id,
                )
                result = self._appointment_dc(s, new, patient.card_no)
        except _SlotConflict:
            raise self._classify_conflict(card_no, session_id) from None
        logger.info("rescheduled %s to %s for %s", appointment_no, result.number, log_ref(card_no))
        return result

    def appointments(
        self, card_no: str, upcoming_only: bool = True, conversation_id: Optional[str] = None
    ) -> List[Appointment]:
        now = self.clock()
        with self._tx() as s:
            patient = self._patient_row(s, card_no)
            self._audit(
                s, "read_appointments", "appointments", patient, "ok" if patient else "not_found", conversation_id
            )
            if patient is None:
                result = None
            else:
                query = (
                    select(m.AppointmentRow, m.ClinicSessionRow, m.DoctorRow, m.DepartmentRow)
                    .join(m.ClinicSessionRow, m.AppointmentRow.session_id == m.ClinicSessionRow.id)
                    .join(m.DoctorRow, m.ClinicSessionRow.doctor_id == m.DoctorRow.id)
                    .join(m.DepartmentRow, m.ClinicSessionRow.department_id == m.DepartmentRow.id)
                    .where(m.AppointmentRow.patient_id == patient.id)
                )
                if upcoming_only:
                    query = query.where(m.AppointmentRow.status == m.ACTIVE, m.AppointmentRow.visit_date >= now.date())
                rows = s.execute(query).all()
                if upcoming_only:
                    rows = [r for r in rows if period_end(r[1].day, r[1].period) > now]
                rows.sort(key=lambda r: (r[1].day, PERIODS.index(r[1].period), r[0].id))
                result = [
                    self._appointment_from(a, patient.card_no, self._session_dc(row, doc, dept))
                    for a, row, doc, dept in rows
                ]
        if result is None:
            raise NotFound("no such card", reason="card")
        return result
