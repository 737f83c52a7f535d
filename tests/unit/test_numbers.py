"""One reader of numbers for symptoms, dates and picks (language/numbers.py). Dates,
ordinals and the symptom reader used to read 几 / 半 / 百, full-width digits and 两
differently; these cases pin the one answer."""

import datetime as dt

import pytest

from language.dates import _impossible_month_day
from language.measures import parse_duration
from language.numbers import cn_number, readings_in_digits, whole_number
from language.ordinals import parse_ordinal
from language.patient_facts import parse_age_months


@pytest.mark.parametrize(
    "text, value",
    [
        ("1", 1),
        ("12", 12),
        ("38.5", 38.5),
        ("１２", 12),
        ("３", 3),  # digits, half and full width
        ("一", 1),
        ("两", 2),
        ("俩", 2),
        ("零", 0),
        ("〇", 0),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十一", 21),
        ("三十", 30),
        ("三十九", 39),
        ("百", 100),
        ("一百", 100),
        ("一百二十", 120),
        ("两百", 200),
        ("半", 0.5),
        ("几", 3),
        ("好几", 4),
        ("十几", 15),
        ("二十几", 25),
        ("两三", 3),
        ("三四", 4),  # a range reads as its larger end
        (" 五 ", 5),
        ("", None),
        ("abc", None),
        ("几十", None),
        ("三天", None),
        (None, None),
    ],
)
def test_cn_number(text, value):
    assert cn_number(text) == value


@pytest.mark.parametrize(
    "text, value",
    [("12", 12), ("１２", 12), ("十二", 12), ("两", 2), ("〇", 0), ("半", None), ("1.5", None), ("", None)],
)
def test_whole_number(text, value):
    assert whole_number(text) == value
    assert value is None or isinstance(whole_number(text), int)


def test_dates_ordinals_and_durations_read_numbers_alike():
    today = dt.date(2026, 3, 1)
    assert _impossible_month_day("２月３０日", today) == "２月３０日"
    assert _impossible_month_day("二月三十日", today) == "二月三十日"
    assert _impossible_month_day("二月二十八日", today) is None
    assert parse_ordinal("第１２个") == 11 and parse_ordinal("第十二个") == 11 and parse_ordinal("第两个") == 1
    assert parse_duration("头疼１２天") == parse_duration("头疼十二天") == 12
    assert parse_duration("咳嗽两三天") == 3
    assert parse_duration("发烧半天") == 0.5
    assert parse_age_months("孩子十几个月") == 15
    assert parse_age_months("宝宝 2个月 发烧") == 2  # a space as chat users type


@pytest.mark.parametrize(
    "text, months", [("儿子二十五 腰背疼", 300), ("我闺女17，这次月经", 204), ("儿子十岁了", 120), ("孩子3个月", 3)]
)
def test_a_childs_age_without_a_unit_is_years(text, months):
    assert parse_age_months(text) == months


@pytest.mark.parametrize(
    "text, months",
    [
        ("我妈七十了，最近老忘事", 840),
        ("老伴今年68，腿肿", 816),
        ("我爸八十多了 老咳嗽", 966),
        ("我爸血压150了", None),
        ("我妈90斤了", None),
    ],
)
def test_an_elders_age_without_a_unit_is_years(text, months):
    assert parse_age_months(text) == months


def test_the_childs_father_is_not_a_child_patient():
    from language.patient_facts import says

    assert not says("child_patient", "娃他爹胃疼好几天了") and not says("child_patient", "孩子他妈老失眠")
    assert says("child_patient", "孩子发烧了") and says("child_patient", "我家bb八个月 咳嗽")


@pytest.mark.parametrize(
    "text, months",
    [
        ("孩子三天没大便了", None),  # how long, not how old
        ("孩子两周咳嗽", None),
        ("闺女五天了一直哭闹", None),
        ("宝宝20天，黄疸还没退", 0.66),
        ("宝宝3周了还在吐奶", 0.69),
        ("孩子8个月没长牙", 8),
    ],
)
def test_days_followed_by_what_happened_are_a_duration_not_an_age(text, months):
    assert parse_age_months(text) == months


@pytest.mark.parametrize(
    "text, digits",
    [
        ("血氧八十八，烧了三天了", "血氧88，烧了三天了"),
        ("血氧仪上显示七十九 是不是", "血氧仪上显示79 是不是"),
        ("心率一百二十多，血压八十几五十几", "心率120多，血压85/55"),  # two in a row are a pressure
        ("高压一百八十 低压一百一", "高压180 低压110"),  # 一百一 is said for 110
        ("血钾七点二", "血钾7.2"),
        ("心跳一下子特别快 一分钟一百八", "心跳一下子特别快 一分钟180"),  # not cut at the window's end
        ("心跳一下一下的", "心跳一下一下的"),  # under ten, no reading
        ("三十八度五", "三十八度五"),  # no measure named: temperatures are read by language/measures.py
    ],
)
def test_a_readings_chinese_number_is_written_in_digits(text, digits):
    assert readings_in_digits(text) == digits
