from language.ordinals import parse_ordinal, pick


def test_picks_by_place():
    assert [parse_ordinal(t) for t in ("第一个", "看第一份", "第二份", "第3个", "约第二位医生", "最后一个")] == [
        0,
        0,
        1,
        2,
        1,
        -1,
    ]
    assert pick("第二个", ["a", "b"]) == "b"
    assert pick("第三个", ["a", "b"]) is None


def test_days_and_times_are_not_picks():
    assert [parse_ordinal(t) for t in ("第二天上午", "第二次", "第三周", "第二个礼拜", "没有")] == [None] * 5
