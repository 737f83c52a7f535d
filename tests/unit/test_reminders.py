"""Reminders (hospital/sql.py, scripts/reminders.py): armed by booking, moved
by rescheduling, cancelled with the appointment, kept in the database so a new
dispatcher (a restart) delivers what is pending, and delivered once even with two
dispatchers at the same moment."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading

import pytest

from hospital.config import ManualClock
from hospital.interface import BookingRejected, NotFound
from hospital.facts import facts
from hospital import create_hospital
from hospital.sql import REMINDER_CLAIM_TIMEOUT
from scripts.reminders import EXTERNAL_INTENT, ReminderDispatcher
from tests.unit.test_hospital_booking import CARD

CHAT = "chat-reminders"


def reminder_sms(hospital, card=CARD):
    return [m for m in hospital.sms_outbox(card) if "温馨提醒" in m["body"]]


def due_time(session):
    return dt.datetime.combine(session.date - dt.timedelta(days=1), facts().reminder_time())


def later_session(hospital, min_days=2):
    """A session at least `min_days` ahead, so its day-before reminder is in the future."""
    return next(
        s
        for s in hospital.sessions(department="骨科", only_available=True)
        if (s.date - hospital.today).days >= min_days and s.remaining >= 2
    )


class FakeRasa:
    """Rasa's HTTP API as the dispatcher sees it: records each trigger_intent call."""

    def __init__(self):
        self.calls = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.calls.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rasa():
    fake = FakeRasa()
    yield fake
    fake.close()


@pytest.fixture
def db_file(tmp_path, _seeded_template, today):
    """A hospital database in a file, as two processes (or a restarted one) share it."""
    url = f"sqlite:///{tmp_path / 'hospital.db'}"
    create_hospital(url, today=today).dispose()
    return url


def open_file_hospital(url, clock):
    return create_hospital(url, seed=False, clock=clock)


# --- appointment reminders ---------------------------------------------------------------


def test_booking_arms_a_reminder_the_day_before_and_it_fires_once(hospital, rasa):
    session = later_session(hospital)
    appt = hospital.book(CARD, session.id, conversation_id=CHAT)
    [pending] = hospital.reminders(CHAT)
    assert pending.kind == "appointment" and pending.due_at == due_time(session)
    assert pending.appointment.number == appt.number

    dispatcher = ReminderDispatcher(hospital, rasa.url, "secret-token")
    assert dispatcher.dispatch_once() == []  # not due yet
    hospital.clock.set(due_time(session))
    assert dispatcher.dispatch_once() == [pending.id]
    assert dispatcher.dispatch_once() == []
    hospital.clock.advance(hours=1)
    assert dispatcher.dispatch_once() == []

    [sms] = reminder_sms(hospital)
    assert appt.number in sms["body"] and session.department in sms["body"]
    [(path, body)] = rasa.calls
    assert path.startswith(f"/conversations/{CHAT}/trigger_intent?output_channel=latest&token=secret-token")
    assert body == {"name": EXTERNAL_INTENT, "entities": {"reminder_id": str(pending.id)}}
    assert hospital.reminders(CHAT) == []


def test_the_reminder_time_is_configurable(hospital, monkeypatch):
    monkeypatch.setenv("XIAOAN_REMINDER_AT", "09:30")
    session = later_session(hospital)
    hospital.book(CARD, session.id, conversation_id=CHAT)
    [pending] = hospital.reminders(CHAT)
    assert pending.due_at == dt.datetime.combine(session.date - dt.timedelta(days=1), dt.time(9, 30))


def test_no_reminder_when_the_day_before_has_passed(hospital):
    hospital.clock.set(dt.datetime.combine(hospital.today, dt.time(20, 0)))
    tomorrow = next(
        s
        for s in hospital.sessions(department="骨科", only_available=True)
        if s.date == hospital.today + dt.timedelta(days=1)
    )
    hospital.book(CARD, tomorrow.id, conversation_id=CHAT)
    assert hospital.reminders(CHAT) == []


