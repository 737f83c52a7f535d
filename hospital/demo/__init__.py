"""The demo hospital: the mock systems (`hospital.sql`) filled with a deterministic,
fictional hospital for today, from data/hospital/*.yml and the scenario file
data/hospital/demo_scenario.yml.

The demo is brought up to date explicitly, never on a read: when the hospital is
created (`hospital.factory.create_hospital`, `python -m hospital.demo`) and once a day
by `DailyRefresh` in a long-running server (scripts/serve.py).

    python -m hospital.demo [--reset] [--url URL] [--today YYYY-MM-DD]
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from sqlalchemy.exc import IntegrityError

from ..interface import SystemUnavailable
from ..sql import SqlHospital
from .seed import bring_up_to_date, is_seeded, seed

logger = logging.getLogger(__name__)


def ensure_current(hospital: SqlHospital, today: Optional[dt.date] = None, allow_seed: bool = True) -> None:
    """Seed an empty database for `today`, or move an earlier seed forward to it: the
    booking window's missing days planned, pending results and upcoming exams moved
    along, demo patients' appointments given back (idempotent)."""
    today = today or hospital.today

    def run() -> None:
        with hospital._tx() as s:
            if is_seeded(s):
                bring_up_to_date(s, today, hospital.clock())
            elif allow_seed:
                # A fixed "now" so the same day always seeds exactly the same rows.
                seed(s, today, dt.datetime.combine(today, dt.time(7, 0)))

    try:
        run()
    except SystemUnavailable as exc:
        if not isinstance(exc.__cause__, IntegrityError):
            raise
        run()  # another process seeded or extended at the same moment
