"""Live takeover: the queue of handoff tickets, taking one (one staff member per
ticket, held by the hospital database), the conversation as it goes on, replies and
the hand-back to 小安 (which closes the ticket)."""

from __future__ import annotations

import time
from typing import Any, Dict, List

from hospital.interface import HandoffTicket, HospitalSystems
from staff import conversations
from staff.relay import Relay

TRANSCRIPT_LINES = 40
MAX_REPLY = 1000


class NotYours(Exception):
    """The ticket is not taken by this staff member (or no longer open)."""


class Takeover:
    def __init__(self, hospital: HospitalSystems, chats, relay: Relay):
        self.hospital, self.chats, self.relay = hospital, chats, relay

    def _ticket(self, ticket_id: int) -> HandoffTicket:
        ticket = next((t for t in self.hospital.handoff_tickets() if t.id == ticket_id), None)
        if ticket is None:
            raise KeyError(ticket_id)
        return ticket

    def _mine(self, ticket_id: int, staff: str) -> HandoffTicket:
        ticket = self._ticket(ticket_id)
        if ticket.status != "open" or ticket.taken_by != staff:
            raise NotYours(ticket_id)
        return ticket

    def _view(self, ticket: HandoffTicket, lines: int = TRANSCRIPT_LINES) -> Dict[str, Any]:
        events = conversations.events_of(self.chats, ticket.conversation_id)
        transcript = conversations.transcript(events)
        opened = ticket.created_at.timestamp()
        return {
            "id": ticket.id,
            "reason": ticket.reason,
            "summary": ticket.summary,
            "created_at": ticket.created_at.isoformat(timespec="seconds"),
            "waiting_seconds": int((ticket.taken_at.timestamp() if ticket.taken_at else time.time()) - opened),
            "taken_by": ticket.taken_by,
            "status": ticket.status,
            "triage_summary": conversations.triage_summary(events),
            "emergency": any(line.emergency and line.at >= opened for line in transcript),
            "messages": [line.to_dict() for line in transcript[-lines:]],
        }

    def queue(self) -> List[Dict[str, Any]]:
        return [self._view(t, lines=12) for t in self.hospital.handoff_tickets(status="open")]

    def take(self, ticket_id: int, staff: str) -> Dict[str, Any]:
        return self._view(self.hospital.take_handoff(ticket_id, staff))

    def view(self, ticket_id: int, staff: str) -> Dict[str, Any]:
        return self._view(self._mine(ticket_id, staff))

    def reply(self, ticket_id: int, staff: str, text: str) -> None:
        ticket = self._mine(ticket_id, staff)
        self.relay.send(ticket.conversation_id, text.strip()[:MAX_REPLY])

    def hand_back(self, ticket_id: int, staff: str) -> None:
        ticket = self._mine(ticket_id, staff)
        self.relay.hand_back(ticket.conversation_id)
        self.hospital.close_handoff(ticket.id)
