"""Chinese date and half-day expressions relative to a reference day.

jionlp finds and resolves the expression ("下周三上午", "礼拜三", "下个月5号"); this
module adds what the booking dialogue needs around it: the half-day (上午/下午/夜间),
and a clear verdict on impossible dates such as 2月30日, which jionlp would otherwise
silently read as "the 30th of this month".
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass
from typing import Optional

from language.knowledge_files import pattern, regex, words
from language.numbers import whole_number

logger = logging.getLogger(__name__)

# A past month-day ("1月5日" said on 12月28日) or day ("5号" said on the 24th) means the
# next one when that is this close; further off it stays a (past) date to explain.
ROLL_FORWARD_DAYS = 31
_HAS_MONTH = re.compile(r"月")


@functools.lru_cache(maxsize=1)
def _month_day() -> "re.Pattern[str]":
    number = pattern("date_number")
    return re.compile(rf"(?:(\d{{4}})年)?({number})月({number})[日号]?")


@dataclass(frozen=True)
class ParsedDate:
    date: Optional[dt.date] = None
    period: Optional[str] = None  # 上午 / 下午 / 夜间
    text: str = ""  # the expression as the patient wrote it
    invalid: bool = False  # a date that does not exist, e.g. 2月30日

    @property
    def found(self) -> bool:
        return self.date is not None or self.invalid


def parse_period(text: str) -> Optional[str]:
    for period, names in words("period_words").items():
        if any(name in text for name in names):
            return period
    return None


def _period_from_hour(hour: int) -> Optional[str]:
    if 6 <= hour < 12:
        return "上午"
    if 12 <= hour < 18:
        return "下午"
    if hour >= 18:
        return "夜间"
    return None


def _impossible_month_day(text: str, today: dt.date) -> Optional[str]:
    for match in _month_day().finditer(text):
        year = int(match.group(1)) if match.group(1) else today.year
        month, day = whole_number(match.group(2)), whole_number(match.group(3))
        if month is None or day is None:
            continue
        try:
            dt.date(year, month, day)
        except ValueError:
            return match.group(0)
    return None


def parse_date(text: str, today: dt.date) -> ParsedDate:
    """The first date expression in `text`, resolved against `today`."""
    period = parse_period(text)
    impossible = _impossible_month_day(text, today)
    if impossible:
        return ParsedDate(text=impossible, invalid=True, period=period)

    import jionlp  # slow first import (~1 s): only when a date is really parsed

    base = dt.datetime.combine(today, dt.time(hour=9))
    try:
        found = jionlp.ner.extract_time(text, time_base=base, with_parsing=True)
    except Exception:  # jionlp raises plain exceptions on odd input
        logger.debug("jionlp could not parse a time expression", exc_info=True)
        return ParsedDate(period=period)
    for item in found:
        times = item.get("detail", {}).get("time")
        if not times or not isinstance(times, list) or not isinstance(times[0], str):
            continue  # periodic or delta expressions ("每周三") name no single day
        start = dt.datetime.fromisoformat(times[0])
        end = dt.datetime.fromisoformat(times[1])
        if (end - start) > dt.timedelta(days=1):
            continue  # a span such as 下周 or 12月: not one day
        if not regex("names_a_day").search(item["text"]):
            continue  # "下午", "3点": a time of day, not a day
        if period is None and (start.hour, start.minute) != (0, 0):
            period = _period_from_hour(start.hour)
        day = _roll_forward(start.date(), item["text"], today)
        return ParsedDate(date=day, period=period, text=item["text"])
    return ParsedDate(period=period)


def _roll_forward(day: dt.date, text: str, today: dt.date) -> dt.date:
    if day >= today or regex("has_year").search(text):
        return day
    if regex("weekday").search(text):
        candidates = [day + dt.timedelta(days=7)]  # "周一" said on a Tuesday: next Monday
    elif _HAS_MONTH.search(text):
        candidates = [_replace_year(day, day.year + 1)]
    else:
        candidates = [_next_month(day)]
    nearer = [c for c in candidates if c and (c - today).days <= ROLL_FORWARD_DAYS]
    return nearer[0] if nearer else day


def _replace_year(day: dt.date, year: int) -> Optional[dt.date]:
    try:
        return day.replace(year=year)
    except ValueError:
        return None


def _next_month(day: dt.date) -> Optional[dt.date]:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    try:
        return day.replace(year=year, month=month)
    except ValueError:
        return None


def describe(day: dt.date, today: dt.date) -> str:
    """'11月26日（周四，后天）' — how the assistant writes a day back to a patient."""
    relative = {0: "今天", 1: "明天", 2: "后天"}.get((day - today).days)
    weekday = f"周{words('weekday_names')[day.weekday()]}"
    inner = f"{weekday}，{relative}" if relative else weekday
    return f"{day.month}月{day.day}日（{inner}）"


# A moment names its minute: "8点", "8:30", "20分钟后"; a span longer than this
# ("明天", "明天早上") does not, and the patient is asked for the time.
_MOMENT_SPAN = dt.timedelta(minutes=61)


def spell_out_days(text: str) -> str:
    """jionlp reads "明早8点" as today's 早8点: the day said in full first."""
    for short, full in words("short_day_parts").items():
        text = text.replace(short, full)
    return text


@dataclass(frozen=True)
class ParsedMoment:
    when: Optional[dt.datetime] = None
    text: str = ""  # the expression as the patient wrote it
    invalid: bool = False  # a date that does not exist, e.g. 2月30日
    needs_time: bool = False  # a day ("明天") without the time of day


def parse_moment(text: str, now: dt.datetime) -> ParsedMoment:
    """The first moment in `text` ("明天早上8点", "下周一7点半", "20分钟后"), resolved
    against `now`. It may lie in the past; the caller says so. `text` of the result is
    the expression in spell_out_days(text)."""
    impossible = _impossible_month_day(text, now.date())
    if impossible:
        return ParsedMoment(text=impossible, invalid=True)
    text = spell_out_days(text)

    import jionlp

    try:
        found = jionlp.ner.extract_time(text, time_base=now, with_parsing=True)
    except Exception:  # jionlp raises plain exceptions on odd input
        logger.debug("jionlp could not parse a time expression", exc_info=True)
        return ParsedMoment()
    for item in found:
        times = item.get("detail", {}).get("time")
        if item.get("type") != "time_point" or not isinstance(times, list) or not isinstance(times[0], str):
            continue  # periodic ("每天") or open-ended expressions name no single moment
        start, end = dt.datetime.fromisoformat(times[0]), dt.datetime.fromisoformat(times[1])
        if end - start > _MOMENT_SPAN:
            return ParsedMoment(text=item["text"], needs_time=True)
        return ParsedMoment(when=start, text=item["text"])
    return ParsedMoment()
