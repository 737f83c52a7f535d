"""Clinic times every hospital system shares: when a half-day session starts and ends
(the clinic hours are facts, facts.yml), and how an appointment number reads."""

from __future__ import annotations

import datetime as dt

from .facts import facts


# A session can be booked until it ends and cancelled until it starts.
def period_start(day: dt.date, period: str) -> dt.datetime:
    return dt.datetime.combine(day, facts().periods[period][0])


def period_end(day: dt.date, period: str) -> dt.datetime:
    return dt.datetime.combine(day, facts().periods[period][1])


def appointment_number(visit_date: dt.date, appointment_id: int) -> str:
    """Readable and unique: GH20261125-0003 (visit day, then the appointment's id)."""
    return f"GH{visit_date:%Y%m%d}-{appointment_id:04d}"
