"""The XML WeChat posts to us, and the XML of a passive reply."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, Optional

MAX_BODY_BYTES = 64 * 1024


class BadMessage(ValueError):
    """A body that is not a WeChat message."""


def parse_xml(body: bytes) -> Dict[str, str]:
    """Top-level elements of <xml>…</xml> as a dict of strings."""
    if len(body) > MAX_BODY_BYTES:
        raise BadMessage("body too large")
    # WeChat never sends a DTD; refusing one rules out entity-expansion tricks.
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BadMessage("DTD not allowed")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise BadMessage("not XML") from error
    if root.tag != "xml":
        raise BadMessage("not a WeChat message")
    return {child.tag: (child.text or "").strip() for child in root}


@dataclass(frozen=True)
class Inbound:
    """One message or event from a patient (openid) to the account."""

    openid: str
    account: str
    msg_type: str
    create_time: str
    msg_id: str = ""
    content: str = ""
    recognition: str = ""
    event: str = ""
    event_key: str = ""

    @classmethod
    def from_fields(cls, fields: Dict[str, str]) -> "Inbound":
        openid, msg_type = fields.get("FromUserName", ""), fields.get("MsgType", "").lower()
        if not openid or not msg_type:
            raise BadMessage("no sender or type")
        return cls(
            openid=openid,
            account=fields.get("ToUserName", ""),
            msg_type=msg_type,
            create_time=fields.get("CreateTime", ""),
            msg_id=fields.get("MsgId", ""),
            content=fields.get("Content", ""),
            recognition=fields.get("Recognition", ""),
            event=fields.get("Event", "").lower(),
            event_key=fields.get("EventKey", ""),
        )

    @property
    def dedup_key(self) -> str:
        """WeChat retries a message with the same MsgId; events have none, so the
        sender and CreateTime (plus the event) identify them."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"event:{self.openid}:{self.create_time}:{self.event}:{self.event_key}"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_openid: str, from_account: str, content: str, now: Optional[int] = None) -> str:
    return (
        "<xml>"
        f"<ToUserName>{_cdata(to_openid)}</ToUserName>"
        f"<FromUserName>{_cdata(from_account)}</FromUserName>"
        f"<CreateTime>{int(now if now is not None else time.time())}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )


def encrypted_reply(encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    return (
        "<xml>"
        f"<Encrypt>{_cdata(encrypt)}</Encrypt>"
        f"<MsgSignature>{_cdata(msg_signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce>{_cdata(nonce)}</Nonce>"
        "</xml>"
    )
