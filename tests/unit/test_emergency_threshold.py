"""The tool that derives the emergency net's threshold (scripts/emergency_threshold.py)."""

from scripts import emergency_threshold as et


def test_cases_belong_to_the_round_comment_above_them(tmp_path):
    path = tmp_path / "emergencies.yml"
    path.write_text(
        "cases:\n"
        "  - text: 第一条\n"
        "  # round 4 (2026-12-03, helper 5): two\n"
        "  - text: 第二条\n"
        "  - text: '第三条: 带冒号'\n"
        "    also: [儿科]\n"
        "  # round 12 (2026-12-04, helper 9): one\n"
        "  - text: 第四条\n",
        encoding="utf-8",
    )
    assert et.rounds_of(path) == [(0, "第一条"), (4, "第二条"), (4, "第三条: 带冒号"), (12, "第四条")]


def test_every_development_case_is_read_with_its_round():
    dev = et.development_set()
    assert set(dev) == {"emergencies", "lookalikes", "departments"}
    for cases in dev.values():
        rounds = [r for r, _ in cases]
        assert rounds == sorted(rounds) and max(rounds) >= 80


def test_the_threshold_is_the_lowest_that_keeps_false_alarms_at_half_a_percent():
    calm = [0.0] * 990 + [0.95] * 5 + [0.70] * 5
    assert et.threshold(calm) == 0.71  # at 0.70 ten alarms (1 %), from 0.71 five (0.5 %)
    assert et.threshold([0.99] * 10) is None
