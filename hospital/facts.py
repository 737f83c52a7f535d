"""The hospital's business facts (data/hospital/facts.yml) as one typed, frozen object.

Everything that needs the hotline, the booking window, the release rules, the fees,
the clinic hours or where the emergency department is asks `facts()`; nothing types
them again. The loader takes every key it knows out of the file and refuses the file
if any key is left over, so a fact nobody reads cannot sit in the YAML unnoticed.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

import yaml

from .config import HOSPITAL_DATA_DIR
from .interface import NUMBER_TYPES

FACTS_FILE = HOSPITAL_DATA_DIR / "facts.yml"
REMINDER_AT_ENV = "XIAOAN_REMINDER_AT"


class FactsError(ValueError):
    """facts.yml is missing a key, has one nothing reads, or has a malformed value."""


@dataclass(frozen=True)
class ReleaseRule:
    days: int  # a number for day D opens on D - days ...
    at: dt.time  # ... at this time


@dataclass(frozen=True)
class Emergency:
    phone: str
    place: str  # building and floor
    hours: str  # 24 小时开放
    crisis_hotline: str


@dataclass(frozen=True)
class ReminderFacts:
    day_before_at: dt.time
    sms_appointment: str
    sms_custom: str
    note_fillers: Tuple[str, ...]  # longest first


@dataclass(frozen=True)
class Facts:
    short_name: str
    hotline: str  # the bare number
    hotline_hours: str
    sms_code: str
    periods: Mapping[str, Tuple[dt.time, dt.time]]  # 上午 → (08:00, 12:00)
    weekday_hours: str
    fever_clinic: str
    emergency: Emergency
    buildings: Mapping[str, str]
    booking_window_days: int
    release: Mapping[str, ReleaseRule]
    fees: Mapping[str, float]
    reminders: ReminderFacts

    @property
    def hotline_with_hours(self) -> str:
        """The number with its opening hours in brackets, as replies give it."""
        return f"{self.hotline}（{self.hotline_hours}）"

    def last_bookable_day(self, today: dt.date) -> dt.date:
        return today + dt.timedelta(days=self.booking_window_days - 1)

    def release_moment(self, day: dt.date, number_type: str) -> dt.datetime:
        """When a number of this kind for `day` opens for booking."""
        rule = self.release[number_type]
        return dt.datetime.combine(day - dt.timedelta(days=rule.days), rule.at)

    def release_policy(self) -> str:
        """专家号提前7天于15:00放号；普通号提前14天于8:00放号。 (a kind whose rule repeats
        one already said is left out)"""
        said, parts = [], []
        for kind in ("专家号", "普通号", "特需号"):
            rule = self.release[kind]
            if rule not in said:
                said.append(rule)
                parts.append(f"{kind}提前{rule.days}天于{rule.at.hour}:{rule.at.minute:02d}放号")
        return "；".join(parts) + "。"

    def reminder_time(self, env: Optional[Mapping[str, str]] = None) -> dt.time:
        """When the day-before reminder goes: XIAOAN_REMINDER_AT ("HH:MM"), else facts.yml."""
        env = os.environ if env is None else env
        value = (env.get(REMINDER_AT_ENV) or "").strip()
        return _time(value, REMINDER_AT_ENV) if value else self.reminders.day_before_at


def _time(value: str, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise FactsError(f"{where}: not a time of day (HH:MM): {value!r}") from None


class _Keys:
    """Takes keys out of a mapping; `done()` fails if any were left unread."""

    def __init__(self, raw: dict, where: str):
        if not isinstance(raw, dict):
            raise FactsError(f"{where}: expected a mapping")
        self.raw, self.where = dict(raw), where

    def take(self, key: str):
        if key not in self.raw:
            raise FactsError(f"{self.where}.{key}: missing")
        return self.raw.pop(key)

    def section(self, key: str) -> "_Keys":
        return _Keys(self.take(key), f"{self.where}.{key}")

    def done(self) -> None:
        if self.raw:
            raise FactsError(f"{self.where}: keys nothing reads: {sorted(self.raw)}")


def parse_facts(raw: dict) -> Facts:
    top = _Keys(raw, "facts")
    hospital, hours, emergency = top.section("hospital"), top.section("outpatient_hours"), top.section("emergency")
    registration, reminders = top.section("registration"), top.section("reminders")
    periods = {}
    for period, span in hours.take("periods").items():
        start, _, end = str(span).partition("-")
        periods[period] = (_time(start, f"periods.{period}"), _time(end, f"periods.{period}"))
    release = {
        kind: ReleaseRule(int(rule["days"]), _time(rule["at"], f"release.{kind}"))
        for kind, rule in registration.take("release").items()
    }
    fees = {kind: float(fee) for kind, fee in registration.take("fees").items()}
    for name, table in (("release", release), ("fees", fees)):
        if set(table) != set(NUMBER_TYPES):
            raise FactsError(f"registration.{name}: needs exactly {NUMBER_TYPES}")
    facts = Facts(
        short_name=str(hospital.take("short_name")),
        hotline=str(hospital.take("hotline")),
        hotline_hours=str(hospital.take("hotline_hours")),
        sms_code=str(hospital.take("sms_code")),
        periods=MappingProxyType(periods),
        weekday_hours=str(hours.take("weekday")),
        fever_clinic=str(hours.take("fever_clinic")),
        emergency=Emergency(
            phone=str(hospital.take("emergency_phone")),
            place=str(emergency.take("place")),
            hours=str(emergency.take("hours")),
            crisis_hotline=str(hospital.take("crisis_hotline")),
        ),
        buildings=MappingProxyType({str(k): str(v) for k, v in top.take("buildings").items()}),
        booking_window_days=int(registration.take("booking_window_days")),
        release=MappingProxyType(release),
        fees=MappingProxyType(fees),
        reminders=ReminderFacts(
            day_before_at=_time(reminders.take("day_before_at"), "reminders.day_before_at"),
            sms_appointment=str(reminders.take("sms_appointment")),
            sms_custom=str(reminders.take("sms_custom")),
            note_fillers=tuple(sorted(map(str, reminders.take("note_fillers")), key=len, reverse=True)),
        ),
    )
    for section in (hospital, hours, emergency, registration, reminders, top):
        section.done()
    return facts


def load_facts(path: Path = FACTS_FILE) -> Facts:
    with open(path, encoding="utf-8") as handle:
        return parse_facts(yaml.safe_load(handle) or {})


@functools.lru_cache(maxsize=1)
def facts() -> Facts:
    """The hospital's facts, read from facts.yml on first use."""
    return load_facts()
