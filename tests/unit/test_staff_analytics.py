"""The staff console's analytics over a scripted set of conversations: exact figures."""

import datetime as dt

from staff import analytics, conversations
from tests.staff_script import bookings, bot, scripted, store

DAY1 = dt.date(2026, 11, 24)
DAY2 = DAY1 + dt.timedelta(days=1)


def report(start=DAY1, end=DAY2):
    return analytics.analyse(scripted(DAY1), start, end, bookings(DAY1))


def test_counts_per_day_and_totals():
    r = report()
    assert r["per_day"] == [
        {"day": "2026-11-24", "conversations": 2, "messages": 4, "bookings": 0},
        {"day": "2026-11-25", "conversations": 3, "messages": 5, "bookings": 1},
    ]
    assert r["totals"] == {
        "conversations": 5,
        "messages": 9,
        "not_understood": 1,
        "not_understood_share": round(1 / 9, 4),
        "handoffs": 1,
        "handoff_rate": 0.2,
        "handoffs_waiting": 0,
        "wait_median_seconds": 90.0,
        "wait_longest_seconds": 90.0,
        "emergencies": 1,
        "emergency_conversations": 1,
        "bookings": 1,
    }


def test_topic_mix_by_capability_and_faq_category():
    r = report()
    assert {row["key"]: row["count"] for row in r["capabilities"]} == {
        "faq": 3,
        "triage": 2,
        "booking": 2,
        "base": 1,
        "not_understood": 1,
    }
    assert r["capabilities"][0]["label"] == "医院咨询" and r["capabilities"][0]["share"] == round(3 / 9, 4)
    assert [(row["key"], row["count"]) for row in r["faq_categories"]] == [("registration", 2), ("pharmacy", 1)]
    assert r["faq_categories"][0]["label"] == "挂号与就诊流程"


def test_top_questions_are_the_catalogue_questions():
    catalog = analytics.faq_catalog.get_catalog()
    questions = {row["question"]: row["count"] for row in report()["top_questions"]}
    assert questions == {
        catalog.entry("reg_how_to_book").question: 1,
        catalog.entry("reg_expert_release").question: 1,
        catalog.entry("drug_delivery").question: 1,
    }


def test_not_understood_messages_are_shown_masked():
    assert report()["not_understood_messages"] == ["啊啊啊***********"]


def test_triage_outcomes_by_department_and_urgency():
    r = report()
    assert [(row["key"], row["count"]) for row in r["triage_departments"]] == [("神经内科", 1)]
    assert [(row["key"], row["label"], row["count"]) for row in r["triage_urgencies"]] == [("routine", "门诊就诊", 1)]


def test_a_handoff_nobody_answered_is_waiting():
    convs = scripted(DAY1)
    convs["conv-e"] = convs["conv-e"][:-1]
    r = analytics.analyse(convs, DAY1, DAY2)
    assert r["totals"]["handoffs_waiting"] == 1 and r["totals"]["wait_median_seconds"] is None


def test_period_limits_what_is_read_from_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'chats.db'}"
    store(url, scripted(DAY1))
    bind = conversations.engine(url)
    start = dt.datetime.combine(DAY2, dt.time()).timestamp()
    only_day2 = conversations.events_between(bind, start, start + 86400)
    assert sorted(only_day2) == ["conv-c", "conv-d", "conv-e"]
    r = analytics.analyse(only_day2, DAY2, DAY2, bookings(DAY1))
    assert r["totals"]["conversations"] == 3 and r["totals"]["messages"] == 5


def test_csv_export_has_every_figure_and_no_card_number():
    text = analytics.to_csv(report())
    assert text.splitlines()[0] == "section,item,count,share"
    assert "totals,conversations,5," in text and "per_day_messages,2026-11-25,5," in text
    assert "faq_categories,挂号与就诊流程,2,0.6667" in text
    assert "1000001" not in text and "13912345678" not in text


def test_transcript_masks_digits_and_marks_staff_and_emergencies():
    lines = conversations.transcript(scripted(DAY1)["conv-e"] + scripted(DAY1)["conv-d"])
    assert [(l.role, l.text, l.emergency) for l in lines] == [
        ("patient", "转人工", False),
        ("patient", "我的卡号*******", False),
        ("staff", "您好，我是工作人员", False),
        ("patient", "胸口剧痛喘不上气", True),
        ("bot", "请立即拨打120", False),
    ]


def test_the_hospitals_own_numbers_stay_readable_in_the_assistants_words():
    from hospital.facts import facts

    HOTLINE = facts().hotline_with_hours

    said = "预约号 20261125003，就诊卡 1000001；热线 %s，急救 120" % HOTLINE
    (line,) = conversations.transcript([bot(said, 0.0)])
    assert line.text == "预约号 ***********，就诊卡 *******；热线 %s，急救 120" % HOTLINE


def test_the_pages_opener_is_not_part_of_the_transcript():
    assert [l.text for l in conversations.transcript(scripted(DAY1)["conv-a"])][:2] == ["您好，我是小安", "怎么挂号"]


def test_category_mix_follows_the_hospitals_breakdown():
    from tests.staff_script import SEED_MIX, seed_mix

    r = analytics.analyse(seed_mix(DAY1), DAY1, DAY1)
    assert r["totals"]["conversations"] == 50 and r["totals"]["messages"] == 100
    assert [(row["key"], row["share"]) for row in r["faq_categories"]] == [
        (key, count / 100) for key, count in SEED_MIX.items()
    ]
    assert r["capabilities"] == [{"key": "faq", "label": "医院咨询", "count": 100, "share": 1.0}]
