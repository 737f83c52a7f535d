"""Departments and number types are closed lists (data/hospital/departments.yml, the
three number types), so this component finds them in the text instead of DIET learning
them: the same answer on every machine, nothing to train (DIET trains without entity
recognition, several times faster), and a new department alias works without retraining
the classifiers. It reads the words the booking form reads (actions/common.py,
actions/booking.py): every department name and alias, and each number type with or
without its 号 ("要专家的").

The training data's convention is kept: a FAQ question carries no entities ("专家号几点
放号" asks about the rules, not for a 专家号), so nothing is extracted when the intent is
one of `ignore_intents`; the component runs after the intent classifier.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.stateless import StatelessComponent
from language.catalogue_entities import DEPARTMENTS_FILE, find_entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CatalogueEntityExtractor(StatelessComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"ignore_intents": ["faq"]}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # Editing the department catalogue must rebuild the model.
        return hashlib.sha256(DEPARTMENTS_FILE.read_bytes()).hexdigest()

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._ignore_intents = set(config.get("ignore_intents") or ())

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not text or intent in self._ignore_intents:
                continue
            entities = find_entities(text)
            if entities:
                message.set(ENTITIES, (message.get(ENTITIES) or []) + entities, add_to_output=True)
        return messages
