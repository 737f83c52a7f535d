"""Training data hygiene. Every entity annotated in the training data and the held-out test set starts and
ends on a token boundary of the tokenizer the model uses. Rasa only warns
("Misaligned entity annotation") and then learns a wrong span; here it fails."""

import re
from collections import defaultdict
from difflib import SequenceMatcher
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from language.zh_nlp import get_nlp

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "data" / "nlu", ROOT / "tests" / "nlu"]


def annotated_examples():
    for source in SOURCES:
        for message in load_data(str(source)).nlu_examples:
            if message.get("entities"):
                yield message


def misaligned(message) -> list:
    text = message.get("text")
    doc = get_nlp().make_doc(text)
    starts = {token.idx for token in doc}
    ends = {token.idx + len(token.text) for token in doc}
    return [
        f"{text[e['start'] : e['end']]}({e['entity']}) in {text!r}: tokens {[t.text for t in doc]}"
        for e in message.get("entities")
        if e["start"] not in starts or e["end"] not in ends
    ]


def test_there_are_annotated_examples():
    assert sum(1 for _ in annotated_examples()) > 100


def test_entity_annotations_align_with_tokens():
    problems = [p for message in annotated_examples() for p in misaligned(message)]
    assert not problems, "\n".join(problems)


def normalised(text: str) -> str:
    return re.sub(r"[\s，。？！,.?!~、：:；;“”\"'…]+", "", text).lower()


def similar(a: str, b: str) -> bool:
    matcher = SequenceMatcher(None, a, b)  # the quick upper bounds first: ratio() is slow
    return matcher.real_quick_ratio() >= 0.9 and matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9


def test_held_out_examples_are_not_training_examples():
    """The held-out set measures generalisation only if none of it was trained on:
    no held-out example may appear in data/nlu, nor a near copy of a longer one, nor
    inside a training example of the same intent (less its final particles)."""
    by_length, by_intent = defaultdict(set), defaultdict(set)
    for m in load_data(str(SOURCES[0])).nlu_examples:
        text = normalised(m.get("text"))
        by_length[len(text)].add(text)
        by_intent[m.get("intent")].add(text)
    copied = []
    for message in load_data(str(SOURCES[1])).nlu_examples:
        text = normalised(message.get("text"))
        core = re.sub(r"[吧啊呀呢嘛哈了的啦哦]+$", "", text)
        if text in by_length[len(text)]:
            copied.append(message.get("text"))
            continue
        near = (
            {t for n in range(len(text) - 3, len(text) + 4) for t in by_length[n] if similar(text, t)}
            if len(text) >= 8
            else set()
        )
        inside = {t for t in by_intent[message.get("intent")] if core in t} if len(core) >= 4 else set()
        copied += [f"{message.get('text')} ~ {t}" for t in near | inside]
    assert not copied, "\n".join(copied)


def test_held_out_set_is_a_fifth_of_the_training_set():
    """Issue 2: the held-out set is at least 20% of the training set's size."""
    training = len(load_data(str(SOURCES[0])).intent_examples)
    held_out = len(load_data(str(SOURCES[1])).intent_examples)
    assert held_out >= 0.2 * training, f"{held_out} held-out examples for {training} training examples"
