"""The mock hospital systems on SQLAlchemy (SQLite file by default, PostgreSQL works
too). One implementation of `HospitalSystems`; dialogue code only sees the interface.

    hospital = connect("sqlite:///hospital.db")      # tables created, nothing seeded

`hospital.factory` builds it (and has the demo seed it); nothing here knows the demo.

Every database failure surfaces as `SystemUnavailable` after the transaction was
rolled back, so a patient is never told something happened that did not.
"""

from __future__ import annotations

import logging
from typing import Optional

from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from .. import models as m
from ..config import Clock, system_clock
from ..interface import SystemUnavailable
from .appointments import AppointmentsMixin
from .base import SqlBase
from .engine import _drop_outdated, drop_schema, make_engine, table_counts  # noqa: F401 (drop_schema, table_counts: API)
from .identity import IdentityMixin
from .records import RecordsMixin
from .reminders import REMINDER_CLAIM_TIMEOUT, RemindersMixin  # noqa: F401

logger = logging.getLogger("hospital.sql")


class SqlHospital(IdentityMixin, AppointmentsMixin, RemindersMixin, RecordsMixin, SqlBase):
    """Every part of `HospitalSystems` on one database."""


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
