"""The one spaCy pipeline for Chinese text: spaCy's Chinese language, jieba segmentation,
and the hospital's medical user dictionary (data/lexicon/*.txt, built by language/lexicon.py)
so that department, symptom and test names come out as single tokens.

Both the Rasa tokenizer component and the action server use `get_nlp()`, so NLU
training data and symptom matching see the same tokens.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Iterable, List

import jieba
import spacy
from spacy.language import Language

from language.knowledge_files import LEXICON_DIR

logger = logging.getLogger(__name__)

jieba.setLogLevel(logging.WARNING)


def lexicon_files(directory: Path = LEXICON_DIR) -> List[Path]:
    return sorted(directory.glob("*.txt")) if directory.is_dir() else []


def read_words(paths: Iterable[Path]) -> List[str]:
    """Words of jieba user-dictionary files: one entry a line, `word [freq] [tag]`."""
    words = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.append(line.split()[0])
    return words


def add_words(words: Iterable[str]) -> None:
    """Teach jieba words that must stay whole. jieba's dictionary is process-global,
    which is what we want: every spaCy Chinese tokenizer in the process shares it."""
    for word in words:
        # A high frequency makes jieba keep the word whole instead of splitting it.
        jieba.add_word(word, freq=200000)


@functools.lru_cache(maxsize=None)
def get_nlp() -> Language:
    """spaCy's Chinese pipeline with jieba and the medical dictionary (built once)."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    words = read_words(lexicon_files())
    add_words(words)
    logger.debug("Chinese pipeline ready with %d dictionary words", len(words))
    return nlp


def tokenize(text: str) -> List[str]:
    return [token.text for token in get_nlp().make_doc(text)]
