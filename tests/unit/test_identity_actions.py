"""Proving who you are (actions/identity/): card number, then the last four digits of
the registered phone or a one-time SMS code, run through the real verify_form
validation against a freshly seeded hospital (clock: 2026-11-24 09:00).

While verify_form still needs both identity slots its required slots equal the
domain's, so the validation sets no requested_slot and Rasa asks the next one."""

import pytest
import yaml
from rasa_sdk import Tracker

from actions.identity import verification
from actions.common import FORM_INTERRUPTIONS
from actions.identity.asks import AskCardNo, AskIdentitySecret
from actions.identity.form import ValidateVerifyForm
from actions.identity.gated import AfterIdentity
from actions.identity.logout import Logout
from actions.identity.verification import identity_slots, stamp, verified_card
from actions.reports.listing import ShowReports
from hospital.demo.scenario import demo_patients
from tests.unit.action_harness import (
    PROJECT_ROOT,
    Harness,
    button_payloads,
    domain,
    parse_data,
    responses,
    slot_events,
    texts,
    tracker,
    user,
)

PATIENT = next(p for p in demo_patients() if p.card_no == "1000005")  # 赵丽华, no appointments
CARD = PATIENT.card_no
UNKNOWN = "9999999"


def SLOT(name, value):
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


def said(dispatcher):
    """Every message as the patient reads it: response name with its variables, or text."""
    return [
        (
            m["response"],
            {
                k: v
                for k, v in m.items()
                if k not in ("text", "buttons", "elements", "custom", "template", "response", "image", "attachment")
            },
        )
        if m.get("response")
        else m.get("text")
        for m in dispatcher.messages
    ]


@pytest.fixture
def h(hospital, today):
    return Harness(hospital, today)


