"""Keeps a long-running demo current: once the date changes, the demo hospital's
booking window is rolled forward (`ensure_current`), so a server started on Monday
still offers two weeks of clinics on Friday. Reads never do this themselves."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Optional

from ..interface import HospitalError
from ..sql import SqlHospital
from . import ensure_current

logger = logging.getLogger(__name__)


class DailyRefresh:
    """`start()` runs `check()` every `every` seconds in a daemon thread until `stop()`."""

    def __init__(self, hospital: SqlHospital, every: float = 600):
        self.hospital = hospital
        self.every = every
        self.current_for: Optional[dt.date] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def check(self) -> bool:
        """Brings the demo up to date when the day changed since the last check; True if it did."""
        today = self.hospital.today
        if today == self.current_for:
            return False
        try:
            ensure_current(self.hospital, today, allow_seed=False)
        except HospitalError as error:
            logger.warning("demo hospital: not brought up to date (%s); trying again later", error.code)
            return False
        self.current_for = today
        logger.info("demo hospital current for %s", today)
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-daily-refresh", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
