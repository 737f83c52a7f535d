"""One turn at a time per conversation, across several Rasa instances: Rasa's Redis
lock store with every change made atomically. endpoints.yml (scripts/cluster.py
writes it):

    lock_store:
      type: chat_store.lock_store.AtomicRedisLockStore
      url: 127.0.0.1
      port: 6379
      password: ${XIAOAN_REDIS_PASSWORD}

Rasa 3.6's RedisLockStore reads a conversation's ticket lock, changes it in Python and
writes it back. Two instances taking a ticket for the same conversation at the same
moment both get the same number and run two turns at once (one turn's events are lost
or stored twice); a ticket taken while another instance hands its own back is written
over, and its message then fails with "Could not acquire lock". Here each
read-change-write is one Redis transaction (WATCH/MULTI, retried when another
instance changed the lock in between). Keys and format are Rasa's own.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: Text, change: Change) -> Any:
        """Apply `change` to the stored lock in one transaction; a lock left without
        tickets is deleted. Returns what `change` returned beside the lock."""
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> Any:
            raw = pipe.get(key)
            lock, result = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
            pipe.multi()
            if lock is None or not lock.tickets:
                pipe.delete(key)
            else:
                pipe.set(key, lock.dumps())
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def hand_back(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, hand_back)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # finish_serving deletes the lock in the same transaction when nobody waits.
        self.finish_serving(conversation_id, ticket_number)
