"""Rasa tokenizer backed by spaCy's Chinese language (jieba segmentation) and the
hospital's medical dictionary, so NLU and the action server segment text alike.

The dictionary words are copied into the trained model, so a model keeps tokenising
the way it was trained even if data/lexicon changes later; the fingerprint includes
the dictionary, so changing it retrains.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from language import zh_nlp

WORDS_FILE = "words.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SpacyJiebaTokenizer(Tokenizer):
    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["zh"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        digest = hashlib.sha256()
        for path in zh_nlp.lexicon_files():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        words: List[str],
    ) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self._words = words
        self._nlp = zh_nlp.get_nlp()
        zh_nlp.add_words(words)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SpacyJiebaTokenizer":
        words = zh_nlp.read_words(zh_nlp.lexicon_files())
        return cls(config, model_storage, resource, words)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SpacyJiebaTokenizer":
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / WORDS_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            words = zh_nlp.read_words(zh_nlp.lexicon_files())
        return cls(config, model_storage, resource, words)

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / WORDS_FILE).write_text(json.dumps(self._words, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        tokens = [Token(token.text, token.idx) for token in self._nlp.make_doc(text) if not token.is_space]
        return self._apply_token_pattern(tokens)
