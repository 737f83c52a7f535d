"""Lab and imaging records (every read audited), handoff tickets, the audit trail, and
the mock-only helpers tests and demos use."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import models as m
from ..interface import (
    PERIODS,
    Appointment,
    ClinicSession,
    HandoffTaken,
    HandoffTicket,
    ImagingExam,
    LabOrder,
    LabResult,
    NotFound,
    Patient,
)
from ..security import mask_phone, unseal
from .base import SqlBase

logger = logging.getLogger("hospital.sql")


class RecordsMixin(SqlBase):
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
            orders = (
                s.execute(
                    select(m.LabOrderRow)
                    .where(m.LabOrderRow.patient_id == patient.id)
                    .order_by(m.LabOrderRow.ordered_at.desc(), m.LabOrderRow.id.desc())
                )
                .scalars()
                .all()
            )
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
            for r in s.execute(
                select(m.LabResultRow)
                .where(m.LabResultRow.order_id.in_(ids))
                .order_by(m.LabResultRow.order_id, m.LabResultRow.seq)
            ).scalars():
                results.setdefault(r.order_id, []).append(
                    LabResult(r.code, r.name, r.value, r.unit, r.ref_low, r.ref_high, r.flag, r.critical)
                )
        names = dict(s.execute(select(m.DepartmentRow.id, m.DepartmentRow.name)).all())
        return [
            LabOrder(
                o.id,
                o.panel,
                names[o.department_id],
                o.ordered_at,
                o.status,
                o.expected_at,
                o.reported_at,
                tuple(results.get(o.id, ())),
            )
            for o in orders
        ]

    def imaging_exams(self, card_no: str, conversation_id: Optional[str] = None) -> List[ImagingExam]:
        def load(s, patient):
            rows = (
                s.execute(
                    select(m.ImagingExamRow)
                    .where(m.ImagingExamRow.patient_id == patient.id)
                    .order_by(m.ImagingExamRow.scheduled_at.desc(), m.ImagingExamRow.id.desc())
                )
                .scalars()
                .all()
            )
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
        return ImagingExam(
            r.id,
            r.modality,
            r.body_part,
            r.scheduled_at,
            r.location,
            r.preparation,
            r.status,
            r.expected_at,
            r.conclusion if r.status == "ready" else None,
        )

    # --- handoff -------------------------------------------------------------------------------------------------

    @staticmethod
    def _ticket_dc(r: m.HandoffTicketRow, takeover: Optional[m.HandoffTakeoverRow] = None) -> HandoffTicket:
        return HandoffTicket(
            r.id,
            r.conversation_id,
            r.reason,
            r.summary,
            r.status,
            r.created_at,
            takeover.staff if takeover else None,
            takeover.taken_at if takeover else None,
        )

    def create_handoff(self, conversation_id: str, reason: str, summary: str) -> HandoffTicket:
        with self._tx() as s:
            row = m.HandoffTicketRow(
                conversation_id=conversation_id, reason=reason, summary=summary, status="open", created_at=self.clock()
            )
            s.add(row)
            s.flush()
            ticket = self._ticket_dc(row)
        logger.info("handoff ticket %s opened (%s)", ticket.id, reason)
        return ticket

    def handoff_tickets(self, status: Optional[str] = None) -> List[HandoffTicket]:
        with self._tx() as s:
            query = (
                select(m.HandoffTicketRow, m.HandoffTakeoverRow)
                .join(m.HandoffTakeoverRow, m.HandoffTakeoverRow.ticket_id == m.HandoffTicketRow.id, isouter=True)
                .order_by(m.HandoffTicketRow.id)
            )
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
                self._session_select()
                .add_columns(m.AppointmentRow, m.PatientRow)
                .join(m.AppointmentRow, m.AppointmentRow.session_id == m.ClinicSessionRow.id)
                .join(m.PatientRow, m.AppointmentRow.patient_id == m.PatientRow.id)
                .where(m.AppointmentRow.visit_date == day, m.AppointmentRow.status == m.ACTIVE)
            ).all()
            result = [
                (
                    self._appointment_from(appt, patient.card_no, self._session_dc(row, doc, dept)),
                    Patient(patient.card_no, unseal(patient.name_enc), patient.sex, patient.birth_date),
                )
                for row, doc, dept, appt, patient in rows
            ]
        result.sort(
            key=lambda pair: (pair[0].session.department, PERIODS.index(pair[0].session.period), pair[0].queue_no)
        )
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
            query = (
                select(m.AuditLog, m.PatientRow.card_no)
                .join(m.PatientRow, m.AuditLog.patient_id == m.PatientRow.id, isouter=True)
                .order_by(m.AuditLog.id)
            )
            if card_no is not None:
                query = query.where(m.PatientRow.card_no == card_no.strip())
            return [
                dict(
                    actor=a.actor,
                    action=a.action,
                    target=a.target,
                    at=a.at,
                    outcome=a.outcome,
                    card_no=card,
                    conversation_id=a.conversation_id,
                )
                for a, card in s.execute(query)
            ]

    # --- mock-only helpers (not part of HospitalSystems) ------------------------------------------------------------

    def sms_outbox(self, card_no: str) -> List[dict]:
        """Messages the mock SMS gateway "sent" to the card's phone, oldest first."""
        with self._tx() as s:
            patient = self._require_patient(s, card_no)
            rows = (
                s.execute(select(m.SmsOutbox).where(m.SmsOutbox.patient_id == patient.id).order_by(m.SmsOutbox.id))
                .scalars()
                .all()
            )
            return [
                dict(phone=mask_phone(unseal(r.phone_enc)), body=r.body, code=r.code, sent_at=r.sent_at) for r in rows
            ]

    def stop_session(self, session_id: int, note: str = "医生临时停诊") -> None:
        """Simulate a doctor cancelling a clinic (停诊): the session can no longer be booked."""
        with self._tx() as s:
            row = s.get(m.ClinicSessionRow, session_id)
            if row is None:
                raise NotFound("no such clinic session", reason="session")
            row.status, row.note = "stopped", note

    def set_session_load(
        self, session_id: int, booked: Optional[int] = None, capacity: Optional[int] = None
    ) -> ClinicSession:
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
