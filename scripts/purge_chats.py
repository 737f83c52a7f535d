"""Delete chat content older than the retention period (CHAT_RETENTION_DAYS, default
30) and carry out any "forget me" request still pending.

    python -m scripts.purge_chats          # once, e.g. from cron
    `make run` purges at start and then every hour (`PeriodicPurge`, in scripts/serve.py)

Appointments, reports and the audit trail are the hospital's records and are kept by
its own rules; only the conversations are purged here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading
from typing import Optional

from chat_store import database

logger = logging.getLogger("purge_chats")

PURGE_EVERY_SECONDS = 3600


def purge_once(url: Optional[str] = None, days: Optional[float] = None, now: Optional[dt.datetime] = None) -> int:
    """Returns the number of chat events deleted."""
    bind = database.engine(url or database.database_url())
    days = database.retention_days() if days is None else days
    cutoff = (now or dt.datetime.now()) - dt.timedelta(days=days)
    return database.purge_older_than(cutoff, bind) + database.carry_out_forget_requests(bind)


class PeriodicPurge(threading.Thread):
    """Purges now and then every `every` seconds until `stop()`. A failed purge is
    logged and tried again next time; it never stops the assistant."""

    def __init__(self, url: str, days: float, every: float = PURGE_EVERY_SECONDS):
        super().__init__(name="purge-chats", daemon=True)
        self.url, self.days, self.every = url, days, every
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                purge_once(self.url, self.days)
            except Exception:  # noqa: BLE001 — keep purging on the next round
                logger.exception("chat purge failed; will retry in %.0f s", self.every)
            self._stopping.wait(self.every)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, help="keep this many days (default: CHAT_RETENTION_DAYS or 30)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.days is not None and not args.days > 0:
        parser.error("--days must be positive")
    deleted = purge_once(days=args.days)
    logger.info("%d chat event(s) deleted", deleted)


if __name__ == "__main__":
    main()
