import datetime as dt

import pytest

from actions.hospital.interface import HospitalError, NotFound


def test_phone4_right_and_wrong(hospital, demo_patient):
    ok = hospital.verify(demo_patient.card_no, "phone4", demo_patient.phone_last4)
    assert ok.ok and ok.reason == "ok"
    wrong = hospital.verify(demo_patient.card_no, "phone4", "0000")
    assert not wrong.ok and wrong.reason == "wrong" and wrong.attempts_left == 4
    assert hospital.verify(demo_patient.card_no, "phone4", f" {demo_patient.phone_last4} ").ok


def test_unknown_card(hospital):
    assert hospital.card_exists("1000001") and not hospital.card_exists("9999999")
    assert hospital.verify("9999999", "phone4", "1234").reason == "unknown_card"
    with pytest.raises(NotFound):
        hospital.send_otp("9999999")


def test_unknown_method(hospital, demo_patient):
    with pytest.raises(ValueError):
        hospital.verify(demo_patient.card_no, "password", "x")


def test_five_failures_lock_for_15_minutes(hospital, demo_patient):
    card, right = demo_patient.card_no, demo_patient.phone_last4
    results = [hospital.verify(card, "phone4", "0000") for _ in range(5)]
    assert [r.attempts_left for r in results[:4]] == [4, 3, 2, 1]
    assert results[4].reason == "locked"
    locked_until = results[4].locked_until
    assert locked_until == hospital.clock() + dt.timedelta(minutes=15)
    still = hospital.verify(card, "phone4", right)  # right secret, still locked
    assert not still.ok and still.reason == "locked" and still.locked_until == locked_until
    with pytest.raises(HospitalError) as info:
        hospital.send_otp(card)
    assert info.value.code == "locked"
    hospital.clock.advance(minutes=14, seconds=59)
    assert hospital.verify(card, "phone4", right).reason == "locked"
    hospital.clock.advance(seconds=1)
    assert hospital.verify(card, "phone4", right).ok
    # the lock is per card
    assert hospital.verify("1000002", "phone4", "6721").ok


def test_success_resets_the_counter(hospital, demo_patient):
    card = demo_patient.card_no
    for _ in range(4):
        hospital.verify(card, "phone4", "0000")
    assert hospital.verify(card, "phone4", demo_patient.phone_last4).ok
    assert hospital.verify(card, "phone4", "0000").attempts_left == 4


def test_otp_is_sent_and_single_use(hospital, demo_patient):
    card = demo_patient.card_no
    masked = hospital.send_otp(card)
    assert masked == f"138****{demo_patient.phone_last4}"
    sms = hospital.sms_outbox(card)
    assert len(sms) == 1 and sms[0]["phone"] == masked
    code = sms[0]["code"]
    assert len(code) == 6 and code.isdigit() and code in sms[0]["body"]
    assert hospital.verify(card, "otp", code).ok
    assert hospital.verify(card, "otp", code).reason == "no_code"


def test_otp_expires_after_5_minutes(hospital, demo_patient):
    card = demo_patient.card_no
    hospital.send_otp(card)
    code = hospital.sms_outbox(card)[-1]["code"]
    hospital.clock.advance(minutes=5)
    assert hospital.verify(card, "otp", code).reason == "no_code"


def test_otp_without_a_code_and_new_code_replaces_old(hospital, demo_patient):
    card = demo_patient.card_no
    assert hospital.verify(card, "otp", "123456").reason == "no_code"
    hospital.send_otp(card)
    hospital.clock.advance(minutes=1)
    hospital.send_otp(card)
    first, second = [m["code"] for m in hospital.sms_outbox(card)]
    if first != second:
        assert hospital.verify(card, "otp", first).reason == "wrong"
    assert hospital.verify(card, "otp", second).ok


def test_wrong_otps_count_towards_the_lock(hospital, demo_patient):
    card = demo_patient.card_no
    hospital.send_otp(card)
    code = hospital.sms_outbox(card)[-1]["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert hospital.verify(card, "otp", wrong).reason == "wrong"
    assert hospital.verify(card, "otp", wrong).reason == "locked"
    hospital.clock.advance(minutes=15)
    assert hospital.verify(card, "otp", code).reason == "no_code"  # codes revoked by the lock


def test_patient_record(hospital, demo_patient, today):
    p = hospital.patient(demo_patient.card_no)
    assert (p.name, p.sex, int(p.age_on(today))) == (demo_patient.name, demo_patient.sex, demo_patient.age)
    with pytest.raises(NotFound):
        hospital.patient("9999999")
