"""Pre-consultation summaries: a doctor's view of a day's appointments."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

from hospital.interface import HospitalSystems
from staff import conversations


def summaries(hospital: HospitalSystems, day: dt.date) -> List[Dict[str, Any]]:
    """The doctor's view of a day: each appointment with what triage recorded. The
    patient is shown as surname, sex and age only."""
    rows = []
    for appointment, patient in hospital.appointments_on(day):
        session = appointment.session
        rows.append(
            {
                "department": session.department,
                "doctor": session.doctor_name,
                "period": session.period,
                "queue_no": appointment.queue_no,
                "patient": f"{patient.name[:1]}**",
                "sex": patient.sex,
                "age": int(patient.age_on(day)),
                "precheck": conversations.masked(appointment.precheck) or None,
            }
        )
    return rows
