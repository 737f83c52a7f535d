"""Chinese date and half-day parsing (language/dates.py) against a fixed day:
2026-11-24, a Tuesday."""

import datetime as dt
import time

import pytest

from language.dates import ParsedDate, describe, parse_date, parse_period

TODAY = dt.date(2026, 11, 24)
D = dt.date


@pytest.mark.parametrize(
    "text, day, period, expression",
    [
        ("今天", D(2026, 11, 24), None, "今天"),
        ("明天", D(2026, 11, 25), None, "明天"),
        ("后天", D(2026, 11, 26), None, "后天"),
        ("大后天", D(2026, 11, 27), None, "大后天"),
        ("周三", D(2026, 11, 25), None, "周三"),
        ("礼拜三", D(2026, 11, 25), None, "礼拜三"),
        ("星期三", D(2026, 11, 25), None, "星期三"),
        ("下周三上午", D(2026, 12, 2), "上午", "下周三上午"),
        ("本周五下午", D(2026, 11, 27), "下午", "本周五下午"),
        ("12月1号", D(2026, 12, 1), None, "12月1号"),
        ("下个月5号", D(2026, 12, 5), None, "下个月5号"),
        ("十二月一号", D(2026, 12, 1), None, "十二月一号"),
        ("明天晚上", D(2026, 11, 25), "夜间", "明天晚上"),
        # inside a sentence, with other words and numbers around
        ("我要挂号，周三上午心内科专家号", D(2026, 11, 25), "上午", "周三上午"),
        ("不对，改成周四", D(2026, 11, 26), None, "周四"),
        ("帮我约2026年12月2日的眼科", D(2026, 12, 2), None, "2026年12月2日"),
    ],
)
def test_day_and_half_day(text, day, period, expression):
    assert parse_date(text, TODAY) == ParsedDate(date=day, period=period, text=expression)


def test_a_past_date_is_returned_as_written_for_the_dialogue_to_refuse():
    parsed = parse_date("9月17日", TODAY)
    assert parsed == ParsedDate(date=D(2026, 9, 17), text="9月17日")
    assert parsed.date < TODAY and parsed.found


@pytest.mark.parametrize("text", ["2月30日", "二月三十号", "13月5日", "12月32日", "2027年2月29日"])
def test_impossible_dates_are_flagged_not_guessed(text):
    parsed = parse_date(f"帮我约{text}上午的号", TODAY)
    assert parsed == ParsedDate(text=text, invalid=True, period="上午")
    assert parsed.found and parsed.date is None


def test_leap_day_exists_in_a_leap_year():
    assert parse_date("2028年2月29日", TODAY).date == D(2028, 2, 29)


@pytest.mark.parametrize("text", ["我想挂心内科", "1000001", "手机后四位5678", "第二个", "这周", "下周", "12月", ""])
def test_no_single_day(text):
    parsed = parse_date(text, TODAY)
    assert parsed.date is None and not parsed.invalid and not parsed.found


def test_empty_string():
    assert parse_date("", TODAY) == ParsedDate()
    assert parse_period("") is None


def test_a_very_long_message_is_parsed_quickly():
    parse_date("明天", TODAY)  # jionlp's first import is slow; not what is measured
    text = "我想挂号" * 1250  # 5,000 characters, no date
    started = time.perf_counter()
    assert parse_date(text, TODAY) == ParsedDate()
    long_with_date = ("医生您好" * 600) + "后天下午" + ("谢谢" * 300)
    assert len(long_with_date) > 3000
    parsed = parse_date(long_with_date, TODAY)
    assert (parsed.date, parsed.period) == (D(2026, 11, 26), "下午")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("text", ["改到下午", "上午", "晚上", "3点"])
def test_a_bare_half_day_or_hour_names_no_day(text):
    assert parse_date(text, TODAY).date is None


def test_month_day_after_new_year():
    assert parse_date("1月5日", D(2026, 12, 28)).date == D(2027, 1, 5)


def test_day_of_month_already_past():
    assert parse_date("5号", TODAY).date == D(2026, 12, 5)


def test_tonight_is_the_evening_clinic():
    assert parse_date("明晚", TODAY).period == "夜间"


@pytest.mark.parametrize(
    "text, period",
    [
        ("上午", "上午"),
        ("早上八点", "上午"),
        ("下午吧", "下午"),
        ("晚上", "夜间"),
        ("夜门诊", "夜间"),
        ("午后", "下午"),
        ("周四", None),
        ("", None),
    ],
)
def test_parse_period(text, period):
    assert parse_period(text) == period


@pytest.mark.parametrize(
    "day, text",
    [
        (D(2026, 11, 24), "11月24日（周二，今天）"),
        (D(2026, 11, 25), "11月25日（周三，明天）"),
        (D(2026, 11, 26), "11月26日（周四，后天）"),
        (D(2026, 11, 29), "11月29日（周日）"),
        (D(2026, 12, 7), "12月7日（周一）"),
        (D(2026, 11, 23), "11月23日（周一）"),
    ],
)
def test_describe(day, text):
    assert describe(day, TODAY) == text


def test_a_weekday_already_past_this_week_means_next_week():
    assert parse_date("周一", TODAY).date == D(2026, 11, 30)
    assert parse_date("礼拜一上午", TODAY) == ParsedDate(date=D(2026, 11, 30), period="上午", text="礼拜一上午")


def test_a_past_date_further_off_stays_past_to_be_explained():
    assert parse_date("9月17日", TODAY).date == D(2026, 9, 17)
