"""What the staff console asks of the hospital: taking a handoff ticket (one taker
only) and the day's appointments with what triage recorded."""

import datetime as dt
import threading

import pytest

from hospital.interface import HandoffTaken, NotFound


def test_only_one_staff_member_takes_a_ticket(hospital):
    ticket = hospital.create_handoff("conv-1", "患者要求人工服务", "转人工")
    taken = hospital.take_handoff(ticket.id, "王护士")
    assert (taken.taken_by, taken.taken_at) == ("王护士", hospital.clock())
    with pytest.raises(HandoffTaken):
        hospital.take_handoff(ticket.id, "李护士")
    (listed,) = hospital.handoff_tickets("open")
    assert listed.taken_by == "王护士"


def test_concurrent_takers_get_one_ticket_between_them(hospital):
    ticket = hospital.create_handoff("conv-1", "患者要求人工服务", "转人工")
    outcomes = []

    def take(name):
        try:
            hospital.take_handoff(ticket.id, name)
            outcomes.append("took")
        except HandoffTaken:
            outcomes.append("refused")

    threads = [threading.Thread(target=take, args=(f"staff{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["took"]


def test_closed_or_unknown_tickets_cannot_be_taken(hospital):
    ticket = hospital.create_handoff("conv-1", "患者要求人工服务", "转人工")
    hospital.close_handoff(ticket.id)
    with pytest.raises(HandoffTaken):
        hospital.take_handoff(ticket.id, "王护士")
    with pytest.raises(NotFound):
        hospital.take_handoff(9999, "王护士")


def test_appointments_on_a_day_carry_the_triage_summary(hospital, today):
    days = {}
    for offset in range(0, 8):
        day = today + dt.timedelta(days=offset)
        days[day] = hospital.appointments_on(day)
    booked = [pair for pairs in days.values() for pair in pairs]
    assert booked, "the seed books demo appointments in the coming week"
    with_precheck = [(a, p) for a, p in booked if a.precheck]
    assert with_precheck and all(a.status == "booked" for a, _ in booked)
    appointment, patient = with_precheck[0]
    assert patient.card_no == appointment.card_no and patient.name
    for day, pairs in days.items():
        assert all(a.session.date == day for a, _ in pairs)
        keys = [(a.session.department, a.session.period, a.queue_no) for a, _ in pairs]
        assert len(keys) == len(set(keys))
