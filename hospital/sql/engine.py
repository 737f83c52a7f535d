"""Engines suited to each database URL, and the schema kept at the current version."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Dict

from sqlalchemy import MetaData, create_engine, event, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool, StaticPool

from .. import models as m

logger = logging.getLogger("hospital.sql")


def make_engine(url: str) -> Engine:
    """An engine suited to the URL: in-memory SQLite shares one connection (StaticPool)
    so every thread sees the same database; file SQLite waits for the write lock
    instead of failing; PostgreSQL checks connections before use."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=20, pool_timeout=60)
    memory = parsed.database in (None, "", ":memory:") or "mode=memory" in (parsed.database or "")
    if memory:
        engine = create_engine(url, future=True, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _owner_only(Path(parsed.database))
        engine = create_engine(
            url,
            future=True,
            poolclass=QueuePool,
            pool_size=5,
            max_overflow=20,
            pool_timeout=60,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows (old personal data, expired codes) are overwritten, not left in free
        # pages (Debian's SQLite does this by default; other builds do not).
        cursor.execute("PRAGMA secure_delete=ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


def _owner_only(path: Path) -> None:
    """Patients' records: the database file (and the -wal/-shm files SQLite gives the
    same mode) is readable by its owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
    except OSError:
        pass  # unreachable: connecting reports it as SystemUnavailable


def _drop_outdated(engine: Engine) -> None:
    """The mock's tables changed shape (schema version): rebuild rather than fail."""
    tables = MetaData()
    with engine.connect() as conn:
        tables.reflect(conn)
        meta = tables.tables.get(m.Meta.__tablename__)
        if meta is None:
            return
        version = conn.execute(select(meta.c.value).where(meta.c.key == "seed_version")).scalar()
    if version in (None, m.SCHEMA_VERSION):
        return
    logger.warning("hospital database from schema version %s: rebuilding it for version %s", version, m.SCHEMA_VERSION)
    ours = set(m.Base.metadata.tables) | {"verification_state"}
    tables.drop_all(engine, tables=[t for t in tables.sorted_tables if t.name in ours])


def drop_schema(url: str) -> None:
    engine = make_engine(url)
    try:
        m.Base.metadata.drop_all(engine)
    finally:
        engine.dispose()


def table_counts(engine: Engine) -> Dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in m.Base.metadata.sorted_tables
        }
