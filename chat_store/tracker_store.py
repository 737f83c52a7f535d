"""Rasa's SQL tracker store, with every stored event encrypted and identity secrets
redacted before they are written. endpoints.yml:

    tracker_store:
      type: chat_store.tracker_store.EncryptedSQLTrackerStore
      url: ${TRACKER_DB_URL}

Conversations survive a restart of the Rasa server, and memory no longer grows with
every conversation ever held. At the end of each saved turn the store also carries out
the "forget me" requests the action server recorded (`database.request_forget`), so
the turn that asked is deleted with the rest of the conversation.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import declarative_base

from chat_store import database
from chat_store.redaction import redact

logger = logging.getLogger(__name__)

_Base = declarative_base(metadata=database.metadata)


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

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            new = list(self._additional_events(session, tracker))
            if new:
                everything = [event.as_dict() for event in tracker.events]
                stored = redact(everything, start=len(everything) - len(new))
                for event, data in zip(new, stored):
                    session.add(
                        self.SQLEvent(
                            sender_id=tracker.sender_id,
                            type_name=event.type_name,
                            timestamp=data.get("timestamp"),
                            intent_name=((data.get("parse_data") or {}).get("intent") or {}).get("name"),
                            action_name=data.get("name"),
                            data=json.dumps(data),
                        )
                    )
                session.commit()
        database.carry_out_forget_requests(self.engine)
