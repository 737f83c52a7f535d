"""What every channel does with a message before the assistant reads it.

- It is cut to the first MAX_CHARS characters (the NLU pipeline reads no more either,
  components/input_limit.py) and, after the assistant's answer, the patient is told
  kindly that only the first part was read. The conversation keeps only the part read.
- The address it came from goes into the message metadata as `client_ip` (per-address
  limits read it). It is always the server's own view of the caller, never a value
  the client sent.

A channel subclass wraps Rasa's `on_new_message` with `capped()` and, for socketio,
calls `add_client_ip()` after building its blueprint (channels/rest.py,
channels/socketio.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage

from components.input_limit import MAX_CHARS, cap

logger = logging.getLogger(__name__)

# Said by the channel, which has no domain to take a response from.
NOTE = f"您的消息比较长，小安只读了前 {MAX_CHARS} 个字。没说完的内容，请分几次发给我。"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def capped(on_new_message: OnNewMessage) -> OnNewMessage:
    """`on_new_message` for messages of at most MAX_CHARS characters."""

    async def handle(message: UserMessage) -> None:
        length = len(message.text) if isinstance(message.text, str) else 0
        if length > MAX_CHARS:
            logger.info("message of %d characters: only the first %d are read", length, MAX_CHARS)
            message.text = cap(message.text)
        await on_new_message(message)
        if length > MAX_CHARS:
            await message.output_channel.send_text_message(message.sender_id, NOTE)

    return handle


def client_ip(request: Any) -> Optional[str]:
    """The caller's address as Sanic sees it: `remote_addr` when a trusted proxy is
    configured (Sanic's FORWARDED_SECRET / REAL_IP_HEADER / PROXIES_COUNT), else the
    peer of the connection. Headers alone are never believed."""
    if request is None:
        return None
    return getattr(request, "remote_addr", "") or getattr(request, "ip", "") or None


def with_client_ip(metadata: Any, ip: Optional[str]) -> Dict[str, Any]:
    """The client's metadata (a dict, else nothing) with our `client_ip` over any it sent."""
    result = dict(metadata) if isinstance(metadata, dict) else {}
    result["client_ip"] = ip
    return result


def add_client_ip(channel: Any) -> None:
    """Make a built socketio channel (`channel.sio` set by its blueprint) put the
    socket's address into every message's metadata. The socket's WSGI environ says
    REMOTE_ADDR 127.0.0.1 for every client under Sanic, so the address comes from the
    Sanic request that opened the socket."""
    sio, namespace = channel.sio, channel.namespace
    original = sio.handlers[namespace or "/"][channel.user_message_evt]

    async def handle_message(sid: str, data: Any) -> Any:
        if isinstance(data, dict):
            metadata = data.get(channel.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            environ = sio.get_environ(sid, namespace=namespace) or {}
            ip = client_ip(environ.get("sanic.request"))
            data = {**data, channel.metadata_key: with_client_ip(metadata, ip)}
        return await original(sid, data)

    sio.on(channel.user_message_evt, namespace=namespace)(handle_message)
