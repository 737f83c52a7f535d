"""One patient message to one reply, within WeChat's rules: answer each message once
(WeChat retries a slow one three times), reply passively within 5 seconds when the
bot is ready, otherwise answer "success" and send the reply as customer-service
messages when it is. An emergency is always answered passively at once."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Protocol

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from security import keys
from channels.wechat import render
from channels.wechat.api import WeChatApi
from channels.wechat.bindings import Bindings
from channels.wechat.menu import click_says
from channels.wechat.messages import Inbound
from safety import EMERGENCY_INTENT

logger = logging.getLogger(__name__)

CHANNEL = "wechat"
BIND_WORDS = {"绑定就诊卡", "绑定", "绑卡", "绑定卡"}
UNBIND_WORDS = {"解除绑定", "解绑", "取消绑定", "解除就诊卡绑定"}
# The bot is asked to check identity (and then shows the appointments) when a patient
# wants to bind a card before proving who they are: an intent payload, so it does not
# depend on how the classifier reads a sentence.
BIND_ASKS_BOT = "/list_appointments"
SEEN_LIMIT = 5000  # message ids remembered for de-duplication
SEEN_SECONDS = 120  # WeChat retries within about 15 s
BIND_PENDING_SECONDS = 600

Handler = Callable[[UserMessage], Awaitable[Any]]


class Backend(Protocol):
    async def parse(self, text: str) -> Optional[Dict[str, Any]]: ...
    async def last_bot_messages(self, sender: str) -> List[Dict[str, Any]]: ...
    async def verified_card(self, sender: str) -> Optional[str]: ...
    async def restore_card(self, sender: str, card: str) -> None: ...
    async def forget_card(self, sender: str) -> None: ...


def log_id(openid: str) -> str:
    return keys.pseudonym("log", openid)


class TurnCollector(CollectingOutputChannel):
    """Collects the bot's messages whole (text, buttons and custom together, as the
    tracker keeps them) and signals the moment an emergency reply arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.emergency_said = asyncio.Event()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        kept = {key: message.get(key) for key in ("text", "buttons", "custom", "image")}
        kept["buttons"] = kept["buttons"] or message.get("quick_replies")
        await self._persist_message({key: value for key, value in kept.items() if value})
        if ((message.get("custom") or {}).get("data") or {}).get("emergency"):
            self.emergency_said.set()


