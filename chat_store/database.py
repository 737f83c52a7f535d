"""The conversations database: where it is, its tables, and the two ways chat content
leaves it — the retention purge and a patient's "forget me" request.

Rasa's process writes conversations through `chat_store.tracker_store`; the action
server and the purge job use this module only (no Rasa import, so they stay light).
The `events` table has the columns of Rasa's SQLTrackerStore; its `data` column is
encrypted with the "tracker" key of `security.keys`, which lives outside the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import time
from pathlib import Path
from typing import Iterable, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from security import keys

logger = logging.getLogger(__name__)

ENV_DB_URL = "TRACKER_DB_URL"
ENV_RETENTION_DAYS = "CHAT_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30.0
DEFAULT_DB_PATH = Path(__file__).resolve().parents[1] / ".data" / "chats.db"


def database_url(env: Optional[Mapping[str, str]] = None) -> str:
    """TRACKER_DB_URL (e.g. postgresql://user:pass@host/chats), or the default SQLite
    file under `.data/` (its directory is created)."""
    env = os.environ if env is None else env
    url = (env.get(ENV_DB_URL) or "").strip()
    if url:
        return url
    DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB_PATH}"


def retention_days(env: Optional[Mapping[str, str]] = None) -> float:
    """CHAT_RETENTION_DAYS: how long chat content is kept (default 30). Anything that
    is not a positive number stops the program rather than keeping chats forever."""
    env = os.environ if env is None else env
    raw = (env.get(ENV_RETENTION_DAYS) or "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = float(raw)
    except ValueError:
        days = -1.0
    if not days > 0:
        raise ValueError(f"{ENV_RETENTION_DAYS} must be a positive number of days, not {raw!r}")
    return days


class EncryptedText(TypeDecorator):
    """Text stored as a Fernet token (AES-128-CBC + HMAC) under the "tracker" key."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keys.fernet("tracker").encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return keys.fernet("tracker").decrypt(value.encode("ascii")).decode("utf-8")


metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, sa.Sequence("events_seq", optional=True), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float, index=True),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", EncryptedText),
)

# Conversations a verified patient asked to delete. The Rasa process carries them out
# when it saves the turn that asked (so the turn's own events go too); the purge job
# carries out any left over.
forget_requests = sa.Table(
    "chat_forget_requests",
    metadata,
    sa.Column("id", sa.Integer, sa.Sequence("chat_forget_requests_seq", optional=True), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("requested_at", sa.Float, nullable=False),
)


def _in_memory(url: sa.engine.URL) -> bool:
    return url.database in (None, "", ":memory:")


def _use_write_ahead_log(bind: sa.engine.Engine) -> None:
    """On SQLite, a write-ahead log for every connection: a commit then syncs the disk
    once instead of several times (5 ms instead of 21 ms measured here, as durable:
    synchronous stays FULL), and readers no longer wait for a writer. Other databases
    are left alone."""
    if bind.dialect.name != "sqlite" or _in_memory(bind.url):
        return

    @sa.event.listens_for(bind, "connect")
    def _wal(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


@functools.lru_cache(maxsize=None)
def engine(url: str) -> sa.engine.Engine:
    """One engine per URL per process; the tables are created on first use. On a SQLite
    file its connections are kept and shared by worker threads (SQLAlchemy 1.4 would open
    and close one, and set its pragmas again, for every read and write of a turn)."""
    parsed = sa.engine.make_url(url)
    keep = parsed.get_backend_name() == "sqlite" and not _in_memory(parsed)
    options = dict(poolclass=QueuePool, connect_args={"check_same_thread": False}) if keep else {}
    created = sa.create_engine(url, future=True, **options)
    _use_write_ahead_log(created)
    metadata.create_all(created)
    return created


def _bind(bind: Optional[sa.engine.Engine]) -> sa.engine.Engine:
    return bind if bind is not None else engine(database_url())


def request_forget(conversation_ids: Iterable[str], bind: Optional[sa.engine.Engine] = None) -> int:
    """Ask for these conversations to be deleted; returns how many were asked for."""
    ids = sorted({c for c in conversation_ids if c})
    now = time.time()
    with _bind(bind).begin() as connection:
        for conversation_id in ids:
            connection.execute(forget_requests.insert().values(sender_id=conversation_id, requested_at=now))
    return len(ids)


def stored_conversations(conversation_ids: Iterable[str], bind: Optional[sa.engine.Engine] = None) -> set:
    """Those of these conversations that still have events stored."""
    ids = sorted({c for c in conversation_ids if c})
    with _bind(bind).connect() as connection:
        query = sa.select(events.c.sender_id).where(events.c.sender_id.in_(ids)).distinct()
        return {sender for (sender,) in connection.execute(query)}


def carry_out_forget_requests(bind: Optional[sa.engine.Engine] = None) -> int:
    """Delete every event of the conversations patients asked to forget; returns the
    number of events deleted."""
    with _bind(bind).begin() as connection:
        pending = connection.execute(sa.select(forget_requests.c.id, forget_requests.c.sender_id)).all()
        if not pending:
            return 0
        senders = sorted({sender for _, sender in pending})
        deleted = connection.execute(events.delete().where(events.c.sender_id.in_(senders))).rowcount
        connection.execute(forget_requests.delete().where(forget_requests.c.id.in_([i for i, _ in pending])))
    logger.info("forgot %d conversation(s) on request: %d event(s) deleted", len(senders), deleted)
    return deleted


def purge_older_than(cutoff: dt.datetime, bind: Optional[sa.engine.Engine] = None) -> int:
    """Delete chat events from before `cutoff`; returns how many."""
    with _bind(bind).begin() as connection:
        deleted = connection.execute(events.delete().where(events.c.timestamp < cutoff.timestamp())).rowcount
    logger.info("retention purge: %d chat event(s) from before %s deleted", deleted, cutoff.isoformat(" ", "minutes"))
    return deleted
