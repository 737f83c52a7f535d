"""Small learned text classifiers trained from the project's files on first use.

Both the department model (actions/triage/departments/model.py) and the emergency net
(safety/emergency_model.py) read characters, not words: character 1–3-grams weighted by
TF-IDF, so a dialect spelling or a typo still shares most of its features with the
wording the model learned. They train in seconds, so they need no `rasa train`: each is
trained from data/ when first needed and cached under .data/ by a hash of the files it
learns from. A restart loads it; an edit retrains it. The same files give the same model.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import os
import pickle
import re
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence

import numpy as np
from scipy.special import expit

from language.knowledge_files import load_yaml

logger = logging.getLogger(__name__)


_ENTITY_MARK = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def nlu_examples(files: Sequence[Path], intent: Optional[str] = None, exclude: Optional[str] = None) -> List[str]:
    """The examples of Rasa NLU files (`examples: |` lists), entity marks removed; only
    `intent`'s when given, none of `exclude`'s."""
    sentences: List[str] = []
    for path in files:
        for block in load_yaml(str(path)).get("nlu", []):
            name = block.get("intent")
            if not name or (intent and name != intent) or name == exclude:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    sentences.append(_ENTITY_MARK.sub(r"\1\2", line[2:]))
    return sentences


def as_read(text: str) -> str:
    """What the models learn from and score: the text as the rules and the NLU read it
    (language.symptom_lexicon.normalize: English words and pinyin as Chinese, traditional
    characters, Cantonese, typing slips, spaces between clauses), in lower case. The NLU
    hands the emergency net the text it has already read, the action server the text as
    typed; both score the same, since reading a read text changes nothing."""
    from language.symptom_lexicon import normalize

    return normalize(text).lower()


def char_ngrams(min_df: int = 1):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=as_read, min_df=min_df)


class CharNgramScorer:
    """`predict_proba` of a fitted `char_ngrams()` + linear classifier pipeline (logistic
    regression or SGD with log loss, both one-vs-rest) for one text, computed directly:
    sklearn's checks on every call cost more than the arithmetic, about 1 ms per message
    in the Rasa process for the emergency net alone. The same numbers
    (tests/unit/test_text_models.py)."""

    def __init__(self, pipeline: Any) -> None:
        vectorizer, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
        self.classes = classifier.classes_
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary = vectorizer.vocabulary_
        self._idf = vectorizer.idf_
        self._coef = classifier.coef_  # one row for two classes
        self._intercept = classifier.intercept_

    def probabilities(self, text: str) -> np.ndarray:
        counts = collections.Counter(j for j in map(self._vocabulary.get, self._analyze(text)) if j is not None)
        decision = self._intercept.astype(float)
        if counts:
            index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))  # sublinear_tf
            weights = tf * self._idf[index]
            decision = decision + self._coef[:, index] @ (weights / np.sqrt(weights @ weights))
        positive = expit(decision)
        if len(positive) == 1:
            return np.array([1.0 - positive[0], positive[0]])
        return positive / positive.sum()


def data_hash(version: str, files: Sequence[Path]) -> str:
    digest = hashlib.sha256(version.encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached(cache: Path, version: str, files: Sequence[Path], train: Callable[[], Any]) -> Any:
    """The pipeline `train()` makes, from `cache` when none of `files` changed."""
    path = cache / f"{data_hash(version, files)}.pkl"
    if path.exists():
        with path.open("rb") as handle:  # our own file, under the owner-only .data/
            return pickle.load(handle)
    pipeline = train()
    try:
        cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        for old in cache.glob("*.pkl"):
            if old != path:
                old.unlink(missing_ok=True)
        # a file of its own per process: two test workers may train the same model at once
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump(pipeline, handle)
        tmp.replace(path)
    except OSError:
        logger.warning("%s not cached (the data directory is not writable)", cache.name)
    return pipeline
