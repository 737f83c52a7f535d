"""Proving who you are (actions/identity.py): card number, then the last four digits of
the registered phone or a one-time SMS code, run through the real verify_form
validation against a freshly seeded hospital (clock: 2026-11-24 09:00).

While verify_form still needs both identity slots its required slots equal the
domain's, so the validation sets no requested_slot and Rasa asks the next one."""
import pytest

from actions.identity import AfterIdentity, ValidateVerifyForm
from actions.hospital.seed import DEMO_PATIENTS
from tests.unit.action_harness import Harness, button_payloads, domain, responses, slot_events, texts, tracker, user

PATIENT = next(p for p in DEMO_PATIENTS if p.card_no == "1000005")  # 赵丽华, no appointments
CARD = PATIENT.card_no
MASKED = f"{PATIENT.phone[:3]}****{PATIENT.phone[-4:]}"


def SLOT(name, value):
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


@pytest.fixture
def h(monkeypatch, hospital, today):
    return Harness(monkeypatch, hospital, today)


def wrong_last4():
    return "0000" if PATIENT.phone_last4 != "0000" else "1111"


async def answer(h, text, intent="provide_identity", requested="identity_secret", **slots):
    slots.setdefault("card_no", CARD if requested == "identity_secret" else None)
    t = tracker(text, intent, slots=slots, requested=requested, active_loop="verify_form")
    return await h.run(ValidateVerifyForm(), t)


async def test_required_slots_until_verified(h):
    form = ValidateVerifyForm()
    unverified = tracker("", "list_appointments", active_loop="verify_form")
    verified = tracker("", "list_appointments", slots={"verified_card": CARD}, active_loop="verify_form")
    assert await form.required_slots([], None, unverified, domain()) == ["card_no", "identity_secret"]
    assert await form.required_slots([], None, verified, domain()) == []


@pytest.mark.parametrize("said", ["123", "我的卡号是12345678", "不知道"])
async def test_card_number_must_have_seven_digits(h, said):
    dispatcher, events = await answer(h, said, requested="card_no")
    assert events == [SLOT("card_no", None)]
    assert texts(dispatcher) == ["就诊卡号是 7 位数字，印在就诊卡正面，请再输入一次。"]


async def test_unknown_card(h):
    dispatcher, events = await answer(h, "9999999", requested="card_no")
    assert events == [SLOT("card_no", None)]
    assert texts(dispatcher) == [
        "没有找到这个就诊卡号，请核对后重新输入。没有就诊卡的话，可以带身份证到门诊楼1楼窗口办理。"
    ]


async def test_known_card_then_the_secret_is_asked(h):
    dispatcher, events = await answer(h, f"我的就诊卡是{CARD}", requested="card_no")
    assert events == [SLOT("card_no", CARD)]
    assert dispatcher.messages == []


async def test_phone_digits_verify_and_are_never_stored(h, hospital):
    dispatcher, events = await answer(h, f"手机后四位{PATIENT.phone_last4}")
    assert events == [
        SLOT("identity_secret", "verified"), SLOT("verified_card", CARD), SLOT("requested_slot", None)
    ]
    assert texts(dispatcher) == [f"身份核实成功，{PATIENT.name[0]}{'*' * (len(PATIENT.name) - 1)}您好。"]
    assert PATIENT.phone_last4 not in str(events)


async def test_wrong_phone_digits_say_how_many_tries_are_left(h):
    dispatcher, events = await answer(h, wrong_last4())
    assert events == [SLOT("identity_secret", None)]
    assert texts(dispatcher) == ["核实没有通过，请再确认一下。还可以再试 4 次。"]
    dispatcher, _ = await answer(h, f"后四位是{wrong_last4()}")
    assert texts(dispatcher) == ["核实没有通过，请再确认一下。还可以再试 3 次。"]


async def test_something_else_than_digits_while_the_secret_is_asked(h):
    dispatcher, events = await answer(h, "我忘了", "deny")
    assert events == [SLOT("identity_secret", None)]
    assert texts(dispatcher) == ["请输入登记手机号的后 4 位数字，或者 6 位短信验证码；说“发验证码”我来发送。"]


