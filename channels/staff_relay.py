"""Staff messages into a patient's conversation, over the patient's own socket.

The staff console (staff/) posts here, on the Rasa server, what a staff member writes
during a takeover and the hand-back:

    POST /webhooks/socketio/staff      Authorization: Bearer <staff relay token>
    {"conversation_id": "...", "text": "...", "hand_back": false}

The text is appended to the conversation as a bot message marked `{"staff": true}` in
its metadata (history and analytics see who said it) and emitted to the page's
socket.io room as `bot_uttered` with `"staff": true` (the page shows it as from
工作人员). Messages are accepted only while the conversation is handed off
(`handoff_active`); `hand_back` clears that slot, so 小安 answers the next message, and
tells the page (`"handoff": "closed"`).

The token is derived from the master secret (security/keys.py), which the Rasa server
and the page's server both read; nothing else knows it.
"""

from __future__ import annotations

import hmac
import logging

from rasa.shared.core.events import BotUttered, SlotSet
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from security import keys

logger = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff_active"
MAX_TEXT = 2000


def staff_relay_token() -> str:
    return keys.derived_key("staff-relay").hex()


def _authorised(request: Request) -> bool:
    header = request.headers.get("Authorization") or ""
    given = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
    return hmac.compare_digest(given.encode(), staff_relay_token().encode())


def add_staff_relay(blueprint: Blueprint, sio: AsyncServer, namespace, bot_message_evt: str) -> None:
    @blueprint.route("/staff", methods=["POST"])
    async def staff_message(request: Request):
        if not _authorised(request):
            return response.json({"error": "unauthorised"}, status=401)
        body = request.json if isinstance(request.json, dict) else {}
        conversation_id = body.get("conversation_id")
        text = body.get("text") or ""
        hand_back = body.get("hand_back") is True
        if not isinstance(conversation_id, str) or not isinstance(text, str) or len(text) > MAX_TEXT:
            return response.json({"error": "bad request"}, status=400)
        text = text.strip()
        agent = request.app.ctx.agent
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.tracker_store.retrieve(conversation_id)
            if tracker is None or not tracker.events:
                return response.json({"error": "no such conversation"}, status=404)
            if not tracker.get_slot(HANDOFF_SLOT):
                return response.json({"error": "not handed off"}, status=409)
            if text:
                tracker.update(BotUttered(text, data={"staff": True}, metadata={"staff": True}))
            if hand_back:
                tracker.update(SlotSet(HANDOFF_SLOT, None))
            await agent.tracker_store.save(tracker)
        message = {"text": text, "staff": True} if text else {}
        if hand_back:
            message["handoff"] = "closed"  # the page stops saying "人工客服接待中"
        if message:
            await sio.emit(bot_message_evt, message, room=conversation_id, namespace=namespace)
        logger.info("staff %s in a handed-off conversation", "handed back" if hand_back else "replied")
        return response.json({"ok": True})
