"""The red-flag rules on their own labelled set (tests/triage/red_flag_set.yml): every
emergency fires (recall 100%), at most 3% of look-alikes raise the alarm, and look-alikes
that only speak of a danger (past, a relative, a knowledge question) get the
when-to-go-to-急诊 line instead."""

import pytest

from scripts import eval_red_flags as ev

from safety import red_flags as rf

DATA = ev.load_set()


def test_the_set_is_big_enough_to_mean_something():
    assert len(DATA["emergencies"]) >= 60
    assert len(DATA["look_alikes"]) >= 60
    assert not {c["text"] for c in DATA["emergencies"]} & {c["text"] for c in DATA["look_alikes"]}


def test_recall_is_complete_and_false_alarms_stay_under_three_percent():
    result = ev.score(DATA)
    assert not result.missed, [c["text"] for c in result.missed]
    assert result.false_alarm_rate <= ev.MAX_FALSE_ALARMS, result.alarms


@pytest.mark.parametrize("part", ["emergencies 1/2", "emergencies 2/2", "look_alikes", "department questions"])
def test_the_development_set_written_blind_fires_on_every_emergency_and_seldom_otherwise(part):
    # in four parts of similar length, so that test workers (pytest -n 2) share the
    # 26,000 messages evenly (the emergencies take longest to read)
    dev = ev.load_dev()
    if part.startswith("emergencies"):
        every_other = dev["emergencies"][0 if part.endswith("1/2") else 1 :: 2]
        result = ev.score({"emergencies": every_other, "look_alikes": []})
        assert len(result.missed) == 0 and result.emergencies >= 200, [c["text"] for c in result.missed]
    else:
        calm = [c for c in dev["look_alikes"] if (c["why"] == "look-alike") == (part == "look_alikes")]
        result = ev.score({"emergencies": [], "look_alikes": calm})
        assert result.look_alikes >= 1000 and result.false_alarm_rate <= 0.01, result.alarms


def test_expected_red_flags_exist():
    ids = set(rf.rule_ids())
    expected = {c["flag"] for c in DATA["emergencies"] + DATA["emergencies_in_context"] if c["flag"]}
    assert expected <= ids, expected - ids


def test_spoken_of_dangers_get_the_when_to_go_line():
    spoken_of = [
        "什么是心肌梗死",
        "中风有什么症状",
        "我爸以前心梗过，我要不要查查心脏",
        "我外公是心梗走的，有家族史要做什么检查",
        "过敏性休克会不会要命",
        "低血糖会不会晕倒",
        "去年我爸脑梗住过院，现在恢复得挺好",
    ]
    for text in spoken_of:
        fired, mentioned, _ = rf.assess(text)
        assert not fired, text
        assert mentioned and mentioned[0].signs, text


def test_now_words_keep_the_alarm_next_to_past_and_family_words():
    for case in DATA["emergencies_in_context"]:
        assert rf.detect(case["text"]) is not None, case["text"]
    assert rf.detect("我爸现在胸口疼").id == "chest_pain_acs"
    assert rf.detect("我爸吐血了，严重吗").id == "heavy_bleeding"
    assert rf.detect("我胸口疼出冷汗，会不会要命").id == "chest_pain_acs"


def test_a_never_before_pain_is_not_a_past_one():
    assert rf.detect("突然头痛，这辈子没这么疼过").id == "thunderclap_headache"
    assert rf.detect("我姐怀孕的时候大出血过") is None
