"""A message typed in pinyin is read as Chinese characters (language.pinyin) before the
tokenizer, so the intent classifiers, the entity extractor and the red-flag rules read
"xiong kou teng chu han" as 胸口疼出汗. The actions read the patient's words through the
same function (language.symptom_lexicon.normalize)."""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.stateless import StatelessComponent
from language.pinyin import read_pinyin


# A featurizer to Rasa's recipe only so that it runs before the tokenizer, at training
# and at prediction alike; it adds no features.
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class PinyinReader(StatelessComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and not message.get(ENTITIES):  # offsets stay valid
                read = read_pinyin(text)
                if read != text:
                    message.set(TEXT, read)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