def test_cancelling_the_appointment_cancels_its_reminder(hospital, rasa):
    session = later_session(hospital)
    appt = hospital.book(CARD, session.id, conversation_id=CHAT)
    hospital.cancel(CARD, appt.number, conversation_id=CHAT)
    assert hospital.reminders(CHAT) == []
    hospital.clock.set(due_time(session))
    assert ReminderDispatcher(hospital, rasa.url, "t").dispatch_once() == []
    assert reminder_sms(hospital) == [] and rasa.calls == []


def test_rescheduling_moves_the_reminder(hospital, rasa):
    first = later_session(hospital)
    second = next(
        s for s in hospital.sessions(department="骨科", only_available=True) if s.date > first.date and s.remaining >= 1
    )
    appt = hospital.book(CARD, first.id, conversation_id=CHAT)
    moved = hospital.reschedule(CARD, appt.number, second.id, conversation_id=CHAT)
    [pending] = hospital.reminders(CHAT)
    assert pending.appointment.number == moved.number and pending.due_at == due_time(second)

    dispatcher = ReminderDispatcher(hospital, rasa.url, "t")
    hospital.clock.set(due_time(first))
    assert dispatcher.dispatch_once() == []  # the old day passes without a reminder
    hospital.clock.set(due_time(second))
    assert dispatcher.dispatch_once() == [pending.id]
    [sms] = reminder_sms(hospital)
    assert moved.number in sms["body"]


def test_an_appointment_ended_elsewhere_is_not_reminded(hospital, rasa):
    """The appointment's status changed without cancel() (a counter, staff): the
    dispatcher checks it when it claims."""
    from hospital import models as m

    session = later_session(hospital)
    appt = hospital.book(CARD, session.id, conversation_id=CHAT)
    with hospital._tx() as s:
        s.query(m.AppointmentRow).filter_by(number=appt.number).update({"status": "attended"})
    hospital.clock.set(due_time(session))
    assert ReminderDispatcher(hospital, rasa.url, "t").dispatch_once() == []
    assert rasa.calls == []


# --- surviving a restart, and once only ------------------------------------------------------


def test_a_pending_reminder_survives_a_restart_and_fires_once(db_file, today, rasa):
    clock = ManualClock(dt.datetime.combine(today, dt.time(9, 0)))
    before = open_file_hospital(db_file, clock)
    reminder = before.add_reminder(clock() + dt.timedelta(minutes=5), "吃药", CHAT, card_no=CARD)
    ReminderDispatcher(before, rasa.url, "t").dispatch_once()  # not due: nothing
    before.dispose()  # the process ends

    clock.advance(minutes=6)
    after = open_file_hospital(db_file, clock)  # a new process over the same database
    dispatcher = ReminderDispatcher(after, rasa.url, "t")
    assert dispatcher.dispatch_once() == [reminder.id]
    assert dispatcher.dispatch_once() == []
    assert ReminderDispatcher(open_file_hospital(db_file, clock), rasa.url, "t").dispatch_once() == []
    assert len(rasa.calls) == 1
    [sms] = reminder_sms(after)
    assert "吃药" in sms["body"]
    after.dispose()


