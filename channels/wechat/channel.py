"""The `wechat` input channel: a hospital's official account (服务号) talking to 小安.

WeChat calls /webhooks/wechat/webhook: GET once to verify the server (echo `echostr`
when the signature matches), then POST for every message and event, signed, and in
safe mode encrypted. Without WECHAT_TOKEN the channel is off: the webhook does not
exist (404) and only /webhooks/wechat/ answers, with {"status": "off"}.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from channels.wechat import crypto
from channels.wechat.api import WeChatApi
from channels.wechat.bindings import Bindings
from channels.wechat.config import WeChatConfig
from channels.wechat.messages import BadMessage, Inbound, encrypted_reply, parse_xml, text_reply
from channels.wechat.turns import Backend, Turns

logger = logging.getLogger(__name__)


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        # Settings come from the environment only: Rasa refuses to start when a
        # ${VAR} in credentials.yml is unset, and this channel must simply be off.
        config = WeChatConfig.from_env(os.environ)
        if config is None:
            logger.info("WeChat channel is off: WECHAT_TOKEN is not set")
        return cls(config)

    def __init__(
        self,
        config: Optional[WeChatConfig],
        backend: Optional[Callable[[Any], Backend]] = None,
        bindings: Optional[Bindings] = None,
    ) -> None:
        self.config = config
        self.crypto = crypto.MessageCrypto(config.aes_key, config.appid) if config and config.safe_mode else None
        self._backend = backend
        self._bindings = bindings
        api = WeChatApi(config.api_base, config.appid, config.appsecret) if config and config.can_send else None
        if config and not api:
            logger.warning("WeChat: WECHAT_APPID/WECHAT_APPSECRET not set, slow replies cannot be delivered")
        self.turns = Turns(config.reply_within, api, self.bindings) if config else None

    def bindings(self) -> Bindings:
        if self._bindings is None:
            from hospital.config import database_url

            self._bindings = Bindings.from_url(database_url())
        return self._bindings

    def backend(self, request: Request) -> Backend:
        if self._backend is not None:
            return self._backend(request.app)
        from channels.wechat.backend import RasaBackend

        return RasaBackend(request.app.ctx.agent)

    def _signed(self, request: Request, *extra: str) -> bool:
        args = request.args
        return crypto.signature_matches(
            args.get("msg_signature" if extra else "signature", ""),
            self.config.token,
            args.get("timestamp", ""),
            args.get("nonce", ""),
            *extra,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("wechat_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok" if self.config else "off"})

        if self.config is None:
            return hook

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> response.HTTPResponse:
            if not self._signed(request):
                logger.warning("WeChat: server verification with a bad signature refused")
                return response.text("forbidden", status=403)
            return response.text(request.args.get("echostr", ""))

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if not self._signed(request):
                logger.warning("WeChat: message with a bad signature refused")
                return response.text("forbidden", status=403)
            try:
                inbound = self._inbound(request)
            except PermissionError as error:
                logger.warning("WeChat: message refused: %s", error)
                return response.text("forbidden", status=403)
            except BadMessage as error:
                logger.warning("WeChat: unreadable message: %s", error)
                return response.text("bad request", status=400)
            reply = await self.turns.answer(inbound, on_new_message, self.backend(request))
            if reply is None:
                return response.text("success")
            return response.text(self._reply_xml(inbound, reply), content_type="application/xml")

        return hook

    def _inbound(self, request: Request) -> Inbound:
        encrypted = request.args.get("encrypt_type", "raw") == "aes"
        if self.crypto is None:
            if encrypted:
                raise PermissionError("safe-mode message, but WECHAT_AES_KEY is not set")
            return Inbound.from_fields(parse_xml(request.body))
        # Safe mode: the plain `signature` covers only the URL, so a plaintext body
        # could be anyone's; only the encrypted, msg_signature-checked body counts.
        if not encrypted:
            raise PermissionError("plaintext message in safe mode")
        encrypt = parse_xml(request.body).get("Encrypt", "")
        if not encrypt or not self._signed(request, encrypt):
            raise PermissionError("bad msg_signature")
        try:
            inner = self.crypto.decrypt(encrypt)
        except crypto.CryptoError as error:
            raise PermissionError(str(error)) from error
        return Inbound.from_fields(parse_xml(inner.encode("utf-8")))

    def _reply_xml(self, inbound: Inbound, reply: str) -> str:
        xml = text_reply(inbound.openid, inbound.account, reply)
        if self.crypto is None:
            return xml
        encrypt = self.crypto.encrypt(xml)
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        signature = crypto.signature(self.config.token, timestamp, nonce, encrypt)
        return encrypted_reply(encrypt, signature, timestamp, nonce)