class Turns:
    def __init__(self, reply_within: float, api: Optional[WeChatApi], bindings: Callable[[], Optional[Bindings]]):
        self.reply_within = reply_within
        self.api = api
        self._bindings = bindings
        self._seen: "collections.OrderedDict[str, float]" = collections.OrderedDict()
        self._bind_pending: Dict[str, float] = {}
        self._background: set = set()

    # -- de-duplication -------------------------------------------------------------
    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (len(self._seen) >= SEEN_LIMIT or next(iter(self._seen.values())) < now - SEEN_SECONDS):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    # -- one message ----------------------------------------------------------------
    async def answer(self, inbound: Inbound, handler: Handler, backend: Backend) -> Optional[str]:
        """The passive reply's text, or None to answer "success"."""
        if not self.first_time(inbound.dedup_key):
            logger.info("WeChat retry of a message already taken (%s)", log_id(inbound.openid))
            return None
        says, before = self._what_patient_says(inbound)
        if says is None:
            return render.pack(before)[0] if before else None
        openid = inbound.openid
        command = says.strip()
        if command in UNBIND_WORDS:
            return await self._unbind(openid, backend)
        if command in BIND_WORDS:
            card = await backend.verified_card(openid)
            if card:
                return self._bind(openid, card)
            self._forget_stale_binds()
            self._bind_pending[openid] = time.monotonic()
            before, says = before + [render.say("bind_start")], BIND_ASKS_BOT
        if render.is_pick(says):
            button = render.picked(says, render.choices(await backend.last_bot_messages(openid)))
            if button:
                says = button.get("payload") or button.get("title") or says
        await self._restore_binding(openid, backend)
        return await self._run(openid, says, before, handler, backend)

    def _what_patient_says(self, inbound: Inbound):
        """(text for the bot or None, blocks to say before the bot's reply)."""
        kind = inbound.msg_type
        if kind == "text":
            return inbound.content, []
        if kind == "voice":
            if inbound.recognition.strip():
                return inbound.recognition, []
            return None, [render.say("voice_unclear")]
        if kind == "event":
            if inbound.event == "subscribe":
                return click_says()["CONSULT"], [render.say("welcome")]
            if inbound.event == "click":
                return click_says().get(inbound.event_key), []
            return None, []  # unsubscribe, view, location reports…: nothing to say
        return None, [render.say("unsupported")]

    async def _restore_binding(self, openid: str, backend: Backend) -> None:
        bindings = self._bindings()
        card = bindings.card(openid) if bindings else None
        if card and not await backend.verified_card(openid):
            await backend.restore_card(openid, card)

    def _bind(self, openid: str, card: str) -> str:
        bindings = self._bindings()
        self._bind_pending.pop(openid, None)
        bindings.bind(openid, card)
        logger.info("WeChat: card bound (%s)", log_id(openid))
        return render.say("bind_done", last=card[-2:])

    async def _unbind(self, openid: str, backend: Backend) -> str:
        self._bind_pending.pop(openid, None)
        removed = self._bindings().unbind(openid)
        await backend.forget_card(openid)
        logger.info("WeChat: card unbound (%s, had one: %s)", log_id(openid), removed)
        return render.say("unbind_done" if removed else "unbind_none")

    def _forget_stale_binds(self) -> None:
        stale = time.monotonic() - BIND_PENDING_SECONDS
        for openid in [o for o, asked in self._bind_pending.items() if asked < stale]:
            del self._bind_pending[openid]

    async def _after_turn(self, openid: str, backend: Backend) -> List[str]:
        """A bind the patient asked for, once the identity check has passed."""
        asked = self._bind_pending.get(openid)
        if asked is None:
            return []
        if time.monotonic() - asked > BIND_PENDING_SECONDS:
            self._bind_pending.pop(openid, None)
            return []
        card = await backend.verified_card(openid)
        return [self._bind(openid, card)] if card else []

    # -- the bot's turn ---------------------------------------------------------------
    async def _run(
        self, openid: str, says: str, before: List[str], handler: Handler, backend: Backend
    ) -> Optional[str]:
        parse_data = await backend.parse(says)
        emergency = bool(parse_data) and (parse_data.get("intent") or {}).get("name") == EMERGENCY_INTENT
        collector = TurnCollector()
        message = UserMessage(
            says, collector, openid, parse_data=parse_data, input_channel=CHANNEL, metadata={"channel": CHANNEL}
        )
        turn = asyncio.ensure_future(self._turn(handler, message, openid, backend))
        waits: List[asyncio.Future] = [turn]
        if emergency:
            waits.append(asyncio.ensure_future(collector.emergency_said.wait()))
        await asyncio.wait(waits, timeout=self.reply_within, return_when=asyncio.FIRST_COMPLETED)
        for extra in waits[1:]:
            extra.cancel()
        if turn.done():
            blocks = before + render.render(collector.messages).blocks + turn.result()
            messages = render.pack(blocks)
            self._deliver_later(openid, messages[1:])
            return messages[0] if messages else None
        if emergency:
            # The passive reply is the emergency, whatever else the turn still says.
            said = collector.messages[:]
            passive = render.render(said).blocks or [render.say("emergency_now")]
            skip = len(render.render(said).blocks)
            self._deliver_later(openid, None, turn=turn, collector=collector, skip=skip)
            return "\n\n".join(before + passive)
        logger.info(
            "WeChat: reply not ready in %.1f s, sending it as customer-service messages (%s)",
            self.reply_within,
            log_id(openid),
        )
        self._deliver_later(openid, None, turn=turn, collector=collector, skip=0, before=before)
        return None

    async def _turn(self, handler: Handler, message: UserMessage, openid: str, backend: Backend) -> List[str]:
        try:
            await handler(message)
            return await self._after_turn(openid, backend)
        except Exception:  # what the bot said so far is still delivered
            logger.exception("WeChat: the bot failed on a message (%s)", log_id(openid))
            return []

    def _deliver_later(
        self,
        openid: str,
        messages: Optional[List[str]],
        turn: Optional[asyncio.Future] = None,
        collector: Optional[TurnCollector] = None,
        skip: int = 0,
        before: Optional[List[str]] = None,
    ) -> None:
        if messages is not None and not messages:
            return
        task = asyncio.ensure_future(self._send_later(openid, messages, turn, collector, skip, before or []))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_later(self, openid, messages, turn, collector, skip, before) -> None:
        try:
            if messages is None:
                after = await turn
                blocks = render.render(collector.messages).blocks
                messages = render.pack(before + blocks[skip:] + after)
            if not messages:
                return
            if self.api is None:
                logger.warning(
                    "WeChat: %d message(s) not delivered: WECHAT_APPID/WECHAT_APPSECRET not set", len(messages)
                )
                return
            for text in messages:  # in order, one after another
                await self.api.send_text(openid, text)
        except Exception:
            logger.exception("WeChat: delivering a reply through the customer-service API failed (%s)", log_id(openid))

    async def drain(self) -> None:
        """Wait for replies still being delivered (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
