import datetime as dt
import re

from sqlalchemy import select

from hospital import models as m
from hospital.security import unseal
from hospital.demo.__main__ import main
from hospital.demo.scenario import demo_patients
from hospital.factory import create_hospital, get_hospital, reset_hospital_cache


SEALED = ("name_enc", "phone_enc", "guardian_name_enc")  # encrypted with a fresh IV each time


def dump(hospital):
    def row(r):
        return tuple(unseal(v) if k in SEALED and v else v for k, v in r._mapping.items())

    with hospital.engine.connect() as conn:
        return {
            t.name: [row(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in m.Base.metadata.sorted_tables
        }


def test_same_day_same_data(hospital, today):
    again = create_hospital("sqlite://", today=today)
    try:
        assert dump(again) == dump(hospital)
    finally:
        again.dispose()


def test_demo_patients_match_the_constant(hospital, today):
    assert [d.card_no for d in demo_patients()[:4]] == ["1000001", "1000002", "1000003", "1000004"]
    ages = {int(hospital.patient(d.card_no).age_on(today)) for d in demo_patients()}
    assert {45, 30, 6} <= ages and any(a >= 75 for a in ages)
    for d in demo_patients():
        p = hospital.patient(d.card_no)
        assert (p.name, p.sex, int(p.age_on(today))) == (d.name, d.sex, d.age)
        assert hospital.verify(d.card_no, "phone4", d.phone_last4).ok
    child = next(d for d in demo_patients() if d.age < 14)
    assert child.guardian


def test_patients_and_their_history(hospital):
    with hospital.engine.connect() as conn:
        patients = conn.execute(select(m.PatientRow)).all()
    assert len(patients) >= 60
    assert sum(1 for p in patients if p.guardian_name_enc) >= 3
    pending = abnormal = critical = 0
    for p in patients:
        orders = hospital.lab_orders(p.card_no)
        assert orders, p.card_no
        pending += sum(o.status == "pending" for o in orders)
        results = [r for o in orders for r in o.results]
        abnormal += sum(bool(r.flag) for r in results)
        critical += sum(r.critical for r in results)
    assert pending >= 5 and abnormal >= 30 and critical >= 2
    statuses = {e.status for p in patients for e in hospital.imaging_exams(p.card_no)}
    assert statuses == {"scheduled", "pending_report", "ready"}


def test_names_and_phones_are_encrypted_at_rest_with_a_key_outside_the_database(hospital):
    with hospital.engine.connect() as conn:
        rows = {r.card_no: r for r in conn.execute(select(m.PatientRow))}
        outbox = conn.execute(select(m.SmsOutbox)).all()
    dumped = repr(dump_raw(hospital))
    for demo in demo_patients():
        row = rows[demo.card_no]
        assert demo.name not in dumped and demo.phone not in dumped
        assert (unseal(row.name_enc), unseal(row.phone_enc)) == (demo.name, demo.phone)
    assert not outbox


def dump_raw(hospital):
    with hospital.engine.connect() as conn:
        return [tuple(r) for t in m.Base.metadata.sorted_tables for r in conn.execute(select(t))]


def test_national_id_is_only_stored_hashed(hospital):
    with hospital.engine.connect() as conn:
        rows = conn.execute(select(m.PatientRow)).all()
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row.id_number_hash)
        assert not any(re.fullmatch(r"\d{17}[\dX]", str(v)) for v in row)


def test_cli_builds_and_summarises(tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    caplog.set_level("INFO", logger="hospital.demo")
    assert main(["--url", url, "--today", "2026-11-24"]) == 0
    assert main(["--url", url, "--reset", "--today", "2026-11-24"]) == 0
    out = caplog.text
    assert "departments 29" in out and "1000001" in out and demo_patients()[0].phone_last4 in out
    assert demo_patients()[0].phone not in out


def test_get_hospital_is_cached_and_uses_the_env(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSPITAL_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    reset_hospital_cache()
    try:
        first = get_hospital()
        assert get_hospital() is first
        assert (tmp_path / "env.db").exists()
        assert first.card_exists("1000001")
    finally:
        reset_hospital_cache()


def test_a_database_from_the_previous_seed_version_is_rebuilt(tmp_path, today):
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # the shape of seed version 1: phone and name in clear
        conn.executescript("""
            CREATE TABLE hospital_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200) NOT NULL);
            INSERT INTO hospital_meta VALUES ('seed_version', '1');
            CREATE TABLE patients (id INTEGER PRIMARY KEY, card_no VARCHAR(20), name VARCHAR(20), phone VARCHAR(20));
            INSERT INTO patients VALUES (1, '1000001', '陈建国', '13812345678');
            CREATE TABLE verification_state (patient_id INTEGER PRIMARY KEY REFERENCES patients(id), failures INTEGER);
            INSERT INTO verification_state VALUES (1, 3);
        """)
    hospital = create_hospital(f"sqlite:///{path}", today=today)
    try:
        assert hospital.patient("1000001").name == "陈建国"
    finally:
        hospital.dispose()
    for file in tmp_path.iterdir():
        assert b"13812345678" not in file.read_bytes(), file


def test_deleted_rows_leave_nothing_in_the_file(tmp_path, today):
    """Personal data deleted from the SQLite file (expired codes, purged records) is
    overwritten, not left readable in free pages."""
    from sqlalchemy import delete, insert

    path = tmp_path / "h.db"
    hospital = create_hospital(f"sqlite:///{path}", today=today)
    try:
        marker = "陈建国的电话13812345678" * 40
        with hospital.engine.begin() as conn:
            for conversation, summary in (("x", marker), ("y", "kept")):
                conn.execute(
                    insert(m.HandoffTicketRow).values(
                        conversation_id=conversation,
                        reason="r",
                        status="open",
                        summary=summary,
                        created_at=dt.datetime(2026, 11, 24),
                    )
                )
        with hospital.engine.begin() as conn:
            conn.execute(delete(m.HandoffTicketRow).where(m.HandoffTicketRow.conversation_id == "x"))
    finally:
        hospital.dispose()
    for file in tmp_path.iterdir():
        assert "13812345678".encode() not in file.read_bytes(), file
