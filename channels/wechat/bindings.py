"""Which 就诊卡 a WeChat openid is bound to. Kept in the hospital database (its own
table), with the openid as a keyed hash and the card number encrypted, so the table
alone tells nothing about who is whom (keys from security/keys.py)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Column, DateTime, MetaData, String, Table, create_engine, delete, insert, select
from sqlalchemy.engine import Engine

from security import keys

metadata = MetaData()
wechat_bindings = Table(
    "wechat_bindings",
    metadata,
    Column("openid_hash", String(64), primary_key=True),
    Column("card_encrypted", String(256), nullable=False),
    Column("bound_at", DateTime, nullable=False),
)


class Bindings:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine)

    @classmethod
    def from_url(cls, url: str) -> "Bindings":
        connect_args = {"check_same_thread": False, "timeout": 30} if url.startswith("sqlite") else {}
        return cls(create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args))

    @staticmethod
    def _key(openid: str) -> str:
        return keys.keyed_hash("wechat-openid", openid)

    def card(self, openid: str) -> Optional[str]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(wechat_bindings.c.card_encrypted).where(wechat_bindings.c.openid_hash == self._key(openid))
            ).first()
        return keys.fernet("wechat-binding").decrypt(row[0].encode("ascii")).decode("utf-8") if row else None

    def bind(self, openid: str, card: str) -> None:
        token = keys.fernet("wechat-binding").encrypt(card.encode("utf-8")).decode("ascii")
        with self.engine.begin() as connection:
            connection.execute(delete(wechat_bindings).where(wechat_bindings.c.openid_hash == self._key(openid)))
            connection.execute(
                insert(wechat_bindings).values(
                    openid_hash=self._key(openid), card_encrypted=token, bound_at=dt.datetime.now()
                )
            )

    def unbind(self, openid: str) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(wechat_bindings).where(wechat_bindings.c.openid_hash == self._key(openid))
            )
        return result.rowcount > 0
