"""The reminder actions (actions/reminders/) with the real domain: setting a one-off
reminder from the patient's words, the polite answers when the time cannot be used,
and the delivered reminder with its buttons."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.reminders import setting
from language.dates import parse_moment
from actions.reminders.delivery import DeliverReminder
from actions.reminders.setting import SetReminder, reminder_note
from tests.unit.action_harness import Harness, responses, tracker

CHAT = "qa-user"  # the conversation id action_harness.tracker uses
CARD = "1000005"


@pytest.fixture
def harness(monkeypatch, hospital, today):
    h = Harness(hospital, today)
    monkeypatch.setattr(setting, "now", hospital.clock)  # 09:00 on the reference day
    return h


async def say(harness, text, slots=None):
    t = tracker(text, "set_reminder", slots=slots, active_loop=None)
    dispatcher, events = await harness.run(harness.build(SetReminder), t)
    assert events == []
    return dispatcher


@pytest.mark.parametrize(
    "text, hours_ahead, minute, note",
    [
        ("提醒我明天早上8点吃药", 23, 0, "吃药"),
        ("明早7点半提醒我空腹抽血", 22, 30, "空腹抽血"),
        ("20分钟后提醒我换药", 0, 20, "换药"),
    ],
)
async def test_a_reminder_is_set_from_the_patients_words(harness, hospital, text, hours_ahead, minute, note):
    dispatcher = await say(harness, text)
    assert responses(dispatcher) == ["utter_reminder_set"]
    [reminder] = hospital.reminders(CHAT)
    assert reminder.due_at == hospital.clock() + dt.timedelta(hours=hours_ahead, minutes=minute)
    assert reminder.note == note
    assert dispatcher.messages[0]["note"] == note


async def test_a_verified_patient_also_gets_the_sms(harness, hospital):
    dispatcher = await say(harness, "提醒我今天下午3点吃药", slots={"verified_card": CARD})
    assert responses(dispatcher) == ["utter_reminder_set_sms"]
    [reminder] = hospital.reminders(CHAT)
    hospital.clock.set(reminder.due_at)
    hospital.claim_due_reminders("w")
    assert any("吃药" in m["body"] for m in hospital.sms_outbox(CARD))


@pytest.mark.parametrize(
    "text, response",
    [
        ("提醒我2月30日去复诊", "utter_reminder_no_such_date"),
        ("提醒我今天早上7点吃药", "utter_reminder_past"),  # it is 9:00
        ("明天提醒我吃药", "utter_reminder_ask_time"),
        ("提醒我吃药", "utter_reminder_ask_time"),
        ("每天早上8点提醒我吃药", "utter_reminder_once_only"),
        ("2027年6月1日早上8点提醒我复查", "utter_reminder_too_far"),
    ],
)
async def test_a_time_that_cannot_be_used_gets_a_polite_answer_and_sets_nothing(harness, hospital, text, response):
    dispatcher = await say(harness, text)
    assert responses(dispatcher) == [response]
    assert hospital.reminders(CHAT) == []


async def test_the_impossible_date_is_named_back(harness):
    dispatcher = await say(harness, "提醒我2月30日去复诊")
    assert dispatcher.messages[0]["date"] == "2月30日"


def test_the_note_leaves_out_the_time_and_the_asking_words():
    assert reminder_note("请在明天早上8点提醒我一下吃药。", "明天早上8点") == "吃药"
    assert reminder_note("帮我设个提醒", "") == ""


def test_short_day_names_are_read_as_the_day():
    now = dt.datetime(2026, 12, 2, 20, 30)
    assert parse_moment("明早8点提醒我", now).when == dt.datetime(2026, 12, 3, 8, 0)
    assert parse_moment("明晚8点提醒我", now).when == dt.datetime(2026, 12, 3, 20, 0)


async def deliver(harness, reminder_id):
    t = tracker("", "EXTERNAL_reminder", entities=[("reminder_id", str(reminder_id))], active_loop=None)
    dispatcher, events = await harness.run(harness.build(DeliverReminder), t)
    assert events == []
    return dispatcher


async def test_an_appointment_reminder_offers_cancel_and_reschedule(harness, hospital):
    session = next(
        s for s in hospital.sessions(department="骨科", only_available=True) if (s.date - hospital.today).days >= 2
    )
    appt = hospital.book(CARD, session.id, conversation_id=CHAT)
    [reminder] = hospital.reminders(CHAT)
    dispatcher = await deliver(harness, reminder.id)
    assert responses(dispatcher) == ["utter_reminder_appointment"]
    assert dispatcher.messages[0]["number"] == appt.number
    assert dispatcher.messages[0]["department"] == session.department
    assert dispatcher.messages[0]["name"] == "赵**"  # whose appointment it is, masked
    # the buttons come from the domain response
    from tests.unit.action_harness import domain

    [variant] = domain()["responses"]["utter_reminder_appointment"]
    assert [b["title"] for b in variant["buttons"]] == ["取消预约", "改约"]


async def test_a_custom_reminder_is_delivered_with_its_note(harness, hospital):
    reminder = hospital.add_reminder(hospital.clock() + dt.timedelta(hours=1), "量血压", CHAT)
    dispatcher = await deliver(harness, reminder.id)
    assert responses(dispatcher) == ["utter_reminder_custom"]
    assert dispatcher.messages[0]["note"] == "量血压"


async def test_another_conversations_reminder_is_not_shown(harness, hospital):
    reminder = hospital.add_reminder(hospital.clock() + dt.timedelta(hours=1), "量血压", "another-chat")
    dispatcher = await deliver(harness, reminder.id)
    assert dispatcher.messages == []


async def test_logout_detaches_the_conversations_reminders(harness, hospital):
    from actions.identity.logout import Logout

    hospital.add_reminder(hospital.clock() + dt.timedelta(hours=1), "量血压", CHAT)
    await harness.run(harness.build(Logout), tracker("换个人", "logout", active_loop=None))
    assert hospital.reminders(CHAT) == []


def test_every_form_shows_a_due_reminder_and_then_goes_on():
    import yaml

    from tests.unit.action_harness import PROJECT_ROOT, domain

    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules" / "reminders.yml").read_text(encoding="utf-8"))["rules"]
    inside = {rule["condition"][0]["active_loop"]: rule["steps"] for rule in rules if rule.get("condition")}
    assert set(inside) == set(domain()["forms"])
    for form, steps in inside.items():
        assert steps == [
            {"intent": "EXTERNAL_reminder"},
            {"action": "action_deliver_reminder"},
            {"action": form},
            {"active_loop": form},
        ]


@pytest.mark.parametrize(
    "form, requested", [("booking_form", "date"), ("cancel_form", "appointment_no"), ("verify_form", "card_no")]
)
async def test_forms_leave_a_due_reminder_to_its_rule(harness, form, requested):
    from actions.booking.cancel import ValidateCancelForm
    from actions.booking.form import ValidateBookingForm
    from actions.identity.form import ValidateVerifyForm

    validation = {
        "booking_form": ValidateBookingForm,
        "cancel_form": ValidateCancelForm,
        "verify_form": ValidateVerifyForm,
    }[form]()
    t = tracker("", "EXTERNAL_reminder", entities=[("reminder_id", "1")], requested=requested, active_loop=form)
    dispatcher, events = await harness.run(validation, t)
    assert (dispatcher.messages, events) == ([], [])


def test_triage_leaves_a_due_reminder_to_its_rule():
    from actions.triage.form import triage_step

    t = tracker("", "EXTERNAL_reminder", entities=[("reminder_id", "1")], active_loop="triage_form")
    assert triage_step(t) == []