@pytest.fixture
def clock(monkeypatch):
    """The action server's clock (epoch seconds), moved by hand."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(verification, "clock", lambda: now[0])

    class Clock:
        def advance(self, seconds):
            now[0] += seconds

        def __call__(self):
            return now[0]

    return Clock()


def wrong_last4():
    return "0000" if PATIENT.phone_last4 != "0000" else "1111"


async def answer(h, text, intent="provide_identity", requested="identity_secret", card=CARD, **slots):
    slots.setdefault("card_no", card if requested == "identity_secret" else None)
    t = tracker(text, intent, slots=slots, requested=requested, active_loop="verify_form")
    return await h.run(h.build(ValidateVerifyForm), t)


def conversation(text, intent, sender, client=None, **slots):
    """A turn of verify_form in conversation `sender`, from `client`: the channel's
    metadata, which Rasa 3.6 sends on the user event."""
    latest = parse_data(text, intent)
    event = {"event": "user", "text": text, "parse_data": latest, "metadata": {"client_ip": client} if client else {}}
    all_slots = {name: None for name in domain()["slots"]}
    all_slots.update(requested_slot="identity_secret", **slots)
    return Tracker(sender, all_slots, latest, [event], False, None, {"name": "verify_form"}, "action_listen")


async def test_required_slots_until_verified(h):
    form = h.build(ValidateVerifyForm)
    unverified = tracker("", "list_appointments", active_loop="verify_form")
    verified = tracker("", "list_appointments", slots={"verified_card": CARD}, active_loop="verify_form")
    assert await form.required_slots([], None, unverified, domain()) == ["card_no", "identity_secret"]
    assert await form.required_slots([], None, verified, domain()) == []


@pytest.mark.parametrize("text", ["123", "我的卡号是12345678", "不知道"])
async def test_card_number_must_have_seven_digits(h, text):
    dispatcher, events = await answer(h, text, requested="card_no")
    assert events == [SLOT("card_no", None)]
    assert responses(dispatcher) == ["utter_card_no_invalid"]


async def test_after_a_wrong_answer_the_question_is_not_asked_twice():
    """ "就诊卡号是 7 位数字…请再输入一次", then "为了保护您的隐私…请输入您的就诊卡号" said it twice."""
    from rasa_sdk.executor import CollectingDispatcher

    def with_events(*events):
        return Tracker("t", {}, {"text": "123"}, [{"event": "user", "text": "123"}, *events], False, None, None, "")

    for ask, slot in ((AskCardNo(), "card_no"), (AskIdentitySecret(), "identity_secret")):
        invalid = {"event": "bot", "text": "…", "metadata": {"utter_action": f"utter_{slot}_invalid"}}
        first, again = CollectingDispatcher(), CollectingDispatcher()
        await ask.run(first, with_events(), {})
        await ask.run(again, with_events(invalid), {})
        assert [m["response"] for m in first.messages] == [f"utter_ask_{slot}"] and again.messages == []


@pytest.mark.parametrize("card", [CARD, UNKNOWN])
async def test_every_card_gets_the_same_next_step(h, card):
    # Issue 11 #5: "没有找到这个就诊卡号" told an attacker which cards exist.
    dispatcher, events = await answer(h, f"我的就诊卡是{card}", requested="card_no")
    assert events == [SLOT("card_no", card)]
    assert dispatcher.messages == []


async def test_an_unknown_card_fails_like_a_wrong_secret(h):
    async def tries(secret, card, sender):
        form = h.build(ValidateVerifyForm)
        return [
            said((await h.run(form, conversation(secret, "provide_identity", sender, card_no=card)))[0])
            for _ in range(5)
        ]

    known = await tries(wrong_last4(), CARD, "one")
    unknown = await tries("1234", UNKNOWN, "two")
    assert known == unknown
    assert known[0] == [("utter_identity_failed", {"left": 4})]
    assert known[-1] == [("utter_identity_locked", {"until": "09:15"})]


async def test_phone_digits_verify_and_are_never_stored(h, hospital):
    dispatcher, events = await answer(h, f"手机后四位{PATIENT.phone_last4}")
    slots = slot_events(events)
    assert slots["identity_secret"] == "verified" and slots["verified_card"] == CARD
    assert slots["verified_at"] == stamp("qa-user", CARD)
    assert said(dispatcher) == [("utter_identity_verified", {"name": "赵**"})]
    assert PATIENT.phone_last4 not in str(events)


async def test_verification_is_audited_with_the_conversation(h, hospital):
    await answer(h, PATIENT.phone_last4)
    entry = hospital.audit_entries(CARD)[-2]
    assert (entry["action"], entry["outcome"], entry["conversation_id"]) == ("verify_identity", "ok", "qa-user")


async def test_wrong_phone_digits_say_how_many_tries_are_left(h):
    dispatcher, events = await answer(h, wrong_last4())
    assert events == [SLOT("identity_secret", None)]
    assert said(dispatcher) == [("utter_identity_failed", {"left": 4})]
    dispatcher, _ = await answer(h, f"后四位是{wrong_last4()}")
    assert said(dispatcher) == [("utter_identity_failed", {"left": 3})]


async def test_something_else_than_digits_while_the_secret_is_asked(h):
    dispatcher, events = await answer(h, "我忘了", "deny")
    assert events == [SLOT("identity_secret", None)]
    assert responses(dispatcher) == ["utter_identity_secret_invalid"]


async def test_five_failures_lock_the_card_for_a_while(h, hospital):
    for left in (4, 3, 2, 1):
        dispatcher, _ = await answer(h, wrong_last4())
        assert said(dispatcher) == [("utter_identity_failed", {"left": left})]
    dispatcher, events = await answer(h, wrong_last4())
    assert events == [
        SLOT("identity_secret", None),
        SLOT("card_no", None),
        SLOT("requested_slot", None),
        {"event": "active_loop", "timestamp": None, "name": None},
    ]
    assert said(dispatcher) == [("utter_identity_locked", {"until": "09:15"})]
    # Even the right digits are refused while locked.
    dispatcher, events = await answer(h, PATIENT.phone_last4)
    assert "verified_card" not in slot_events(events)
    assert responses(dispatcher) == ["utter_identity_locked"]
    hospital.clock.advance(minutes=16)
    _, events = await answer(h, PATIENT.phone_last4)
    assert slot_events(events)["verified_card"] == CARD


async def test_after_a_code_was_sent_the_phone_digits_on_screen_are_not_enough(h, hospital):
    """Issue 11 #1: 发验证码 showed "137****7832" and 7832 was accepted as the secret."""
    dispatcher, events = await answer(h, "手机号换了，发验证码吧", "send_code")
    assert events == [SLOT("identity_secret", None), SLOT("code_sent", True)]
    assert responses(dispatcher) == ["utter_code_sent"]
    shown = str(dispatcher.messages) + str(domain()["responses"]["utter_code_sent"])
    assert PATIENT.phone_last4 not in shown and PATIENT.phone[:3] not in shown
    [sms] = hospital.sms_outbox(CARD)

    dispatcher, events = await answer(h, PATIENT.phone_last4)
    assert "verified_card" not in slot_events(events)
    assert responses(dispatcher) == ["utter_code_required"]

    dispatcher, events = await answer(h, f"验证码是{sms['code']}")
    assert slot_events(events)["verified_card"] == CARD
    assert sms["code"] not in str(events)
    # A code works once.
    dispatcher, events = await answer(h, sms["code"])
    assert "verified_card" not in slot_events(events)


