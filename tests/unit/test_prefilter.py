"""The character screen that skips expressions a text cannot match: it may let through
what does not match, never hold back what does."""

import re

import pytest

from language import prefilter
from safety import red_flags as rf
from scripts import eval_red_flags as ev


@pytest.mark.parametrize(
    "pattern, needs",
    [
        ("胸口疼", [{"胸"}, {"口"}, {"疼"}]),
        ("胸.{0,3}(疼|痛)", [{"胸"}, {"疼", "痛"}]),
        ("(?:很)?疼", [{"疼"}]),
        ("(?:左|右)?[腿脚]麻", [{"腿", "脚"}, {"麻"}]),
        ("((?:左|右)?腿)麻", [{"左", "右", "腿"}, {"麻"}]),
        ("(?<!不)疼(?!过)", [{"疼"}]),
        ("^晕倒$", [{"晕"}, {"倒"}]),
        ("[0-9]+度", [set("0123456789"), {"度"}]),
        ("(疼|)死", [{"死"}]),
        ("(疼)\\1", [{"疼"}]),
    ],
)
def test_what_an_expression_cannot_match_without(pattern, needs):
    assert [set(n) for n in prefilter.needed_chars(re.compile(pattern))] == needs


@pytest.mark.parametrize("pattern", [".疼", "[^不]疼", "\\w+疼", "(?i)ct", "(?:a|.)b", "[\u4e00-\u9fff]疼", ""])
def test_what_it_cannot_read_it_does_not_screen(pattern):
    needs = prefilter.needed_chars(re.compile(pattern))
    # a leading item it cannot read is not screened; what follows it still is
    assert all(len(need) < 300 for need in needs)
    assert prefilter.could_match(needs, set("疼b")) or not re.search(pattern, "疼b")


def test_the_screen_never_holds_back_a_match_of_the_red_flag_rules():
    data = ev.load_set()
    texts = [case["text"] for key in ("emergencies", "look_alikes") for case in data[key][:150]]
    regexes = [g for rule in rf._rules() for combo in rule.combos for g in combo.groups + combo.history]
    regexes += [u for rule in rf._rules() for u in rule.unless]
    screen = prefilter.Screen(regexes)
    for text in texts:
        chars = set(text)
        found = screen.matching(text, chars)
        assert found == {i for i, regex in enumerate(regexes) if regex.search(text)}, text


def test_an_index_gives_every_position_that_could_match():
    index = prefilter.Index([(frozenset("胸"), frozenset("疼痛")), (), (frozenset("头"),)])
    assert index.possible(set("胸口疼")) == {0, 1}
    assert index.possible(set("头晕")) == {1, 2}
    assert index.possible(set("胸闷")) == {1}
