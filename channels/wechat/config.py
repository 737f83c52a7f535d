"""The channel's settings, read once from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

DEFAULT_API_BASE = "https://api.weixin.qq.com"
# WeChat waits 5 s for a passive reply; what is not ready by then goes through the
# customer-service API instead.
DEFAULT_REPLY_WITHIN = 4.5


@dataclass(frozen=True)
class WeChatConfig:
    token: str
    appid: str = ""
    appsecret: str = ""
    aes_key: str = ""
    api_base: str = DEFAULT_API_BASE
    reply_within: float = DEFAULT_REPLY_WITHIN

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional["WeChatConfig"]:
        """None (the channel is off) without WECHAT_TOKEN."""
        token = (env.get("WECHAT_TOKEN") or "").strip()
        if not token:
            return None
        raw = (env.get("WECHAT_REPLY_WITHIN") or "").strip()
        try:
            reply_within = float(raw) if raw else DEFAULT_REPLY_WITHIN
        except ValueError:
            raise ValueError("WECHAT_REPLY_WITHIN must be a number of seconds") from None
        if not 0 < reply_within < 5:
            raise ValueError("WECHAT_REPLY_WITHIN must be between 0 and 5 seconds (WeChat waits 5)")
        return cls(
            token=token,
            appid=(env.get("WECHAT_APPID") or "").strip(),
            appsecret=(env.get("WECHAT_APPSECRET") or "").strip(),
            aes_key=(env.get("WECHAT_AES_KEY") or "").strip(),
            api_base=(env.get("WECHAT_API_BASE") or "").strip() or DEFAULT_API_BASE,
            reply_within=reply_within,
        )

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_key)

    @property
    def can_send(self) -> bool:
        """Customer-service messages need the AppID and AppSecret."""
        return bool(self.appid and self.appsecret)
