"""Proving who you are, in the hospital layer: phone digits or a one-time code, limits
on guessing per card, conversation and client (sliding windows, counted atomically),
limits on code requests, and nothing that tells which cards exist."""

import datetime as dt
import hashlib
import os
import stat

import pytest
from sqlalchemy import func, select

from security import keys
from hospital import models as m
from hospital.interface import NotFound
from hospital.security import log_ref, unseal
from hospital import create_hospital
from hospital.sql import drop_schema
from tests.unit.test_hospital_concurrency import PG_URL, run_together

UNKNOWN = "9999999"


def wrong(demo_patient):
    return "0000" if demo_patient.phone_last4 != "0000" else "1111"


def test_phone4_right_and_wrong(hospital, demo_patient):
    ok = hospital.verify(demo_patient.card_no, "phone4", demo_patient.phone_last4)
    assert ok.ok and ok.reason == "ok"
    bad = hospital.verify(demo_patient.card_no, "phone4", wrong(demo_patient))
    assert not bad.ok and bad.reason == "wrong" and bad.attempts_left == 4
    assert hospital.verify(demo_patient.card_no, "phone4", f" {demo_patient.phone_last4} ").ok


def test_an_unknown_card_is_answered_like_a_known_one(hospital, demo_patient):
    known = [hospital.verify(demo_patient.card_no, "phone4", wrong(demo_patient)) for _ in range(5)]
    unknown = [hospital.verify(UNKNOWN, "phone4", "1234") for _ in range(5)]
    assert [(r.reason, r.attempts_left, r.locked_until) for r in known] == [
        (r.reason, r.attempts_left, r.locked_until) for r in unknown
    ]
    assert unknown[-1].reason == "locked"
    sent = hospital.send_otp("9999998")
    assert sent.sent and sent.reason == "sent"
    assert hospital.send_otp("9999998").reason == "wait"  # limited the same way too
    with pytest.raises(NotFound):
        hospital.sms_outbox("9999998")


def test_unknown_method(hospital, demo_patient):
    with pytest.raises(ValueError):
        hospital.verify(demo_patient.card_no, "password", "x")


def test_five_failures_lock_for_15_minutes_then_are_forgiven(hospital, demo_patient):
    card, right = demo_patient.card_no, demo_patient.phone_last4
    results = [hospital.verify(card, "phone4", wrong(demo_patient)) for _ in range(5)]
    assert [r.attempts_left for r in results[:4]] == [4, 3, 2, 1]
    assert results[4].reason == "locked"
    locked_until = results[4].locked_until
    assert locked_until == hospital.clock() + dt.timedelta(minutes=15)
    still = hospital.verify(card, "phone4", right)  # right secret, still locked
    assert not still.ok and still.reason == "locked" and still.locked_until == locked_until
    request = hospital.send_otp(card)
    assert (request.sent, request.reason, request.until) == (False, "locked", locked_until)
    hospital.clock.advance(minutes=14, seconds=59)
    assert hospital.verify(card, "phone4", right).reason == "locked"
    hospital.clock.advance(seconds=1)
    assert hospital.verify(card, "phone4", right).ok
    # the lock is per card
    assert hospital.verify("1000002", "phone4", "6721").ok


def test_the_window_slides(hospital, demo_patient):
    card = demo_patient.card_no
    for _ in range(4):
        hospital.verify(card, "phone4", wrong(demo_patient))
    hospital.clock.advance(minutes=10)
    # 4 failures 10 minutes ago and this one: locked until the oldest leaves the window
    result = hospital.verify(card, "phone4", wrong(demo_patient))
    assert result.reason == "locked" and result.locked_until == hospital.clock() + dt.timedelta(minutes=5)
    hospital.clock.advance(minutes=5)
    # the four old ones are forgiven, the newest still counts
    assert hospital.verify(card, "phone4", wrong(demo_patient)).attempts_left == 3


def test_a_card_gets_ten_failures_a_day(hospital, demo_patient):
    card = demo_patient.card_no
    for _ in range(2):
        for _ in range(4):
            assert hospital.verify(card, "phone4", wrong(demo_patient)).reason == "wrong"
        hospital.clock.advance(minutes=16)
    results = [hospital.verify(card, "phone4", wrong(demo_patient)) for _ in range(2)]
    assert results[0].attempts_left == 1 and results[1].reason == "locked"
    assert results[1].locked_until == dt.datetime.combine(hospital.clock().date(), dt.time(9, 0)) + dt.timedelta(days=1)


