"""Conversations at rest (chat_store): encrypted rows, identity secrets redacted, a
tracker that round-trips, the retention purge, and "forget me" requests carried out
when the turn that asked is saved."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import time

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from security import keys
from chat_store import database
from chat_store.tracker_store import FORGET_ACTIONS, EncryptedSQLTrackerStore
from tests.unit.action_harness import PROJECT_ROOT

CARD = "1000001"
PHONE4 = "5678"
OTP = "482913"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def url(tmp_path, monkeypatch):
    monkeypatch.setenv(keys.KEY_ENV, "test-master-key")
    keys.reset_cache()
    yield f"sqlite:///{tmp_path / 'chats.db'}"
    keys.reset_cache()


@pytest.fixture
def store(url, domain) -> EncryptedSQLTrackerStore:
    return EncryptedSQLTrackerStore(domain=domain, host=url)


def said(text, intent, timestamp=None):
    return UserUttered(
        text,
        {"name": intent, "confidence": 0.99},
        [],
        timestamp=timestamp,
        parse_data={"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": []},
    )


def identity_conversation(
    sender="patient-1", secret_text=f"手机尾号{PHONE4}", extracted=f"phone4:{PHONE4}", card_text=f"卡号{CARD}"
):
    """Asked for reports, gave the card number, then the secret; verified."""
    return [
        ActionExecuted("action_listen"),
        said("我想查一下我的化验报告", "check_report"),
        ActionExecuted("verify_form"),
        ActiveLoop("verify_form"),
        SlotSet("requested_slot", "card_no"),
        BotUttered("为了保护您的隐私，需要先核实身份。请输入您的就诊卡号（7位数字）。"),
        ActionExecuted("action_listen"),
        said(card_text, "provide_identity"),
        ActionExecuted("verify_form"),
        SlotSet("card_no", CARD),
        SlotSet("requested_slot", "identity_secret"),
        ActionExecuted("action_listen"),
        said(secret_text, "provide_identity"),
        ActionExecuted("verify_form"),
        SlotSet("identity_secret", extracted),
        SlotSet("identity_secret", "verified"),
        SlotSet("verified_card", CARD),
        BotUttered("身份核实成功，陈**您好。"),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        ActionExecuted("action_after_identity"),
        ActionExecuted("action_listen"),
    ]


def tracker_with(sender, events, domain):
    tracker = DialogueStateTracker(sender, domain.slots)
    for event in events:
        tracker.update(event, domain)
    return tracker


def stored_conversations(url):
    return {row["sender_id"] for row in raw_rows(url)}


def raw_rows(url):
    with sa.create_engine(url).connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.text("SELECT * FROM events ORDER BY id"))]


def stored_events(url):
    """What someone holding the key would read back."""
    return [json.loads(keys.fernet("tracker").decrypt(row["data"].encode()).decode()) for row in raw_rows(url)]


async def test_rows_are_encrypted_and_the_tracker_round_trips(store, url, domain):
    tracker = tracker_with("patient-1", identity_conversation(), domain)
    await store.save(tracker)

    rows = raw_rows(url)
    assert len(rows) == len(tracker.events)
    everything = json.dumps(rows, default=str, ensure_ascii=False)
    assert CARD not in everything
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in everything)  # no Chinese at all

    back = await EncryptedSQLTrackerStore(domain=domain, host=url).retrieve("patient-1")
    assert back.get_slot("verified_card") == CARD
    assert back.get_slot("card_no") == CARD
    assert [e.text for e in back.events if isinstance(e, UserUttered)] == [
        "我想查一下我的化验报告",
        f"卡号{CARD}",
        "手机尾号****",
    ]
    assert len(back.events) == len(tracker.events)


async def test_a_second_turn_appends_only_its_own_events(store, url, domain):
    tracker = tracker_with("patient-1", identity_conversation(), domain)
    await store.save(tracker)
    tracker = await store.retrieve("patient-1")
    tracker.update(said("谢谢", "thank"), domain)
    await store.save(tracker)
    assert [e["text"] for e in stored_events(url) if e["event"] == "user"][-1] == "谢谢"
    assert len(raw_rows(url)) == len(identity_conversation()) + 1


async def test_saving_a_read_tracker_twice_or_a_copy_of_it_stores_each_event_once(store, url, domain):
    await store.save(tracker_with("patient-1", identity_conversation(), domain))
    tracker = await store.retrieve("patient-1")
    tracker.update(said("谢谢", "thank"), domain)
    await store.save(tracker)
    tracker.update(said("再见", "goodbye"), domain)
    await store.save(tracker)
    copy = tracker.copy()  # read another way: the store counts what it holds
    copy.update(said("好的", "affirm"), domain)
    await store.save(copy)
    everything = await store.retrieve_full_tracker("patient-1")
    await store.save(everything)  # all sessions: nothing new
    texts = [e["text"] for e in stored_events(url) if e["event"] == "user"]
    assert texts[-3:] == ["谢谢", "再见", "好的"] and len(raw_rows(url)) == len(identity_conversation()) + 3


async def test_a_new_conversation_is_stored_once_and_creating_one_never_duplicates_a_stored_one(store, url, domain):
    # As the Rasa server starts a conversation, through the wrappers it puts around the
    # store: read (nothing), created, session started, saved.
    served = FailSafeTrackerStore(AwaitableTrackerStore(store))
    tracker = await served.get_or_create_tracker("patient-n", append_action_listen=False)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event, domain)
    tracker.update(said("我头疼", "describe_symptoms"), domain)
    await served.save(tracker)
    await served.save(tracker)
    assert len(raw_rows(url)) == 4
    events = list(tracker.events)
    assert await served.retrieve("patient-n") is tracker  # known as stored: kept, not read again
    # Created without reading first (not what Rasa does), holding the last session as a
    # read would: the stored events are counted.
    again = await store.create_tracker("patient-n", append_action_listen=False)
    for event in events[1:]:
        again.update(event, domain)
    again.update(said("谢谢", "thank"), domain)
    await store.save(again)
    assert [e.get("text") for e in stored_events(url) if e["event"] == "user"] == ["我头疼", "谢谢"]


@pytest.mark.parametrize(
    "secret_text, extracted",
    [(f"手机尾号{PHONE4}", f"phone4:{PHONE4}"), (f"验证码是{OTP}", f"otp:{OTP}"), (OTP, f"otp:{OTP}")],
)
async def test_identity_secrets_are_never_stored_as_typed(store, url, domain, secret_text, extracted):
    await store.save(
        tracker_with("patient-1", identity_conversation(secret_text=secret_text, extracted=extracted), domain)
    )

    # Timestamps and message ids are random digits that may hold "5678" by chance.
    said_and_set = [{k: v for k, v in e.items() if k not in ("timestamp", "message_id")} for e in stored_events(url)]
    stored = json.dumps(said_and_set, ensure_ascii=False)
    assert PHONE4 not in stored and OTP not in stored
    secret_answer = [e for e in stored_events(url) if e["event"] == "user"][2]
    assert secret_answer["text"] == secret_text.replace(PHONE4, "****").replace(OTP, "****")
    assert secret_answer["parse_data"]["text"] == secret_answer["text"]
    secret_slots = [e["value"] for e in stored_events(url) if e["event"] == "slot" and e["name"] == "identity_secret"]
    assert secret_slots == ["redacted", "verified"]
    # The card number (an identifier, not a secret) and other messages are kept as said.
    assert [e["text"] for e in stored_events(url) if e["event"] == "user"][1] == f"卡号{CARD}"


async def test_a_conversation_saved_turn_by_turn_is_stored_as_when_saved_at_once(url, domain):
    # As Rasa saves it: once a turn, so the question asked is in an earlier save.
    events = identity_conversation(secret_text=f"验证码是{OTP}", extracted=f"otp:{OTP}")
    at_once = EncryptedSQLTrackerStore(domain=domain, host=url)
    await at_once.save(tracker_with("patient-1", events, domain))
    turn_by_turn = EncryptedSQLTrackerStore(domain=domain, host=url)
    tracker = await turn_by_turn.get_or_create_tracker("patient-2", append_action_listen=False)
    for event in events:
        tracker.update(event, domain)
        if isinstance(event, ActionExecuted) and event.action_name == "action_listen":
            await turn_by_turn.save(tracker)
            tracker = await turn_by_turn.retrieve("patient-2")
    ignored = ("timestamp", "message_id")
    rows = raw_rows(url)
    by_sender = {
        sender: [
            {k: v for k, v in e.items() if k not in ignored}
            for e, r in zip(stored_events(url), rows)
            if r["sender_id"] == sender
        ]
        for sender in ("patient-1", "patient-2")
    }
    assert by_sender["patient-1"] == by_sender["patient-2"] and OTP not in json.dumps(by_sender)


async def test_a_secret_typed_with_the_card_number_is_masked_too(store, url, domain):
    await store.save(tracker_with("patient-1", identity_conversation(card_text=f"{CARD} {PHONE4}"), domain))
    assert [e["text"] for e in stored_events(url) if e["event"] == "user"][1] == f"{CARD} ****"


async def test_digits_are_kept_when_no_secret_was_asked(store, url, domain):
    events = [ActionExecuted("action_listen"), said("帮我约12月15日1430的号", "book_appointment")]
    await store.save(tracker_with("patient-2", events, domain))
    assert [e["text"] for e in stored_events(url) if e["event"] == "user"] == ["帮我约12月15日1430的号"]


async def test_retention_purge_deletes_only_old_events(store, url, domain):
    now = time.time()
    old = now - 31 * 86400
    await store.save(
        tracker_with("old-chat", [SessionStarted(timestamp=old), said("我头疼", "describe_symptoms", old)], domain)
    )
    await store.save(
        tracker_with(
            "new-chat", [SessionStarted(timestamp=now - 3600), said("我咳嗽", "describe_symptoms", now)], domain
        )
    )

    deleted = database.purge_older_than(dt.datetime.now() - dt.timedelta(days=30), database.engine(url))

    assert deleted == 2
    assert await store.retrieve("old-chat") is None
    assert [e.text for e in (await store.retrieve("new-chat")).events if isinstance(e, UserUttered)] == ["我咳嗽"]


async def test_forget_requests_are_carried_out_when_the_asking_turn_is_saved(store, url, domain):
    for sender in ("earlier-chat", "this-chat", "someone-else"):
        await store.save(tracker_with(sender, identity_conversation(sender), domain))

    database.request_forget(["earlier-chat", "this-chat"], database.engine(url))
    other = await store.retrieve("someone-else")
    other.update(said("谢谢", "thank"), domain)
    await store.save(other)  # another conversation's turn: nothing to carry out in it
    assert len(stored_conversations(url)) == 3
    tracker = await store.retrieve("this-chat")
    tracker.update(ActionExecuted("action_forget_conversations"), domain)
    tracker.update(BotUttered("已为您删除聊天记录。"), domain)
    await store.save(tracker)

    assert await store.retrieve("this-chat") is None
    assert await store.retrieve("earlier-chat") is None
    assert (await store.retrieve("someone-else")).get_slot("verified_card") == CARD
    assert {row["sender_id"] for row in raw_rows(url)} == {"someone-else"}
    with database.engine(url).connect() as connection:
        assert connection.execute(sa.select(database.forget_requests)).all() == []


def test_retention_days_come_from_the_environment():
    assert database.retention_days({}) == 30
    assert database.retention_days({"CHAT_RETENTION_DAYS": "7"}) == 7
    for bad in ("0", "-3", "thirty"):
        with pytest.raises(ValueError):
            database.retention_days({"CHAT_RETENTION_DAYS": bad})


async def test_the_purge_job_keeps_the_configured_number_of_days(store, url, domain, monkeypatch):
    from scripts.purge_chats import PeriodicPurge, purge_once

    now = time.time()
    await store.save(tracker_with("ten-days-ago", [said("我发烧", "describe_symptoms", now - 10 * 86400)], domain))
    await store.save(tracker_with("two-days-ago", [said("我咳嗽", "describe_symptoms", now - 2 * 86400)], domain))
    monkeypatch.setenv(database.ENV_RETENTION_DAYS, "7")

    assert purge_once(url) == 1
    assert await store.keys() == ["two-days-ago"]

    # The job `make run` starts purges at once and then periodically, until stopped.
    await store.save(tracker_with("three-days-ago", [said("我头晕", "describe_symptoms", now - 3 * 86400)], domain))
    job = PeriodicPurge(url, days=1, every=3600)
    job.start()
    deadline = time.monotonic() + 10
    while await store.keys() and time.monotonic() < deadline:
        time.sleep(0.05)
    job.stop()
    assert await store.keys() == []
    assert not job.is_alive()


def test_the_sqlite_conversations_database_keeps_a_write_ahead_log(store, url, domain):
    asyncio.run(store.save(tracker_with("patient-wal", identity_conversation(), domain)))
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_conversation_waiting_for_the_database_does_not_hold_up_the_others(store, url, domain):
    """While another writer holds the database, saving a turn waits for it in a worker
    thread: the event loop, which answers every other patient, keeps running (on the
    loop itself the save would block it until SQLite gave up, and nothing could let go
    of the lock)."""
    await store.save(tracker_with("patient-a", identity_conversation(), domain))
    tracker = tracker_with("patient-b", identity_conversation(), domain)
    writer = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    saving = asyncio.create_task(store.save(tracker))
    for _ in range(20):
        await asyncio.sleep(0.01)  # the loop runs other work meanwhile
    assert not saving.done()
    writer.execute("COMMIT")
    writer.close()
    await saving
    stored = (await store.retrieve("patient-b")).events
    assert [type(e) for e in stored] == [type(e) for e in tracker.events]


def a_session(sender, domain, *texts):
    """A conversation as a read returns it: from its SessionStarted on."""
    return tracker_with(
        sender,
        [SessionStarted(), ActionExecuted("action_listen")] + [said(t, "describe_symptoms") for t in texts],
        domain,
    )


async def saved_and_read(store, sender, domain, *texts):
    await store.save(a_session(sender, domain, *texts))
    return await store.retrieve(sender)


def decrypted_rows(monkeypatch):
    count = []
    original = Fernet.decrypt
    monkeypatch.setattr(Fernet, "decrypt", lambda self, token, *a: count.append(1) or original(self, token, *a))
    return count


def as_read(tracker):
    return [e.as_dict() for e in tracker.events], tracker.current_slot_values()


async def test_the_conversation_saved_last_is_read_back_without_decrypting_it_again(store, url, domain, monkeypatch):
    tracker = await saved_and_read(store, "patient-k", domain, "我头疼")
    tracker.update(said("两天了", "inform"), domain)
    await store.save(tracker)
    decrypted = decrypted_rows(monkeypatch)

    again = await store.retrieve("patient-k")

    assert again is tracker and decrypted == []
    fresh = await EncryptedSQLTrackerStore(domain=domain, host=url).retrieve("patient-k")
    assert as_read(again) == as_read(fresh) and decrypted  # what a read of the database gives


async def test_a_conversation_another_instance_went_on_with_is_read_from_the_database(store, url, domain):
    tracker = await saved_and_read(store, "patient-k", domain, "我头疼")
    tracker.update(said("两天了", "inform"), domain)
    await store.save(tracker)
    other = EncryptedSQLTrackerStore(domain=domain, host=url)
    elsewhere = await other.retrieve("patient-k")
    elsewhere.update(said("还有点恶心", "inform"), domain)
    await other.save(elsewhere)

    again = await store.retrieve("patient-k")

    assert again is not tracker and [e.text for e in again.events if isinstance(e, UserUttered)][-1] == "还有点恶心"


async def test_a_forgotten_or_purged_conversation_is_not_read_from_memory(store, url, domain):
    for sender in ("forget-me", "purged"):
        tracker = await saved_and_read(store, sender, domain, "我头疼")
        tracker.update(said("谢谢", "thank"), domain)
        await store.save(tracker)
    database.request_forget(["forget-me"], database.engine(url))
    database.carry_out_forget_requests(database.engine(url))
    with database.engine(url).begin() as connection:
        connection.execute(database.events.delete().where(database.events.c.sender_id == "purged"))

    assert await store.retrieve("forget-me") is None
    assert await store.retrieve("purged") is None


async def test_a_turn_that_was_not_saved_is_not_read_back(store, url, domain):
    tracker = await saved_and_read(store, "patient-k", domain, "我头疼")
    tracker.update(said("两天了", "inform"), domain)
    await store.save(tracker)
    tracker = await store.retrieve("patient-k")
    tracker.update(said("这句没有存下", "inform"), domain)  # the turn failed before its save

    again = await store.retrieve("patient-k")

    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["我头疼", "两天了"]


async def test_a_turn_with_a_redacted_secret_is_read_from_the_database(store, url, domain):
    tracker = await saved_and_read(store, "patient-k", domain, "查报告")
    for event in identity_conversation()[2:]:
        tracker.update(event, domain)
    await store.save(tracker)
    again = await store.retrieve("patient-k")
    assert again is not tracker and "手机尾号****" in [e.text for e in again.events if isinstance(e, UserUttered)]


async def test_a_kept_conversation_is_read_back_from_its_last_session_as_the_database_gives_it(store, url, domain):
    # As Rasa holds a new conversation: created (and saved), then its session started.
    tracker = await store.create_tracker("patient-k")
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event, domain)
    tracker.update(said("我头疼", "describe_symptoms"), domain)
    tracker.update(SlotSet("department", "神经内科"), domain)
    await store.save(tracker)

    first = await store.retrieve("patient-k")
    assert first is tracker
    fresh = await EncryptedSQLTrackerStore(domain=domain, host=url).retrieve("patient-k")
    assert as_read(first) == as_read(fresh)

    # A new session later in the same conversation: read back from it on.
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        first.update(event, domain)
    first.update(said("我又来了", "greet"), domain)
    await store.save(first)
    latest = await store.retrieve("patient-k")
    fresh = await EncryptedSQLTrackerStore(domain=domain, host=url).retrieve("patient-k")
    assert latest is first and as_read(latest) == as_read(fresh)
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["我又来了"]
    assert latest.get_slot("department") is None
    latest.update(said("挂号", "book_appointment"), domain)
    await store.save(latest)  # only the new event is stored
    assert [e["text"] for e in stored_events(url) if e["event"] == "user"] == ["我头疼", "我又来了", "挂号"]


def test_the_store_knows_the_actions_that_record_forget_requests():
    from actions.identity.gated import AfterIdentity
    from actions.identity.privacy import ForgetConversations

    assert {ForgetConversations().name(), AfterIdentity().name()} == FORGET_ACTIONS
