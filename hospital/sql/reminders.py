"""Reminders: armed with an appointment or asked for in the chat, claimed by workers."""

from __future__ import annotations

import datetime as dt
import logging
from typing import List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import models as m
from ..interface import (
    BookingRejected,
    NotFound,
    Reminder,
)
from ..facts import facts
from ..security import seal, unseal
from .base import SqlBase

logger = logging.getLogger("hospital.sql")

# A claimed reminder whose worker never finished (it crashed) is closed as sent after
# this long: its SMS went with the claim, and the chat is never risked twice.
REMINDER_CLAIM_TIMEOUT = dt.timedelta(minutes=10)


class RemindersMixin(SqlBase):
    # --- reminders ---------------------------------------------------------------------------------------------

    def _arm_appointment_reminder(
        self,
        s: Session,
        patient: m.PatientRow,
        appt: m.AppointmentRow,
        row: m.ClinicSessionRow,
        conversation_id: Optional[str],
        now: dt.datetime,
    ) -> None:
        """The day before the visit; none when that moment has passed (a visit booked
        for tomorrow evening: the confirmation was the reminder)."""
        due = dt.datetime.combine(row.day - dt.timedelta(days=1), facts().reminder_time())
        if due > now:
            s.add(
                m.ReminderRow(
                    kind="appointment",
                    patient_id=patient.id,
                    appointment_id=appt.id,
                    conversation_id=str(conversation_id)[:80] if conversation_id else None,
                    due_at=due,
                    state="pending",
                    created_at=now,
                )
            )

    @staticmethod
    def _cancel_appointment_reminders(s: Session, appointment_id: int) -> Optional[str]:
        """Cancel the appointment's pending reminder; returns its conversation."""
        pending = (m.ReminderRow.appointment_id == appointment_id, m.ReminderRow.state == "pending")
        conversation = s.execute(select(m.ReminderRow.conversation_id).where(*pending).limit(1)).scalar()
        s.execute(
            update(m.ReminderRow).where(*pending).values(state="cancelled").execution_options(synchronize_session=False)
        )
        return conversation

    def _reminder_dc(self, s: Session, row: m.ReminderRow) -> Reminder:
        appointment = None
        if row.appointment_id is not None:
            appt = s.get(m.AppointmentRow, row.appointment_id)
            appointment = self._appointment_dc(s, appt, s.get(m.PatientRow, appt.patient_id).card_no)
        return Reminder(
            id=row.id,
            kind=row.kind,
            due_at=row.due_at,
            state=row.state,
            conversation_id=row.conversation_id,
            note=unseal(row.note_enc) if row.note_enc else "",
            appointment=appointment,
        )

    def add_reminder(
        self, due_at: dt.datetime, note: str, conversation_id: Optional[str], card_no: Optional[str] = None
    ) -> Reminder:
        now = self.clock()
        if due_at <= now:
            raise BookingRejected("reminder time passed", "past", reason="reminder")
        with self._tx() as s:
            patient = self._patient_row(s, card_no) if card_no else None
            row = m.ReminderRow(
                kind="custom",
                patient_id=patient.id if patient else None,
                conversation_id=str(conversation_id)[:80] if conversation_id else None,
                note_enc=seal((note or "").strip()[:100]),
                due_at=due_at,
                state="pending",
                created_at=now,
            )
            s.add(row)
            s.flush()
            result = self._reminder_dc(s, row)
        logger.info("reminder %s set for %s", result.id, due_at.isoformat(timespec="minutes"))
        return result

    def reminders(self, conversation_id: str) -> List[Reminder]:
        with self._tx() as s:
            rows = (
                s.execute(
                    select(m.ReminderRow)
                    .where(m.ReminderRow.conversation_id == str(conversation_id)[:80], m.ReminderRow.state == "pending")
                    .order_by(m.ReminderRow.due_at, m.ReminderRow.id)
                )
                .scalars()
                .all()
            )
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
            won = s.execute(
                update(m.ReminderRow)
                .where(m.ReminderRow.id == row.id, m.ReminderRow.state == "pending")
                .values(state="cancelled")
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                raise BookingRejected("reminder sent or cancelled", "not_cancellable", reason="reminder")
            s.refresh(row)
            return self._reminder_dc(s, row)

    def detach_reminders(self, conversation_id: str) -> int:
        mine = (m.ReminderRow.conversation_id == str(conversation_id)[:80], m.ReminderRow.state == "pending")
        with self._tx() as s:
            cancelled = s.execute(
                update(m.ReminderRow)
                .where(*mine, m.ReminderRow.patient_id.is_(None))
                .values(state="cancelled")
                .execution_options(synchronize_session=False)
            ).rowcount
            detached = s.execute(
                update(m.ReminderRow)
                .where(*mine)
                .values(conversation_id=None)
                .execution_options(synchronize_session=False)
            ).rowcount
        return cancelled + detached

    def claim_due_reminders(self, worker: str, limit: int = 20) -> List[Reminder]:
        now = self.clock()
        with self._tx() as s:
            s.execute(
                update(m.ReminderRow)
                .where(m.ReminderRow.state == "sending", m.ReminderRow.claimed_at <= now - REMINDER_CLAIM_TIMEOUT)
                .values(state="sent", sent_at=now)
                .execution_options(synchronize_session=False)
            )
            due = (
                s.execute(
                    select(m.ReminderRow.id)
                    .where(m.ReminderRow.state == "pending", m.ReminderRow.due_at <= now)
                    .order_by(m.ReminderRow.due_at, m.ReminderRow.id)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
        claimed = []
        for reminder_id in due:
            with self._tx() as s:
                # Compare-and-set: of concurrent workers exactly one changes the row.
                won = s.execute(
                    update(m.ReminderRow)
                    .where(m.ReminderRow.id == reminder_id, m.ReminderRow.state == "pending")
                    .values(state="sending", claimed_by=worker[:40], claimed_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
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
                hospital=hospital,
                day=f"{visit.date.month}月{visit.date.day}日",
                period=visit.period,
                department=visit.department,
                doctor=f"{visit.doctor_name}{visit.doctor_title}",
                number_type=visit.number_type,
                location=visit.location,
                number=reminder.appointment.number,
            )
        else:
            body = texts.sms_custom.format(hospital=hospital, note=reminder.note)
        patient = s.get(m.PatientRow, row.patient_id)
        s.add(m.SmsOutbox(patient_id=patient.id, phone_enc=patient.phone_enc, body=body, sent_at=self.clock()))

    def finish_reminder(self, reminder_id: int, worker: str, retry_after: Optional[dt.timedelta] = None) -> None:
        now = self.clock()
        values = (
            dict(state="pending", due_at=now + retry_after, claimed_by=None, claimed_at=None)
            if retry_after
            else dict(state="sent", sent_at=now)
        )
        with self._tx() as s:
            s.execute(
                update(m.ReminderRow)
                .where(
                    m.ReminderRow.id == reminder_id,
                    m.ReminderRow.state == "sending",
                    m.ReminderRow.claimed_by == worker[:40],
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