def test_one_conversation_cannot_try_many_cards(hospital):
    for card in ("1000010", "1000011", "1000012", "1000013"):
        assert hospital.verify(card, "phone4", "0000", conversation_id="c1").reason == "wrong"
    assert hospital.verify("1000014", "phone4", "0000", conversation_id="c1").reason == "locked"
    # the next card, even with its right digits, is refused in that conversation
    assert hospital.verify("1000002", "phone4", "6721", conversation_id="c1").reason == "locked"
    assert hospital.verify("1000002", "phone4", "6721", conversation_id="c2").ok


def test_one_client_cannot_try_many_cards_from_many_conversations(hospital):
    for i in range(20):
        result = hospital.verify(str(1000010 + i), "phone4", "0000", conversation_id=f"c{i}", client="10.0.0.9")
    assert result.reason == "locked"
    assert hospital.verify("1000002", "phone4", "6721", conversation_id="new", client="10.0.0.9").reason == "locked"
    assert hospital.verify("1000002", "phone4", "6721", conversation_id="new", client="10.0.0.7").ok


def test_counted_attempts_are_forgotten_when_no_window_needs_them(hospital, demo_patient):
    def events():
        with hospital.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(m.LimitEvent)).scalar_one()

    for _ in range(3):
        hospital.verify(demo_patient.card_no, "phone4", wrong(demo_patient), conversation_id="c")
    assert events() == 6  # card and conversation
    hospital.clock.advance(hours=24)
    assert hospital.verify(demo_patient.card_no, "phone4", wrong(demo_patient), conversation_id="c").attempts_left == 4
    assert events() == 2


def test_success_resets_the_card_counter(hospital, demo_patient):
    card = demo_patient.card_no
    for _ in range(4):
        hospital.verify(card, "phone4", wrong(demo_patient))
    assert hospital.verify(card, "phone4", demo_patient.phone_last4).ok
    assert hospital.verify(card, "phone4", wrong(demo_patient)).attempts_left == 4


def test_failures_are_counted_atomically_under_concurrency(tmp_path, today):
    url = PG_URL or f"sqlite:///{tmp_path / 'guess.db'}"
    hospital = create_hospital(url, today=today)
    try:
        results = run_together(20, lambda i: hospital.verify("1000001", "phone4", f"{i:04d}"))
        assert not any(isinstance(r, Exception) for r in results), results
        # exactly five were checked: four told "wrong", the fifth locked the card
        assert sorted(r.reason for r in results) == ["locked"] * 16 + ["wrong"] * 4
        with hospital.engine.connect() as conn:
            failures = conn.execute(
                select(func.count()).select_from(m.LimitEvent).where(m.LimitEvent.kind == "fail")
            ).scalar_one()
        assert failures == 5  # no lost and no extra increments
    finally:
        hospital.dispose()
        if PG_URL:
            drop_schema(PG_URL)


def test_code_is_sent_hashed_single_use(hospital, demo_patient):
    card = demo_patient.card_no
    request = hospital.send_otp(card)
    assert (request.sent, request.reason) == (True, "sent")
    [sms] = hospital.sms_outbox(card)
    code = sms["code"]
    assert len(code) == 6 and code.isdigit() and code in sms["body"]
    assert demo_patient.phone_last4 not in sms["phone"]  # the masked phone hides the secret digits
    with hospital.engine.connect() as conn:
        stored = conn.execute(select(m.OtpCode.code_hash)).scalar_one()
    patient_id = 1
    assert stored != hashlib.sha256(f"otp:{patient_id}:{code}".encode()).hexdigest()
    assert code not in stored
    assert hospital.verify(card, "otp", code).ok
    assert hospital.verify(card, "otp", code).reason == "wrong"


def test_code_expires_after_5_minutes(hospital, demo_patient):
    card = demo_patient.card_no
    hospital.send_otp(card)
    code = hospital.sms_outbox(card)[-1]["code"]
    hospital.clock.advance(minutes=5)
    assert hospital.verify(card, "otp", code).reason == "wrong"


def test_a_code_survives_three_wrong_tries_only(hospital, demo_patient):
    card = demo_patient.card_no
    hospital.send_otp(card)
    code = hospital.sms_outbox(card)[-1]["code"]
    bad = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert hospital.verify(card, "otp", bad).reason == "wrong"
    assert hospital.verify(card, "otp", code).reason == "wrong"  # revoked