async def test_five_failures_lock_the_card(h, hospital):
    for left in (4, 3, 2, 1):
        dispatcher, _ = await answer(h, wrong_last4())
        assert texts(dispatcher) == [f"核实没有通过，请再确认一下。还可以再试 {left} 次。"]
    dispatcher, events = await answer(h, wrong_last4())
    assert events == [
        SLOT("identity_secret", None), SLOT("card_no", None),
        SLOT("requested_slot", None), {"event": "active_loop", "timestamp": None, "name": None},
    ]
    assert texts(dispatcher) == [
        "为了保护您的信息安全，这张卡的身份核实已暂停到 09:15。"
        "请稍后再试，或带身份证到门诊楼1楼窗口办理，也可拨打 0000-88881200（每天 8:00-20:00）。"
    ]
    # Even the right digits are refused while locked.
    dispatcher, events = await answer(h, PATIENT.phone_last4)
    assert "verified_card" not in slot_events(events)
    assert texts(dispatcher)[0].startswith("为了保护您的信息安全")
    hospital.clock.advance(minutes=16)
    _, events = await answer(h, PATIENT.phone_last4)
    assert slot_events(events)["verified_card"] == CARD


async def test_one_time_code_from_the_sms_outbox(h, hospital):
    dispatcher, events = await answer(h, "手机号换了，发验证码吧", "send_code")
    assert events == [SLOT("identity_secret", None)]
    assert texts(dispatcher) == [f"验证码已发送到 {MASKED}，5 分钟内有效，请输入收到的 6 位数字。"]
    [sms] = hospital.sms_outbox(CARD)
    code = sms["code"]
    assert code in sms["body"]

    dispatcher, events = await answer(h, f"验证码是{code}")
    assert events == [
        SLOT("identity_secret", "verified"), SLOT("verified_card", CARD), SLOT("requested_slot", None)
    ]
    assert code not in str(events)
    # A code works once.
    dispatcher, events = await answer(h, code)
    assert "verified_card" not in slot_events(events)


async def test_a_wrong_code_counts_as_a_failure(h, hospital):
    await answer(h, "发验证码", "send_code")
    code = hospital.sms_outbox(CARD)[-1]["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    dispatcher, _ = await answer(h, wrong)
    assert texts(dispatcher) == ["核实没有通过，请再确认一下。还可以再试 4 次。"]


async def test_naming_another_card_needs_that_card_verified(h):
    t = tracker("帮我查1000001的预约", "list_appointments", slots={"verified_card": CARD},
                active_loop="verify_form")
    _, events = await h.run(ValidateVerifyForm(), t)
    # The other card's verification is forgotten; verify_form's required slots are the
    # domain's again, so Rasa asks for the card.
    assert slot_events(events) == {"verified_card": None, "card_no": None, "identity_secret": None}


async def test_after_identity_runs_the_task_that_was_asked_for(h, hospital):
    card = "1000001"
    [appointment] = hospital.appointments(card)
    t = tracker("1234", "provide_identity", slots={"verified_card": card}, active_loop=None,
                history=[user("我约了哪些号", "list_appointments"), user("1000001", "provide_identity")])
    dispatcher, events = await h.run(AfterIdentity(), t)
    assert events == []
    assert texts(dispatcher) == [
        f"您有 1 个待就诊的预约：\n\n预约号 {appointment.number}：心血管内科 胡庆（副主任医师）\n"
        f"11月26日（周四，后天） 下午 · 专家号 50 元\n地点：门诊楼2楼B区\n就诊序号：{appointment.queue_no}\n"
        "预问诊（已随预约交给医生）：体检发现血脂偏高，活动后偶有胸闷，1个月"
    ]
    assert button_payloads(dispatcher) == ["我要改约", "取消预约"]


async def test_after_identity_with_nothing_booked(h):
    t = tracker("5678", "provide_identity", slots={"verified_card": CARD}, active_loop=None,
                history=[user("查一下我的预约", "list_appointments")])
    dispatcher, _ = await h.run(AfterIdentity(), t)
    assert texts(dispatcher) == ["您目前没有待就诊的预约。需要挂号的话，说“挂号”就可以。"]
    assert button_payloads(dispatcher) == ["我要挂号"]


async def test_after_identity_without_a_gated_task(h):
    t = tracker("5678", "provide_identity", slots={"verified_card": CARD}, active_loop=None)
    dispatcher, _ = await h.run(AfterIdentity(), t)
    assert responses(dispatcher) == ["utter_anything_else"]


async def test_after_identity_does_nothing_unverified(h):
    t = tracker("5678", "provide_identity", active_loop=None, history=[user("我的预约", "list_appointments")])
    dispatcher, events = await h.run(AfterIdentity(), t)
    assert (dispatcher.messages, events) == ([], [])
