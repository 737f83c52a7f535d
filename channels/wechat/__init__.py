"""WeChat official-account (服务号) channel for 小安; registered in credentials.yml
as `channels.wechat.WeChatInput`."""

from channels.wechat.channel import WeChatInput

__all__ = ["WeChatInput"]
