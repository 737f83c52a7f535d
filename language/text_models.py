"""Small learned text classifiers trained from the project's files on first use.

Both the department model (actions/triage/departments/model.py) and the emergency net
(safety/emergency_model.py) read characters, not words: character 1–3-grams weighted by
TF-IDF, so a dialect spelling or a typo still shares most of its features with the
wording the model learned. They train in seconds, so they need no `rasa train`: each is
trained from data/ when first needed and cached under .data/ by a hash of the files it
learns from. A restart loads it; an edit retrains it. The same files give the same model.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence

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


def char_ngrams():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=True)


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
            old.unlink()
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(pipeline, handle)
        tmp.replace(path)
    except OSError:
        logger.warning("%s not cached (the data directory is not writable)", cache.name)
    return pipeline
