"""The hospital's facts: one typed object from data/hospital/facts.yml, every key read."""

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from hospital.facts import FACTS_FILE, FactsError, facts, parse_facts

ROOT = Path(__file__).resolve().parents[2]


def raw():
    return copy.deepcopy(yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8")))


def key_paths(node, path=()):
    """Every key of the file down to the sections' own keys (the values of release,
    fees, periods and buildings are tables, read as a whole)."""
    for key, value in node.items():
        yield path + (key,)
        if isinstance(value, dict) and key not in ("release", "fees", "periods", "buildings"):
            yield from key_paths(value, path + (key,))


def test_the_facts_are_typed_and_frozen():
    f = facts()
    assert f.hotline == "0000-88881200" and f.hotline_with_hours == "0000-88881200（每天 8:00-20:00）"
    assert f.booking_window_days == 14
    assert f.release["专家号"].days == 7 and f.release["专家号"].at == dt.time(15, 0)
    assert f.fees == {"普通号": 15.0, "专家号": 50.0, "特需号": 200.0}
    assert f.periods["下午"] == (dt.time(13, 30), dt.time(17, 30))
    assert (f.emergency.phone, f.emergency.place) == ("120", "急诊楼 1 楼")
    with pytest.raises(AttributeError):
        f.hotline = "1"  # frozen
    with pytest.raises(TypeError):
        f.fees["普通号"] = 1  # read-only table


def test_rules_computed_from_the_facts():
    f = facts()
    assert f.release_policy() == "专家号提前7天于15:00放号；普通号提前14天于8:00放号。"
    assert f.release_moment(dt.date(2026, 12, 1), "专家号") == dt.datetime(2026, 11, 24, 15, 0)
    assert f.last_bookable_day(dt.date(2026, 11, 24)) == dt.date(2026, 12, 7)
    assert f.reminder_time({}) == dt.time(18, 0)
    assert f.reminder_time({"XIAOAN_REMINDER_AT": "09:30"}) == dt.time(9, 30)
    with pytest.raises(FactsError):
        f.reminder_time({"XIAOAN_REMINDER_AT": "half past nine"})


@pytest.mark.parametrize("path", list(key_paths(raw())), ids="/".join)
def test_every_key_is_read(path):
    """A key nothing reads makes the file fail: one more beside it is refused, and
    without it the file is refused as well."""
    extra = raw()
    parent = extra
    for key in path[:-1]:
        parent = parent[key]
    parent[f"{path[-1]}_unused"] = "x"
    with pytest.raises(FactsError, match="nothing reads"):
        parse_facts(extra)
    missing = raw()
    parent = missing
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    with pytest.raises(FactsError):
        parse_facts(missing)


def test_the_hours_a_patient_reads_agree_with_the_clinic_periods():
    f = facts()
    for period in ("上午", "下午"):
        start, end = f.periods[period]
        assert f"{period} {start.hour}:{start.minute:02d}-{end.hour}:{end.minute:02d}" in f.weekday_hours


def test_the_emergency_response_names_the_facts():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    text = domain["responses"]["utter_emergency"][0]["text"]
    emergency = facts().emergency
    assert emergency.phone in text and f"本院{emergency.place}，{emergency.hours}" in text


@pytest.mark.parametrize("package", ["hospital", "staff", "channels", "scripts"])
def test_no_fact_is_typed_again_in_code(package):
    """The hotline, the booking window and clinic hours live in facts.yml only."""
    typed = re.compile(r"0000-8888|WINDOW_DAYS\s*=|PERIOD_HOURS|dt\.time\(13, 30\)|急诊楼\s*1\s*楼")
    for path in (ROOT / package).rglob("*.py"):
        assert not typed.search(path.read_text(encoding="utf-8")), path
