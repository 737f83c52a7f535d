"""Rasa's SQL tracker store, with every stored event encrypted and identity secrets
redacted before they are written. endpoints.yml:

    tracker_store:
      type: chat_store.tracker_store.EncryptedSQLTrackerStore
      url: ${TRACKER_DB_URL}

Conversations survive a restart of the Rasa server, and memory no longer grows with
every conversation ever held. At the end of each saved turn the store also carries out
the "forget me" requests the action server recorded (`database.request_forget`), so
the turn that asked is deleted with the rest of the conversation.

Reading and writing a conversation waits on the database and the disk, so it runs in a
worker thread, not on the event loop where the other conversations are answered (Rasa
holds the conversation's lock meanwhile, so no other turn of it runs). It uses the
process's engine of `database.engine`: on SQLite a write-ahead log and kept connections.
A turn's new events are one multi-row insert, and which events are new is known from
what was read at the start of the turn (Rasa's store counts the stored ones again).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import declarative_base, sessionmaker

from chat_store import database
from chat_store.redaction import redact

logger = logging.getLogger(__name__)

# How many of a tracker's events are stored: set when it is read (its last session) and
# after each save. Rasa holds the conversation's lock from reading to saving (Redis when
# there are several instances), so nothing else writes them in between; a tracker read
# another way (a copy, all sessions) is counted in the database, as Rasa's store does.
STORED = "_xiaoan_stored_events"

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

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        return await asyncio.to_thread(self._retrieve_now, sender_id, fetch_events_from_all_sessions)

    def _retrieve_now(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        # SQLTrackerStore._retrieve, run in a worker thread.
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            if not fetch_events_from_all_sessions and len(tracker.events) == len(events):
                setattr(tracker, STORED, len(events))
            return tracker
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await asyncio.to_thread(self._save_now, tracker)

    def _save_now(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            new = self._new_events(session, tracker)
            if new:
                everything = [event.as_dict() for event in tracker.events]
                stored = redact(everything, start=len(everything) - len(new))
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
                session.execute(database.events.insert(), rows)
                session.commit()
        setattr(tracker, STORED, len(tracker.events))
        database.carry_out_forget_requests(self.engine)

    def _new_events(self, session: Any, tracker: DialogueStateTracker) -> List[Event]:
        stored = getattr(tracker, STORED, None)
        if stored is None or stored > len(tracker.events):
            return list(self._additional_events(session, tracker))
        return list(tracker.events)[stored:]