def test_two_dispatchers_at_the_same_moment_deliver_each_reminder_once(db_file, today, rasa):
    clock = ManualClock(dt.datetime.combine(today, dt.time(9, 0)))
    setup = open_file_hospital(db_file, clock)
    ids = {setup.add_reminder(clock() + dt.timedelta(minutes=1), f"第{i}件事", CHAT, card_no=CARD).id for i in range(8)}
    setup.dispose()
    clock.advance(minutes=2)
    dispatchers = [ReminderDispatcher(open_file_hospital(db_file, clock), rasa.url, "t") for _ in range(2)]
    start = threading.Barrier(len(dispatchers))
    delivered = []

    def work(dispatcher):
        start.wait()
        delivered.extend(dispatcher.dispatch_once())

    threads = [threading.Thread(target=work, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(delivered) == sorted(ids)
    assert sorted(int(body["entities"]["reminder_id"]) for _, body in rasa.calls) == sorted(ids)
    assert len(reminder_sms(dispatchers[0].hospital)) == len(ids)
    for dispatcher in dispatchers:
        dispatcher.hospital.dispose()


def test_chat_delivery_waits_for_rasa_without_sending_the_sms_again(hospital, rasa):
    from scripts.serve import free_port

    reminder = hospital.add_reminder(hospital.clock() + dt.timedelta(minutes=1), "吃药", CHAT, card_no=CARD)
    hospital.clock.advance(minutes=1)
    down = ReminderDispatcher(hospital, f"http://127.0.0.1:{free_port()}", "t", retry_after=30)
    assert down.dispatch_once() == []  # Rasa is restarting: nothing reached it
    assert len(reminder_sms(hospital)) == 1
    [pending] = hospital.reminders(CHAT)
    assert pending.due_at == hospital.clock() + dt.timedelta(seconds=30)
    hospital.clock.advance(seconds=30)
    assert ReminderDispatcher(hospital, rasa.url, "t").dispatch_once() == [reminder.id]
    assert len(reminder_sms(hospital)) == 1 and len(rasa.calls) == 1


def test_a_claim_abandoned_by_a_crashed_dispatcher_is_never_delivered_again(hospital, rasa):
    hospital.add_reminder(hospital.clock() + dt.timedelta(minutes=1), "吃药", CHAT, card_no=CARD)
    hospital.clock.advance(minutes=1)
    assert len(hospital.claim_due_reminders("crashed-worker")) == 1  # then it died
    hospital.clock.advance(seconds=REMINDER_CLAIM_TIMEOUT.total_seconds() + 1)
    assert ReminderDispatcher(hospital, rasa.url, "t").dispatch_once() == []
    assert rasa.calls == [] and len(reminder_sms(hospital)) == 1


# --- one-off reminders ------------------------------------------------------------------------


def test_a_reminder_in_the_past_is_refused(hospital):
    with pytest.raises(BookingRejected) as info:
        hospital.add_reminder(hospital.clock() - dt.timedelta(minutes=1), "吃药", CHAT)
    assert info.value.code == "past"


def test_reminders_belong_to_their_conversation(hospital):
    reminder = hospital.add_reminder(hospital.clock() + dt.timedelta(hours=1), "吃药", CHAT)
    assert hospital.reminder(reminder.id, CHAT).note == "吃药"
    assert hospital.reminders("someone-else") == []
    with pytest.raises(NotFound):
        hospital.reminder(reminder.id, "someone-else")
    with pytest.raises(NotFound):
        hospital.cancel_reminder(reminder.id, "someone-else")
    assert hospital.cancel_reminder(reminder.id, CHAT).state == "cancelled"
    assert hospital.reminders(CHAT) == []


def test_a_chat_only_reminder_sends_no_sms(hospital, rasa):
    reminder = hospital.add_reminder(hospital.clock() + dt.timedelta(minutes=1), "吃药", CHAT)
    hospital.clock.advance(minutes=1)
    assert ReminderDispatcher(hospital, rasa.url, "t").dispatch_once() == [reminder.id]
    assert reminder_sms(hospital) == [] and len(rasa.calls) == 1


def test_the_note_is_stored_sealed(hospital):
    from hospital import models as m

    hospital.add_reminder(hospital.clock() + dt.timedelta(hours=1), "吃二甲双胍", CHAT)
    with hospital._tx() as s:
        [row] = s.query(m.ReminderRow).all()
        assert "二甲双胍" not in row.note_enc


def test_after_logout_the_conversation_gets_no_reminders_but_the_patient_still_gets_the_sms(hospital, rasa):
    session = later_session(hospital)
    hospital.book(CARD, session.id, conversation_id=CHAT)
    chat_only = hospital.add_reminder(hospital.clock() + dt.timedelta(minutes=5), "吃药", CHAT)
    assert hospital.detach_reminders(CHAT) == 2
    assert hospital.reminders(CHAT) == []
    assert hospital.reminder(chat_only.id, CHAT).state == "cancelled"
    hospital.clock.set(due_time(session))
    assert len(ReminderDispatcher(hospital, rasa.url, "t").dispatch_once()) == 1
    assert rasa.calls == [] and len(reminder_sms(hospital)) == 1
