"""Where the mock hospital keeps its data, read from the environment once per call
site, with an offline default (a SQLite file under the project's `.data/`)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Callable, Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
HOSPITAL_DATA_DIR = DATA_DIR / "hospital"
DEFAULT_DB_PATH = PROJECT_ROOT / ".data" / "hospital.db"

ENV_DB_URL = "HOSPITAL_DB_URL"

Clock = Callable[[], dt.datetime]


def database_url(env: Optional[Mapping[str, str]] = None) -> str:
    """HOSPITAL_DB_URL, or the default SQLite file (its directory is created)."""
    env = os.environ if env is None else env
    url = (env.get(ENV_DB_URL) or "").strip()
    if url:
        return url
    # Patients' records and the key file live here: the owner's only.
    DEFAULT_DB_PATH.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    DEFAULT_DB_PATH.parent.chmod(0o700)
    return f"sqlite:///{DEFAULT_DB_PATH}"


def system_clock() -> dt.datetime:
    """Hospital local time, naive (the HIS works in local wall-clock time)."""
    return dt.datetime.now().replace(microsecond=0)


class ManualClock:
    """A clock tests (and demos) move by hand: `clock.advance(minutes=15)`."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def set(self, now: dt.datetime) -> None:
        self.now = now
