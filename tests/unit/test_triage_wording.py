"""The triage wording in data/triage/wording.yml: every placeholder is one the engine
fills, the word lists are read, and the engine's replies use the file's words."""

from __future__ import annotations

import string

from actions.triage import flow
from actions.triage import state as triage_state
from actions.triage.form import book_request
from actions.triage.wording import wording, words

# The placeholders the engine fills in, per template.
PLACEHOLDERS = {
    ("unresolved", "advice"): {"desk"},
    ("reason", "emergency"): {"title"},
    ("reason", "mentioned"): {"names"},
    ("advice", "fever_clinic"): {"hours"},
    ("advice", "emergency"): {"emergency"},
    ("advice", "today"): {"department", "hours", "emergency"},
    ("advice", "self_care"): {"department", "return_if"},
    ("advice", "routine"): {"department", "window_days"},
    ("book_request",): {"department"},
    ("pointer",): {"term", "department"},
    ("book_button",): {"department"},
    ("question_again",): {"question"},
    ("reassure", "routine"): {"department"},
    ("reassure", "today"): {"department"},
}


def _templates(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _templates(value, path + (key,))
    elif isinstance(node, str):
        yield path, node


def test_every_placeholder_is_one_the_engine_fills():
    for path, text in _templates(dict(wording())):
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        assert names == PLACEHOLDERS.get(path, set()), path


def test_fever_words_tell_a_high_from_a_low_fever():
    assert words("fever", "high").search("发高烧两天") and words("fever", "low").search("有点烧")
    high = flow.update(triage_state.start(), "孩子发高烧了")
    low = flow.update(triage_state.start(), "有点烧，咳嗽")
    assert high["facts"]["high_fever"] is True and low["facts"]["high_fever"] is False


def test_the_engine_speaks_with_the_words_of_the_file():
    step = flow.next_step(triage_state.start())
    assert step.text == wording()["clarify"]["first"] and [b["title"] for b in step.buttons] == list(
        wording()["clarify"]["examples"]
    )
    state, _ = flow.advance(triage_state.start())
    state = flow.update(state, "嗯")
    state, _ = flow.advance(state)
    state = flow.update(state, "嗯")
    outcome = flow.next_step(state)
    assert outcome.department is None and outcome.reason == wording()["unresolved"]["reason"]
    assert outcome.note == wording()["note"]
    assert book_request("皮肤科") == "帮我预约皮肤科"
