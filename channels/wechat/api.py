"""WeChat's server API: the access token (fetched and cached) and customer-service
messages (客服消息), which deliver replies that were not ready within 5 seconds."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, Optional

import aiohttp

logger = logging.getLogger(__name__)

# errcodes meaning the access token is no longer valid: fetch a new one and retry once.
TOKEN_INVALID = {40001, 40014, 42001}
REFRESH_MARGIN = 300  # seconds before expiry to fetch a new token


class WeChatApiError(RuntimeError):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode


class WeChatApi:
    def __init__(self, base_url: str, appid: str, secret: str, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.appid, self.secret = appid, secret
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def access_token(self, refresh: bool = False) -> str:
        async with self._lock:
            if refresh or not self._token or time.monotonic() >= self._expires_at:
                answer = await self._call(
                    "GET",
                    "/cgi-bin/token",
                    params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
                )
                if "access_token" not in answer:
                    raise WeChatApiError(answer.get("errcode", -1), answer.get("errmsg", "no access_token"))
                self._token = answer["access_token"]
                lifetime = int(answer.get("expires_in", 7200))
                self._expires_at = time.monotonic() + max(lifetime - REFRESH_MARGIN, lifetime // 2)
            return self._token

    async def send_text(self, openid: str, content: str) -> None:
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        await self._with_token("/cgi-bin/message/custom/send", body)

    async def create_menu(self, menu: Dict[str, Any]) -> None:
        await self._with_token("/cgi-bin/menu/create", menu)

    async def _with_token(self, path: str, body: Dict[str, Any]) -> None:
        for attempt in range(2):
            token = await self.access_token(refresh=attempt > 0)
            answer = await self._call("POST", path, params={"access_token": token}, body=body)
            errcode = int(answer.get("errcode", 0))
            if errcode == 0:
                return
            if errcode not in TOKEN_INVALID or attempt:
                raise WeChatApiError(errcode, answer.get("errmsg", ""))
            logger.info("WeChat access token rejected (%s); fetching a new one", errcode)

    async def _call(
        self, method: str, path: str, params: Dict[str, str], body: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        # Chinese unescaped: WeChat shows \uXXXX escapes literally in some clients.
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.request(
                method,
                self.base_url + path,
                params=params,
                data=data,
                headers={"Content-Type": "application/json; charset=utf-8"} if data else None,
            ) as response:
                response.raise_for_status()
                return json.loads(await response.text(encoding="utf-8"))
