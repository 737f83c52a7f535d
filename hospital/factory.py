"""Where the hospital systems come from: the one place that chooses an implementation.
Today that is the demo hospital on SQLAlchemy (`hospital.sql` seeded by
`hospital.demo`); a real integration would be returned from here instead.

    hospital = get_hospital()                                   # HOSPITAL_DB_URL, cached
    hospital = create_hospital("sqlite://", today=date(2026, 11, 24))   # tests
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Dict, Optional

from .config import Clock, ManualClock, database_url, system_clock
from .sql import SqlHospital, connect


def create_hospital(
    url: str, today: Optional[dt.date] = None, seed: bool = True, clock: Optional[Clock] = None
) -> SqlHospital:
    """The hospital on `url`, its tables created; with `seed`, the demo data seeded or
    brought up to date for `today`. Without a clock, a given `today` gets a manual
    clock at 9:00 so tests are deterministic; otherwise the system clock is used."""
    if clock is None:
        clock = ManualClock(dt.datetime.combine(today, dt.time(9, 0))) if today else system_clock
    hospital = connect(url, clock)
    if seed:
        from .demo import ensure_current

        ensure_current(hospital, today or clock().date())
    return hospital


_cached: Dict[str, SqlHospital] = {}
_cache_lock = threading.Lock()


def get_hospital(url: Optional[str] = None, clock: Optional[Clock] = None) -> SqlHospital:
    """The process-wide hospital for `url` (default HOSPITAL_DB_URL or .data/hospital.db),
    created and brought up to date on first use; with a `clock`, a new one each call.
    A failed start is not cached, so the next call retries."""
    url = url or database_url()
    if clock is not None:
        return create_hospital(url, clock=clock)
    with _cache_lock:
        if url not in _cached:
            _cached[url] = create_hospital(url)
        return _cached[url]


def reset_hospital_cache() -> None:
    with _cache_lock:
        for hospital in _cached.values():
            hospital.engine.dispose()
        _cached.clear()
