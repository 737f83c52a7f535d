"""Create and seed (or bring up to date) the demo hospital database, then list what is
in it and the demo cards.

    python -m hospital.demo [--reset] [--url URL] [--today YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from typing import List, Optional, Sequence

from ..config import database_url
from ..factory import create_hospital
from ..interface import SystemUnavailable
from ..sql import SqlHospital, drop_schema, table_counts
from .scenario import demo_patients, readme_rows

logger = logging.getLogger("hospital.demo")


def summary(hospital: SqlHospital) -> List[str]:
    """Counts and the demo cards (the README's table rows)."""
    counts = table_counts(hospital.engine)
    start, end = hospital.schedule_window()
    rows = readme_rows()
    return [
        f"booking window {start} to {end}",
        "departments {departments}, doctors {doctors}, clinic sessions {clinic_sessions}, patients {patients}, "
        "appointments {appointments}, lab orders {lab_orders} ({lab_results} results), "
        "imaging exams {imaging_exams}".format(**counts),
        "demo cards (verify with the last 4 digits of the phone):",
        *(rows[p.card_no] for p in demo_patients()),
    ]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hospital.demo", description="Create and seed the demo hospital database"
    )
    parser.add_argument("--url", help="database URL (default: HOSPITAL_DB_URL, or .data/hospital.db)")
    parser.add_argument("--reset", action="store_true", help="drop every table and seed again")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="the day to seed for (default: today)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    url = args.url or database_url()
    started = time.perf_counter()
    try:
        if args.reset:
            drop_schema(url)
        hospital = create_hospital(url, today=args.today)
    except SystemUnavailable as exc:
        logger.error("seeding failed: %s", exc.__cause__ or exc)
        return 1
    for line in summary(hospital):
        logger.info("%s", line)
    logger.info("took %.2f s", time.perf_counter() - started)
    hospital.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