def test_once_a_code_was_sent_the_question_asks_for_the_code_not_the_phone_digits():
    """Found talking to it: after 发验证码 the form asked again for the phone's last 4."""
    variations = domain()["responses"]["utter_ask_identity_secret"]
    after_code = [v for v in variations if v.get("condition") == [{"type": "slot", "name": "code_sent", "value": True}]]
    assert after_code and "后4位" not in after_code[0]["text"] and "验证码" in after_code[0]["text"]
    assert any("后4位" in v["text"] for v in variations if not v.get("condition"))


async def test_a_code_for_an_unknown_card_is_answered_the_same(h, hospital):
    known, _ = await answer(h, "发验证码", "send_code")
    unknown, _ = await answer(h, "发验证码", "send_code", card=UNKNOWN)
    assert said(known) == said(unknown) == [("utter_code_sent", {})]
    assert len(hospital.sms_outbox(CARD)) == 1


async def test_codes_cannot_be_requested_again_and_again(h, hospital):
    await answer(h, "发验证码", "send_code")
    dispatcher, events = await answer(h, "没收到，再发一次验证码", "send_code")
    assert events == [SLOT("identity_secret", None), SLOT("code_sent", True)]
    assert said(dispatcher) == [("utter_code_wait", {"until": "09:01"})]
    assert len(hospital.sms_outbox(CARD)) == 1


