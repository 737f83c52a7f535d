"""Rasa's socketio channel, fixed for python-socketio >= 5.10 and limited to our page.

credentials.yml names it `channels.socketio.SocketIOInput`. Three changes to Rasa 3.6's
channel, nothing else:

- `session_request` awaits `enter_room`. Since python-socketio 5.10 `enter_room` is a
  coroutine; Rasa calls it without `await` (RasaHQ/rasa#13027), so with
  session_persistence the socket never joins the session's room and every bot reply,
  sent to that room, reaches nobody.
- Rasa builds its AsyncServer with `cors_allowed_origins=[]`, which switches the
  origin check off: any web site could open a socket (websockets are not covered by
  CORS). Here only the page's origins (channels/origins.py) may connect; clients that
  send no Origin header (not a browser) are still let in, as python-engineio does.
- The input limits every channel of ours has (channels/limits.py): long messages cut
  with a note, the caller's address in the metadata as `client_ip`.

It also carries the staff console's messages to the patient during a takeover
(channels/staff_relay.py).
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

from channels.limits import add_client_ip, capped
from channels.origins import web_origins
from channels.staff_relay import add_staff_relay

logger = logging.getLogger(__name__)

# What the page generates and keeps (web/src/storage.js loadSessionId).
_SESSION_ID = re.compile(r"[A-Za-z0-9_\-:.]{1,128}")


class SocketIOInput(RasaSocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(capped(on_new_message))
        add_client_ip(self)
        sio = self.sio
        sio.eio.cors_allowed_origins = web_origins()

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Optional[Any]) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            if not (isinstance(requested, str) and _SESSION_ID.fullmatch(requested)):
                requested = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, requested, namespace=self.namespace)
            await sio.emit("session_confirm", requested, room=sid, namespace=self.namespace)

        add_staff_relay(blueprint, sio, self.namespace, self.bot_message_evt)
        return blueprint
