import datetime as dt

import pytest
from sqlalchemy import text

from hospital.interface import NotFound, SystemUnavailable
from tests.unit.hospital_replies import reply_to
from hospital import create_hospital


def assert_unavailable(fn, *args):
    with pytest.raises(SystemUnavailable) as info:
        fn(*args)
    assert "没有办理成功" in reply_to(info.value) and info.value.code == "unavailable"


def test_disposed_engine(hospital):
    assert hospital.card_exists("1000001")
    hospital.engine.dispose()  # the in-memory database is gone with its connection
    assert_unavailable(hospital.patient, "1000001")
    assert_unavailable(hospital.sessions)


def test_failure_midway_changes_nothing(hospital):
    s = next(x for x in hospital.sessions(department="骨科", only_available=True) if x.date > hospital.today)
    with hospital.engine.begin() as conn:
        conn.execute(text("DROP TABLE appointment_history"))
    # the slot UPDATE succeeds, the history INSERT fails: the whole booking rolls back
    assert_unavailable(hospital.book, "1000005", s.id)
    assert hospital.session(s.id).booked == s.booked
    with hospital.engine.begin() as conn:
        conn.execute(text("DROP TABLE lab_results"))
    assert_unavailable(hospital.lab_orders, "1000001")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://nobody:secret@127.0.0.1:1/hospital",
        "sqlite:////proc/no-such-dir/hospital.db",
        "not a url",
    ],
)
def test_unreachable_database(url):
    with pytest.raises(SystemUnavailable):
        create_hospital(url, today=dt.date(2026, 11, 24))


def test_handoff_tickets(hospital):
    ticket = hospital.create_handoff("conv-1", "billing_question", "患者询问医保报销比例")
    assert ticket.status == "open" and ticket.created_at == hospital.clock()
    hospital.create_handoff("conv-2", "complaint", "投诉候诊时间长")
    assert [t.conversation_id for t in hospital.handoff_tickets("open")] == ["conv-1", "conv-2"]
    closed = hospital.close_handoff(ticket.id)
    assert closed.status == "closed"
    assert [t.id for t in hospital.handoff_tickets("open")] == [ticket.id + 1]
    assert len(hospital.handoff_tickets()) == 2
    with pytest.raises(NotFound):
        hospital.close_handoff(9999)
