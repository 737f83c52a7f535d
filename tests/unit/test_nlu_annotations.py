"""Every entity annotated in the training data and the held-out test set starts and
ends on a token boundary of the tokenizer the model uses. Rasa only warns
("Misaligned entity annotation") and then learns a wrong span; here it fails."""
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from actions.lang.zh_nlp import get_nlp

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
        f"{text[e['start']:e['end']]}({e['entity']}) in {text!r}: tokens {[t.text for t in doc]}"
        for e in message.get("entities")
        if e["start"] not in starts or e["end"] not in ends
    ]


def test_there_are_annotated_examples():
    assert sum(1 for _ in annotated_examples()) > 100


def test_entity_annotations_align_with_tokens():
    problems = [p for message in annotated_examples() for p in misaligned(message)]
    assert not problems, "\n".join(problems)
