"""Every message is read up to its first MAX_CHARS characters, whatever way it came
in (a channel, the HTTP API's /model/parse, a test). It runs first in the NLU
pipeline, so the tokenizer, DIET (whose attention grows with the square of the number
of tokens) and the red-flag and symptom matchers never see more: a 20,000-character
message once kept the server busy for minutes and took 12 GB. The channels
(channels/limits.py) cut at the same length and tell the patient.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.stateless import StatelessComponent

MAX_CHARS = 1000


def cap(text: str) -> str:
    return text[:MAX_CHARS] if isinstance(text, str) else text


# A featurizer to Rasa's recipe only so that it runs before the tokenizer, at training
# and at prediction alike; it adds no features.
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class InputLimit(StatelessComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and len(text) > MAX_CHARS:
                message.set(TEXT, cap(text))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
