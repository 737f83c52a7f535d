"""The NLU reads a message as the triage and the red-flag rules read it
(language.symptom_lexicon.normalize), before the tokenizer: pinyin typed instead of
characters read as characters ("xiong kou teng chu han" → 胸口疼出汗, language.pinyin),
English words as Chinese ("cough 很久" → 咳嗽很久, language.english),
traditional characters as simplified, Cantonese as Mandarin, and common slips of voice
and pinyin input fixed ("雪糖高" → 血糖高). The tracker keeps what the patient typed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.stateless import StatelessComponent
from language.knowledge_files import KNOWLEDGE_DIR, LANGUAGE_DIR, LEXICON_DIR, PROJECT_ROOT
from language.symptom_lexicon import normalize

# What the reading depends on besides the training data, so that Rasa retrains when it
# changes: the tables (english.yml, the typos of symptoms.yml, the medical dictionary and
# the designers' phrases pinyin is read by) and the readers themselves.
READING_SOURCES = ("language/english.py", "language/pinyin.py", "language/symptom_lexicon.py")


# A featurizer to Rasa's recipe only so that it runs before the tokenizer, at training
# and at prediction alike; it adds no features.
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextReader(StatelessComponent):
    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        files: List[Path] = [PROJECT_ROOT / name for name in READING_SOURCES]
        for directory, pattern in ((LANGUAGE_DIR, "*.yml"), (KNOWLEDGE_DIR, "*.yml"), (LEXICON_DIR, "*.txt")):
            files += sorted(directory.glob(pattern))
        files += sorted((PROJECT_ROOT / "data" / "triage").glob("*.yml"))
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and text and not message.get(ENTITIES):  # offsets stay valid
                read = normalize(text)
                if read and read != text:
                    message.set(TEXT, read)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