def test_code_requests_are_rate_limited(hospital, demo_patient):
    card = demo_patient.card_no
    assert hospital.send_otp(card).sent
    again = hospital.send_otp(card)
    assert (again.sent, again.reason, again.until) == (False, "wait", hospital.clock() + dt.timedelta(seconds=60))
    for _ in range(4):
        hospital.clock.advance(seconds=61)
        assert hospital.send_otp(card).sent
    hospital.clock.advance(seconds=61)
    sixth = hospital.send_otp(card)
    assert sixth.reason == "wait" and sixth.until == dt.datetime.combine(hospital.clock().date(), dt.time(10, 0))
    assert len(hospital.sms_outbox(card)) == 5


def test_a_new_code_replaces_the_old(hospital, demo_patient):
    card = demo_patient.card_no
    hospital.send_otp(card)
    hospital.clock.advance(minutes=1)
    hospital.send_otp(card)
    first, second = [s["code"] for s in hospital.sms_outbox(card)]
    if first != second:
        assert hospital.verify(card, "otp", first).reason == "wrong"
    assert hospital.verify(card, "otp", second).ok


def test_after_a_code_was_sent_in_a_conversation_only_the_code_counts_there(hospital, demo_patient):
    card = demo_patient.card_no
    hospital.send_otp(card, conversation_id="c1")
    refused = hospital.verify(card, "phone4", demo_patient.phone_last4, conversation_id="c1")
    assert (refused.ok, refused.reason) == (False, "code_required")
    # unknown cards answer the same
    hospital.send_otp(UNKNOWN, conversation_id="c1")
    assert hospital.verify(UNKNOWN, "phone4", "1234", conversation_id="c1").reason == "code_required"
    code = hospital.sms_outbox(card)[-1]["code"]
    assert hospital.verify(card, "otp", code, conversation_id="c1").ok
    # another conversation was never sent a code
    assert hospital.verify(card, "phone4", demo_patient.phone_last4, conversation_id="c2").ok


def test_wrong_codes_count_towards_the_lock(hospital, demo_patient):
    card = demo_patient.card_no
    for _ in range(4):
        assert hospital.verify(card, "otp", "123456").reason == "wrong"
    hospital.send_otp(card)
    code = hospital.sms_outbox(card)[-1]["code"]
    assert hospital.verify(card, "otp", "000000" if code != "000000" else "111111").reason == "locked"
    hospital.clock.advance(minutes=15)
    assert hospital.verify(card, "otp", code).reason == "wrong"  # codes revoked by the lock


def test_verification_is_audited_with_the_conversation(hospital, demo_patient):
    card = demo_patient.card_no
    hospital.verify(card, "phone4", demo_patient.phone_last4, conversation_id="web-42")
    hospital.lab_orders(card, conversation_id="web-42")
    entries = hospital.audit_entries(card)
    assert [(e["action"], e["conversation_id"]) for e in entries[-2:]] == [
        ("verify_identity", "web-42"),
        ("read_lab_orders", "web-42"),
    ]


def test_patient_record(hospital, demo_patient, today):
    p = hospital.patient(demo_patient.card_no)
    assert (p.name, p.sex, int(p.age_on(today))) == (demo_patient.name, demo_patient.sex, demo_patient.age)
    with pytest.raises(NotFound):
        hospital.patient(UNKNOWN)


def test_log_pseudonyms_need_the_key(monkeypatch, demo_patient):
    card = demo_patient.card_no
    unsalted = {hashlib.sha256(f"log:{c}".encode()).hexdigest()[:8] for c in range(1000001, 1000100)}
    first = log_ref(card)
    assert first[2:] not in unsalted and card not in first
    monkeypatch.setenv(keys.KEY_ENV, "another-deployment")
    keys.reset_cache()
    try:
        assert log_ref(card) != first
    finally:
        monkeypatch.undo()
        keys.reset_cache()


def test_the_database_file_is_the_owners_only(tmp_path, today, monkeypatch):
    from hospital import config

    monkeypatch.setattr(config, "DEFAULT_DB_PATH", tmp_path / "data" / "hospital.db")
    monkeypatch.delenv(config.ENV_DB_URL, raising=False)
    old = os.umask(0o022)
    try:
        hospital = create_hospital(config.database_url(), today=today)
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "data" / "hospital.db").stat().st_mode) == 0o600
        with hospital.engine.connect() as conn:
            phones = [unseal(p) for p in conn.execute(select(m.PatientRow.phone_enc)).scalars()]
        assert len(phones) >= 60
    finally:
        hospital.dispose()
