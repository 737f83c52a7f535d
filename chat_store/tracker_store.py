"""Rasa's SQL tracker store, with every stored event encrypted and identity secrets
redacted before they are written. endpoints.yml:

    tracker_store:
      type: chat_store.tracker_store.EncryptedSQLTrackerStore
      url: ${TRACKER_DB_URL}

Conversations survive a restart of the Rasa server, and memory no longer grows with
every conversation ever held. When it saves the turn in which a patient asked to be
forgotten (one of FORGET_ACTIONS ran), the store also carries out the "forget me" requests the
action server recorded (`database.request_forget`), so that turn is deleted with the
rest of the conversation; the purge job carries out any left over.

Reading and writing a conversation waits on the database and the disk, so it runs in
worker threads (writes in one: SQLite has one writer at a time), not on the event loop
where the other conversations are answered (Rasa holds the conversation's lock
meanwhile, so no other turn of it runs). It uses the
process's engine of `database.engine`: on SQLite a write-ahead log and kept connections.
A turn's new events are one multi-row insert, and which events are new is known from
what was read at the start of the turn (Rasa's store counts the stored ones again).

The conversations saved last are also kept in memory, as saved: reading one back is
then one small query (how many events the conversation has and the last one's id)
instead of reading, decrypting and replaying every event of it (about 2 ms of CPU a
turn). A kept conversation is used only while that query finds exactly what was saved,
so another instance's turn, a "forget me" or the retention purge all make it read
from the database again; so do a turn that was not saved and a turn whose secrets were
redacted (the database holds what the next turn must see).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Sequence, Set, Text, Tuple

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import declarative_base, sessionmaker

from chat_store import database
from chat_store.redaction import changes_the_question, redact

logger = logging.getLogger(__name__)

# How many of a tracker's events are stored: set when it is read (its last session) and
# after each save. Rasa holds the conversation's lock from reading to saving (Redis when
# there are several instances), so nothing else writes them in between; a tracker read
# another way (a copy, all sessions) is counted in the database, as Rasa's store does.
STORED = "_xiaoan_stored_events"
# The actions that record a "forget me" request (actions/identity/): the request itself,
# or the one that carries out what was asked once the patient is verified.
FORGET_ACTIONS = frozenset({"action_forget_conversations", "action_after_identity"})
KEPT_CONVERSATIONS = 256  # the conversations saved last, kept in memory

Signature = Tuple[int, Optional[int]]  # a conversation's stored events: how many, the last id
# Built once: building a statement costs more than running it here.
_INSERT = database.events.insert()
_EVENTS = database.events.c
_SIGNATURE = select(func.count(), func.max(_EVENTS.id)).where(_EVENTS.sender_id == bindparam("sender_id"))
# SQLTrackerStore._event_query: a conversation's events in order, all of them or those
# from its last SessionStarted on.
_ALL_SESSIONS = select(_EVENTS.data).where(_EVENTS.sender_id == bindparam("sender_id")).order_by(_EVENTS.id)
_LAST_SESSION_START = (
    select(func.max(_EVENTS.timestamp))
    .where(_EVENTS.sender_id == bindparam("sender_id"), _EVENTS.type_name == SessionStarted.type_name)
    .scalar_subquery()
)
_LAST_SESSION = _ALL_SESSIONS.where(or_(_EVENTS.timestamp >= _LAST_SESSION_START, _LAST_SESSION_START.is_(None)))

_Base: Any = declarative_base(metadata=database.metadata)


class EncryptedSQLTrackerStore(SQLTrackerStore):
    Base = _Base

    class SQLEvent(_Base):
        # Rasa's columns; `data` (the serialised event) is encrypted at rest.
        __table__ = database.events

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Dict[Text, Any],
    ) -> None:
        url = host if host and "://" in host else database.database_url()
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        # The process's one engine for this database (kept connections, write-ahead log).
        self.engine.dispose()  # type: ignore[has-type]  # (untyped in Rasa)
        self.engine = database.engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine)
        self._kept: "OrderedDict[Text, Tuple[DialogueStateTracker, Signature]]" = OrderedDict()
        self._kept_lock = threading.Lock()
        self._read_empty: Set[Text] = set()  # conversations whose last read found no events
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-writer")

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        return await asyncio.to_thread(self._retrieve_now, sender_id, fetch_events_from_all_sessions)

    def _retrieve_now(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        # SQLTrackerStore._retrieve, run in a worker thread.
        with self.session_scope() as session:
            if not fetch_events_from_all_sessions:
                kept = self._kept_tracker(session, sender_id)
                if kept is not None:
                    return kept
            query = _ALL_SESSIONS if fetch_events_from_all_sessions else _LAST_SESSION
            events = [json.loads(data) for data in session.execute(query, {"sender_id": sender_id}).scalars()]
        if self.domain and events:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            if not fetch_events_from_all_sessions and len(tracker.events) == len(events):
                setattr(tracker, STORED, len(events))
            with self._kept_lock:
                self._read_empty.discard(sender_id)
            return tracker
        if not events and not fetch_events_from_all_sessions:
            with self._kept_lock:
                if len(self._read_empty) >= KEPT_CONVERSATIONS:
                    self._read_empty.clear()  # reads never followed by a new conversation
                self._read_empty.add(sender_id)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        if getattr(tracker, STORED, None) is None and self._created_after_empty_read(tracker.sender_id):
            setattr(tracker, STORED, 0)
        if getattr(tracker, STORED, None) == len(tracker.events):
            return  # nothing new
        await asyncio.get_running_loop().run_in_executor(self._writer, self._save_now, tracker)

    def _created_after_empty_read(self, sender_id: Text) -> bool:
        """Whether this instance's last read of the conversation found no events: Rasa then
        creates the tracker (in its store wrappers, so not through `init_tracker` here)
        and saves it under the same lock, so none of its events is stored yet."""
        with self._kept_lock:
            if sender_id in self._read_empty:
                self._read_empty.discard(sender_id)
                return True
        return False

    def _save_now(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            new = self._new_events(session, tracker)
            if new:
                # Of the events before, only the last that changed which slot was asked.
                before = _question_context(tracker.events, len(tracker.events) - len(new))
                everything = [event.as_dict() for event in before + new]
                stored = redact(everything, start=len(before))
                rows = [
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get("name"),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                    for event, data in zip(new, stored)
                ]
                session.execute(_INSERT, rows)
                signature = self._signature(session, tracker.sender_id)
                session.commit()
                kept_as_is = getattr(tracker, STORED, None) is not None and all(
                    a is b for a, b in zip(stored, everything[len(everything) - len(new) :])
                )
                self._keep(tracker, signature if kept_as_is else None)
                if any(getattr(event, "action_name", None) in FORGET_ACTIONS for event in new):
                    database.carry_out_forget_requests(self.engine)
        if new or getattr(tracker, STORED, None) is not None:
            # (Nothing new, counted: the database may hold more than this tracker.)
            setattr(tracker, STORED, len(tracker.events))

    @staticmethod
    def _signature(session: Any, sender_id: Text) -> Signature:
        count, last = session.execute(_SIGNATURE, {"sender_id": sender_id}).one()
        return count, last

    def _keep(self, tracker: DialogueStateTracker, signature: Optional[Signature]) -> None:
        """Keep a just-saved tracker whose events are the ones stored (no secrets redacted),
        or forget the conversation's kept one."""
        with self._kept_lock:
            self._kept.pop(tracker.sender_id, None)
            if signature is not None:
                self._kept[tracker.sender_id] = (tracker, signature)
                while len(self._kept) > KEPT_CONVERSATIONS:
                    self._kept.popitem(last=False)

    def _kept_tracker(self, session: Any, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self._kept_lock:
            tracker, signature = self._kept.pop(sender_id, (None, None))
        if tracker is None or getattr(tracker, STORED, None) != len(tracker.events):
            return None  # not kept, or changed since it was saved and not saved again
        if self._signature(session, sender_id) != signature:
            return None  # the database holds something else now
        # A read starts at the last SessionStarted (SQLTrackerStore._event_query), which
        # resets the conversation's state: what came before it changes nothing after it.
        starts = [i for i, event in enumerate(tracker.events) if event.type_name == SessionStarted.type_name]
        if starts and starts[-1] > 0:
            for _ in range(starts[-1]):
                tracker.events.popleft()
            setattr(tracker, STORED, len(tracker.events))
        return tracker

    def _new_events(self, session: Any, tracker: DialogueStateTracker) -> List[Event]:
        stored = getattr(tracker, STORED, None)
        if stored is None or stored > len(tracker.events):
            return list(self._additional_events(session, tracker))
        return list(tracker.events)[stored:]


def _question_context(events: Sequence[Event], end: int) -> List[Event]:
    """The last of `events[:end]` that changed which slot was being asked (none: []).
    It tells `redact` as much as all of them would."""
    for index in range(end - 1, -1, -1):
        event = events[index]
        if changes_the_question(event.type_name, getattr(event, "key", None) or getattr(event, "name", None)):
            return [event]
    return []
