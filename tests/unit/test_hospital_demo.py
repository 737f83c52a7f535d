"""The demo hospital: fed by data/hospital/demo_scenario.yml, brought up to date
explicitly (at creation, by the daily refresh), never by a read."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from hospital import models as m
from hospital.demo import ensure_current
from hospital.demo.daily import DailyRefresh
from hospital.demo.scenario import demo_patients, readme_rows, scenario
from hospital.sql import table_counts

ROOT = Path(__file__).resolve().parents[2]


def schedule_through(hospital) -> str:
    with hospital.engine.connect() as conn:
        return conn.execute(select(m.Meta.value).where(m.Meta.key == "schedule_through")).scalar_one()


def test_the_readme_table_is_the_scenario():
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8").splitlines()
    rows = [line for line in readme if line.startswith("| 1000")]
    assert rows == [readme_rows()[p.card_no] for p in demo_patients()]


def test_the_seed_gives_demo_patients_what_the_scenario_says(hospital):
    for patient in demo_patients():
        seeded = hospital.patient(patient.card_no)
        assert (seeded.name, seeded.sex) == (patient.name, patient.sex)
        orders = hospital.lab_orders(patient.card_no)
        assert sorted(o.panel for o in orders) == sorted(lab.panel for lab in patient.labs)
        for lab in patient.labs:
            order = next(o for o in orders if o.panel == lab.panel and o.status == lab.status)
            values = {r.code: r.value for r in order.results}
            assert all(values[code] == value for code, value in lab.values.items())
        assert len(hospital.imaging_exams(patient.card_no)) == len(patient.imaging)
        booked = hospital.appointments(patient.card_no)
        assert [a.session.department for a in booked] == (
            [patient.appointment.department] if patient.appointment else []
        )
    assert len(scenario().patients) == 6


def test_reads_never_write(hospital):
    before, through = table_counts(hospital.engine), schedule_through(hospital)
    hospital.clock.advance(days=3)
    hospital.schedule_window()
    hospital.sessions()
    hospital.appointments("1000001")
    hospital.lab_orders("1000001", conversation_id="c")
    after = table_counts(hospital.engine)
    assert after.pop("audit_log") > before.pop("audit_log")  # reading a record is audited, nothing else
    assert after == before and schedule_through(hospital) == through


def test_bringing_the_demo_up_to_date_rolls_the_window(hospital, today):
    hospital.clock.advance(days=3)
    ensure_current(hospital)
    start, end = hospital.schedule_window()
    assert schedule_through(hospital) == end.isoformat()
    assert max(s.date for s in hospital.sessions()) == end


def test_the_daily_refresh_runs_once_a_day(hospital, today):
    refresh = DailyRefresh(hospital)
    assert refresh.check() is True  # first look: brought up to date (already current)
    assert refresh.check() is False  # same day: nothing to do
    hospital.clock.advance(days=1)
    assert refresh.check() is True
    assert schedule_through(hospital) == (today + dt.timedelta(days=14)).isoformat()


def test_the_daily_refresh_thread_starts_and_stops(hospital):
    refresh = DailyRefresh(hospital, every=0.01)
    refresh.start()
    refresh.stop()
    assert refresh.current_for == hospital.today


def test_the_sql_implementation_knows_nothing_of_the_demo():
    code = "import sys, hospital.sql; print(any(n.startswith('hospital.demo') for n in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