async def test_a_wrong_code_counts_as_a_failure(h, hospital):
    await answer(h, "发验证码", "send_code")
    code = hospital.sms_outbox(CARD)[-1]["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    dispatcher, _ = await answer(h, wrong)
    assert said(dispatcher) == [("utter_identity_failed", {"left": 4})]


async def test_one_conversation_cannot_walk_through_the_cards(h):
    form = h.build(ValidateVerifyForm)
    for card in ("1000010", "1000011", "1000012", "1000013", "1000014"):
        dispatcher, _ = await h.run(form, conversation("0000", "provide_identity", "walker", card_no=card))
    assert responses(dispatcher) == ["utter_identity_locked"]
    dispatcher, events = await h.run(form, conversation("6721", "provide_identity", "walker", card_no="1000002"))
    assert "verified_card" not in slot_events(events)
    _, events = await h.run(form, conversation("6721", "provide_identity", "someone-else", card_no="1000002"))
    assert slot_events(events)["verified_card"] == "1000002"


async def test_one_client_cannot_walk_through_the_cards_in_new_conversations(h):
    form = h.build(ValidateVerifyForm)
    for i in range(20):
        await h.run(
            form, conversation("0000", "provide_identity", f"c{i}", client="203.0.113.9", card_no=str(1000010 + i))
        )
    dispatcher, events = await h.run(
        form, conversation("6721", "provide_identity", "fresh", client="203.0.113.9", card_no="1000002")
    )
    assert responses(dispatcher) == ["utter_identity_locked"]
    _, events = await h.run(
        form, conversation("6721", "provide_identity", "fresh", client="198.51.100.1", card_no="1000002")
    )
    assert slot_events(events)["verified_card"] == "1000002"


def test_the_client_address_is_read_from_the_message_metadata():
    from actions.identity.patient import client_of

    assert client_of(conversation("0000", "provide_identity", "s", client="203.0.113.9")) == "203.0.113.9"
    on_parse_data = conversation("0000", "provide_identity", "s")
    on_parse_data.latest_message["metadata"] = {"client_ip": "198.51.100.1"}
    assert client_of(on_parse_data) == "198.51.100.1"
    assert client_of(conversation("0000", "provide_identity", "s")) is None


async def test_naming_another_card_needs_that_card_verified(h):
    t = tracker("帮我查1000001的预约", "list_appointments", slots={"verified_card": CARD}, active_loop="verify_form")
    _, events = await h.run(h.build(ValidateVerifyForm), t)
    # The other card's verification is forgotten; verify_form's required slots are the
    # domain's again, so Rasa asks for the card.
    assert slot_events(events) == {
        "verified_card": None,
        "verified_at": None,
        "card_no": None,
        "identity_secret": None,
        "code_sent": None,
    }


# --- a verification ends --------------------------------------------------------------------------


async def test_ten_idle_minutes_end_the_verification(h, clock):
    slots = {
        "verified_card": CARD,
        "verified_at": stamp("qa-user", CARD),
        "card_no": CARD,
        "identity_secret": "verified",
    }
    clock.advance(9 * 60)
    assert verified_card(tracker("", "check_report", slots=slots)) == CARD
    clock.advance(61)
    stale = tracker("查报告", "check_report", slots=slots, active_loop="verify_form")
    assert verified_card(stale) is None and identity_slots(stale) == ["card_no", "identity_secret"]
    dispatcher, events = await h.run(h.build(ValidateVerifyForm), stale)
    assert responses(dispatcher) == ["utter_identity_expired"]
    assert {k: v for k, v in slot_events(events).items() if k != "requested_slot"} == {
        "verified_card": None,
        "verified_at": None,
        "card_no": None,
        "identity_secret": None,
        "code_sent": None,
    }
    shown, events = await h.run(
        h.build(AfterIdentity), tracker("查报告", "check_report", slots=slots, active_loop=None)
    )
    assert (shown.messages, events) == ([], [])


async def test_using_the_verification_keeps_it_alive(h, clock):
    slots = {"verified_card": CARD, "verified_at": stamp("qa-user", CARD)}
    clock.advance(8 * 60)
    _, events = await h.run(
        h.build(AfterIdentity), tracker("我的预约", "list_appointments", slots=slots, active_loop=None)
    )
    renewed = slot_events(events)["verified_at"]
    assert renewed == stamp("qa-user", CARD)
    clock.advance(8 * 60)  # 16 minutes after verifying, 8 after the last use
    assert verified_card(tracker("", "check_report", slots={**slots, "verified_at": renewed})) == CARD


@pytest.mark.parametrize(
    "verified_at",
    [
        None,  # a slot set by hand: "/check_report{\"verified_card\": \"1000003\"}" or a forged request
        "1800000000.0123456789abcdef0123456789abcdef",
        "stamp-of-another-conversation",
        "stamp-of-another-card",
    ],
)
async def test_a_verified_card_this_server_did_not_vouch_for_opens_nothing(h, hospital, clock, verified_at):
    if verified_at == "stamp-of-another-conversation":
        verified_at = stamp("someone-else", CARD)
    elif verified_at == "stamp-of-another-card":
        verified_at = stamp("qa-user", "1000001")
    slots = {"verified_card": CARD, "verified_at": verified_at}
    before = len(hospital.audit_entries())
    for action, intent in ((h.build(AfterIdentity), "check_report"), (h.build(ShowReports), "check_report")):
        dispatcher, events = await h.run(action, tracker("查报告", intent, slots=slots, active_loop=None))
        assert (dispatcher.messages, events) == ([], [])
    assert len(hospital.audit_entries()) == before


async def test_logout_forgets_the_person_and_ends_any_flow(h):
    t = tracker(
        "退出",
        "logout",
        slots={"verified_card": CARD, "card_no": CARD, "department": "心血管内科"},
        active_loop="booking_form",
    )
    dispatcher, events = await h.run(h.build(Logout), t)
    assert responses(dispatcher) == ["utter_logged_out"]
    assert events == [
        {"event": "active_loop", "timestamp": None, "name": None},
        {"event": "reset_slots", "timestamp": None},
    ]


async def test_forms_leave_logout_to_its_rule(h):
    assert "logout" in FORM_INTERRUPTIONS
    dispatcher, events = await answer(h, "换个人", "logout")
    assert (dispatcher.messages, events) == ([], [])


def test_logout_is_in_the_domain_and_has_a_rule_in_every_form():
    assert "logout" in domain()["intents"] and "action_logout" in domain()["actions"]
    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules" / "identity.yml").read_text(encoding="utf-8"))["rules"]
    covered = set()
    for rule in rules:
        assert rule["steps"][:2] == [{"intent": "logout"}, {"action": "action_logout"}]
        covered |= {c["active_loop"] for c in rule.get("condition", [])}
    assert covered == {name for name in domain()["forms"]}
    assert any("condition" not in rule for rule in rules)


# --- the task that needed identity ------------------------------------------------------------------


async def test_after_identity_runs_the_task_that_was_asked_for(h, hospital):
    card = "1000001"
    [appointment] = hospital.appointments(card)
    t = tracker(
        "1234",
        "provide_identity",
        slots={"verified_card": card},
        active_loop=None,
        history=[user("我约了哪些号", "list_appointments"), user("1000001", "provide_identity")],
    )
    dispatcher, events = await h.run(h.build(AfterIdentity), t)
    assert events == []
    assert texts(dispatcher) == [
        f"陈**，您有 1 个待就诊的预约：\n\n预约号 {appointment.number}：心血管内科 "
        f"{appointment.session.doctor_name}（{appointment.session.doctor_title}）\n"
        f"11月26日（周四，后天） 下午 · 专家号 50 元\n地点：门诊楼2楼B区\n就诊序号：{appointment.queue_no}\n"
        "预问诊（已随预约交给医生）：体检发现血脂偏高，活动后偶有胸闷，1个月"
    ]
    assert button_payloads(dispatcher) == ["我要改约", "取消预约"]
    assert [e["conversation_id"] for e in hospital.audit_entries(card)[-2:]] == ["qa-user", "qa-user"]


async def test_after_identity_with_nothing_booked(h):
    t = tracker(
        "5678",
        "provide_identity",
        slots={"verified_card": CARD},
        active_loop=None,
        history=[user("查一下我的预约", "list_appointments")],
    )
    dispatcher, _ = await h.run(h.build(AfterIdentity), t)
    assert texts(dispatcher) == ["赵**，您目前没有待就诊的预约。需要挂号的话，说“挂号”就可以。"]
    assert button_payloads(dispatcher) == ["我要挂号"]


async def test_after_identity_without_a_gated_task(h):
    t = tracker("5678", "provide_identity", slots={"verified_card": CARD}, active_loop=None)
    dispatcher, _ = await h.run(h.build(AfterIdentity), t)
    assert responses(dispatcher) == ["utter_anything_else"]


async def test_after_identity_does_nothing_unverified(h):
    t = tracker("5678", "provide_identity", active_loop=None, history=[user("我的预约", "list_appointments")])
    dispatcher, events = await h.run(h.build(AfterIdentity), t)
    assert (dispatcher.messages, events) == ([], [])
