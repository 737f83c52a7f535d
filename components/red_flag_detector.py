"""Red flags win over everything. This component runs last in the NLU pipeline and,
when the text itself describes a red-flag emergency (safety/red_flags.py decides: not
negated, not a resolved past event, not a look-alike such as "急诊在哪"), makes `emergency` the intent with
full confidence and names the red flag in a `red_flag` entity. It does not depend
on what the intent classifier guessed, so a rare wording or a message in the middle
of a booking still reaches the emergency rule first.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from safety import red_flags
from safety.red_flags import EMERGENCY_INTENT, RED_FLAGS_FILE
from components.stateless import StatelessComponent

ENTITY = "red_flag"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagDetector(StatelessComponent):
    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # Editing the red-flag knowledge must retrain (rebuild) the model.
        return hashlib.sha256(RED_FLAGS_FILE.read_bytes()).hexdigest()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            flag = red_flags.detect(text) if text else None
            if flag is not None:
                self._mark(message, flag.id)
        return messages

    @staticmethod
    def _mark(message: Message, flag_id: str) -> None:
        emergency = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) != EMERGENCY_INTENT
        ]
        message.set(INTENT, emergency, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [emergency] + ranking, add_to_output=True)
        text = message.get(TEXT)
        entity = {
            "entity": ENTITY,
            "value": flag_id,
            "start": 0,
            "end": len(text),
            "extractor": RedFlagDetector.__name__,
        }
        message.set(ENTITIES, (message.get(ENTITIES) or []) + [entity], add_to_output=True)
