"""A message with no words at all (only emoji, punctuation or symbols) carries nothing
the classifier could have learned from, yet DIET still names an intent, often with
high confidence ("。。。" as booking, "🙂🙂" as yes). This component runs after the
classifiers and makes such a message `nlu_fallback`, so the patient is told kindly
that 小安 did not understand, with the menu and a person one tap away.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from language.words import has_words
from components.stateless import StatelessComponent

FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NoWordsFallback(StatelessComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and text.strip() and not has_words(text):
                message.set(
                    INTENT, {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True
                )
        return messages
