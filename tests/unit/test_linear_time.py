"""Red-flag and symptom matching run on every message, on the Rasa server's event loop:
their time must grow linearly with the length of the text, whatever the text. Each
case times a text and one eight times longer (best of a few runs, CPU time): linear
is about 8x, quadratic about 64x; the bound leaves room for a busy machine. Ratios,
not absolute times, are asserted, so a slow machine does not fail them."""

from __future__ import annotations

import time

import pytest

from language import symptoms
from safety import red_flags

SHORT, LONG, BOUND = 1_000, 8_000, 24

# Texts that made a pass quadratic (or worse) before: no punctuation, so one clause;
# long runs of digits or Chinese numerals; symptom after symptom.
TEXTS = {
    "one character": "我",
    "symptoms without punctuation": "头疼发烧咳嗽胸口疼嗓子有点疼",
    "an emergency over and over": "我爸突然胸口剧痛，喘不上气，满头大汗",
    "digits": "1",
    "Chinese numerals": "一",
    "negated history": "没有高血压",
    "a whole consultation": "我头晕，手脚发麻两天了，嗓子疼，咳嗽，发烧三天。上个月晕倒过一次，现在好了。",
}


def _cpu_seconds(text: str) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.process_time()
        red_flags.detect(text)  # runs symptoms.extract too
        best = min(best, time.process_time() - started)
    return max(best, 1e-4)


def _repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


@pytest.fixture(scope="module", autouse=True)
def _warm():
    red_flags.detect("胸口疼，发烧")


@pytest.mark.parametrize("name", TEXTS)
def test_matching_time_grows_linearly_with_the_text(name):
    short = _cpu_seconds(_repeat(TEXTS[name], SHORT))
    long = _cpu_seconds(_repeat(TEXTS[name], LONG))
    assert long / short < BOUND, f"{name}: {short * 1000:.0f} ms → {long * 1000:.0f} ms"


def test_negation_words_cannot_backtrack_exponentially():
    # "(?:有|过|有过|…)*" as a regular expression took twice as long for every "有过"
    # more (22 of them: seconds; 40: days) when the words did not end in filler.
    def seconds(repeats: int) -> float:
        text = "没有" + "有过" * repeats + "x胸痛"
        started = time.process_time()
        for _ in range(20):
            symptoms.is_negated(text)
        return max(time.process_time() - started, 1e-4)

    assert seconds(22) / seconds(11) < BOUND
    assert symptoms.is_negated("没有" + "有过" * 200)
    assert not symptoms.is_negated("没有" + "有过" * 200 + "x")


def test_reading_around_a_phrase_stops_at_its_clause_or_context_window():
    # A negation further away than CONTEXT_CHARS in one endless clause is not read…
    far = "没有" + "的" * (symptoms.CONTEXT_CHARS + 10) + "发烧"
    assert symptoms.assertion(far, len(far) - 2, len(far), symptoms.clause_spans(far)) == symptoms.PRESENT
    # …one within it is.
    close = "没有" + "的" * 10 + "发烧"
    assert symptoms.assertion(close, len(close) - 2, len(close), symptoms.clause_spans(close)) == symptoms.ABSENT


def test_a_run_of_digits_or_numerals_longer_than_any_quantity_is_cut_when_read():
    # Rules that count ("\d+个小时") would try every position of such a run to its end.
    from language.symptom_lexicon import normalize

    assert normalize("1" * 30) == "1" * 12
    assert normalize("一" * 30) == "一" * 8
    assert normalize("发烧三十九度五，电话13812345678，血糖12.5") == "发烧三十九度五，电话13812345678，血糖12.5"
