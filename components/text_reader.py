"""The NLU reads a message as the triage and the red-flag rules read it
(language.symptom_lexicon.normalize), before the tokenizer: pinyin typed instead of
characters read as characters ("xiong kou teng chu han" → 胸口疼出汗, language.pinyin),
traditional characters as simplified, Cantonese as Mandarin, and common slips of voice
and pinyin input fixed ("雪糖高" → 血糖高). The tracker keeps what the patient typed."""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.stateless import StatelessComponent
from language.symptom_lexicon import normalize


# A featurizer to Rasa's recipe only so that it runs before the tokenizer, at training
# and at prediction alike; it adds no features.
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextReader(StatelessComponent):
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
