"""Forget me (actions/identity/privacy.py): after the patient confirmed and proved who they are,
this conversation and every conversation the hospital's audit trail ties to the card
are deleted from the conversations database; the audit trail stays."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.identity import privacy
from security import keys
from hospital.interface import SystemUnavailable
from actions.identity.gated import AfterIdentity
from chat_store import database
from chat_store.tracker_store import EncryptedSQLTrackerStore
from tests.unit.action_harness import PROJECT_ROOT, Harness, responses, tracker, user

CARD = "1000001"
CURRENT = "qa-user"  # the conversation id action_harness.tracker uses


def action(name):
    return {"event": "action", "name": name}


CONFIRMED = [
    user("删除我的聊天记录", "forget_me"),
    action("utter_ask_forget_me"),
    user("确认", "affirm"),
    action("verify_form"),
    user(CARD, "provide_identity"),
    action("verify_form"),
]


class AuditTrail:
    """The hospital as the forget-me action sees it: audit entries of record access,
    each with the conversation it happened in (None for access outside a chat)."""

    def __init__(self, entries=None, error=None):
        self.entries = (
            entries
            if entries is not None
            else [
                {"actor": "assistant", "action": "verify", "card_no": CARD, "conversation_id": "earlier-chat"},
                {"actor": "assistant", "action": "read_report", "card_no": CARD, "conversation_id": "earlier-chat"},
                {"actor": "assistant", "action": "verify", "card_no": CARD, "conversation_id": "another-day"},
                {"actor": "counter", "action": "read_report", "card_no": CARD, "conversation_id": None},
                {"actor": "counter", "action": "print", "card_no": CARD},
            ]
        )
        self.error = error
        self.asked_for = []

    def audit_entries(self, card_no=None):
        self.asked_for.append(card_no)
        if self.error:
            raise self.error
        return list(self.entries)


@pytest.fixture
def chats(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'chats.db'}"
    monkeypatch.setenv(database.ENV_DB_URL, url)
    monkeypatch.setenv(keys.KEY_ENV, "test-master-key")
    keys.reset_cache()
    yield url
    keys.reset_cache()


@pytest.fixture
def audit():
    return AuditTrail()


def pending(url):
    with database.engine(url).connect() as connection:
        return sorted(row.sender_id for row in connection.execute(sa.select(database.forget_requests)))


def verified_after(history):
    return tracker("5678", "provide_identity", slots={"verified_card": CARD}, active_loop=None, history=history)


async def test_confirmed_forget_me_deletes_every_conversation_of_the_card(monkeypatch, hospital, today, chats, audit):
    with database.engine(chats).begin() as connection:  # "another-day" was purged already
        for sender in ("earlier-chat", CURRENT, "someone-else"):
            connection.execute(database.events.insert().values(sender_id=sender, type_name="user", data="{}"))
    h = Harness(hospital, today)
    dispatcher, events = await h.run(AfterIdentity(hospital=audit), verified_after(CONFIRMED))

    assert responses(dispatcher) == ["utter_forget_me_done"]
    assert dispatcher.messages[0]["conversations"] == 2  # the patient is told what was there
    assert dispatcher.messages[0]["days"] == "30"
    assert events == []
    assert audit.asked_for == [CARD]
    assert pending(chats) == ["another-day", "earlier-chat", CURRENT]


async def test_the_store_deletes_them_when_it_saves_the_turn_and_keeps_others(
    monkeypatch, hospital, today, chats, audit
):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = EncryptedSQLTrackerStore(domain=domain, host=chats)
    for sender in ("earlier-chat", "another-day", CURRENT, "someone-else"):
        saved = DialogueStateTracker(sender, domain.slots)
        saved.update(ActionExecuted("action_listen"))
        saved.update(UserUttered("我头疼", {"name": "describe_symptoms", "confidence": 1.0}))
        await store.save(saved)

    await Harness(hospital, today).run(AfterIdentity(hospital=audit), verified_after(CONFIRMED))
    this_turn = await store.retrieve(CURRENT)
    this_turn.update(ActionExecuted("action_after_identity"))
    this_turn.update(BotUttered("已经为您删除了聊天记录"))
    await store.save(this_turn)

    assert await store.keys() == ["someone-else"]
    assert pending(chats) == []
    assert len(audit.entries) == 5  # the audit trail is not chat: it stays


@pytest.mark.parametrize(
    "history",
    [
        [
            user("删除我的聊天记录", "forget_me"),
            action("utter_ask_forget_me"),
            user("不用了", "deny"),
            action("utter_forget_me_kept"),
            user("1000001", "provide_identity"),
            action("verify_form"),
        ],
        [user("删除我的聊天记录", "forget_me"), user("确认", "affirm"), action("verify_form")],
    ],
    ids=["declined", "never-asked"],
)
async def test_nothing_is_deleted_without_a_yes_to_the_question(monkeypatch, hospital, today, chats, audit, history):
    dispatcher, _ = await Harness(hospital, today).run(
        privacy.ForgetConversations(hospital=audit), verified_after(history)
    )
    assert responses(dispatcher) == ["utter_anything_else"]
    assert pending(chats) == []


async def test_hospital_down_deletes_nothing_and_says_so(monkeypatch, hospital, today, chats):
    down = AuditTrail(error=SystemUnavailable("医院系统暂时连接不上。"))
    dispatcher, _ = await Harness(hospital, today).run(
        privacy.ForgetConversations(hospital=down), verified_after(CONFIRMED)
    )
    assert responses(dispatcher) == ["utter_hospital_error_unavailable"]
    assert pending(chats) == []
