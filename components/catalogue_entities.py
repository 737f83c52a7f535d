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

import functools
import hashlib
import re
from typing import Any, Dict, List, Optional, Pattern, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from hospital.config import HOSPITAL_DATA_DIR
from hospital.interface import NUMBER_TYPES
from hospital.reference import load_departments
from components.stateless import StatelessComponent

DEPARTMENTS_FILE = HOSPITAL_DATA_DIR / "departments.yml"


def catalogue_words() -> Dict[str, Tuple[str, str]]:
    """Every word this component recognises: word -> (entity, value)."""
    words: Dict[str, Tuple[str, str]] = {}
    for department in load_departments(DEPARTMENTS_FILE):
        for name in (department.name, *department.aliases):
            words[name] = ("department", department.name)
    for number_type in NUMBER_TYPES:
        for word in (number_type, number_type.rstrip("号")):
            words[word] = ("number_type", number_type)
    return words


@functools.lru_cache(maxsize=1)
def _matcher() -> Tuple[Pattern[str], Dict[str, Tuple[str, str]]]:
    words = catalogue_words()
    # Longest first: at each position the regex takes the first alternative that matches.
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    return pattern, words


def find_entities(text: str) -> List[Dict[str, Any]]:
    pattern, words = _matcher()
    found = []
    for match in pattern.finditer(text):
        entity, value = words[match.group()]
        found.append(
            {
                "entity": entity,
                "value": value,
                "start": match.start(),
                "end": match.end(),
                "extractor": CatalogueEntityExtractor.__name__,
            }
        )
    return found


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
