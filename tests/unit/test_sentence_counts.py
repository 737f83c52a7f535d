"""The featurizer that makes sentence features only gives the sentence features Rasa's
CountVectorsFeaturizer gives, trained on the same data."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.sentence_counts import SentenceCountVectorsFeaturizer
from components.zh_tokenizer import SpacyJiebaTokenizer

TRAINING = ["我头疼两天了", "帮我挂明天的号", "医保卡丢了怎么办", "报告出来了吗"]
NEW = ["我头疼想挂号", "没见过的词", "报告"]


def featurized(cls, tmp_path, config):
    context = ExecutionContext({}, cls.__name__)
    featurizer = cls.create(
        {**cls.get_default_config(), **config}, LocalModelStorage(tmp_path), Resource(cls.__name__), context
    )
    tokenizer = SpacyJiebaTokenizer.create(
        SpacyJiebaTokenizer.get_default_config(), LocalModelStorage(tmp_path), Resource("tokenizer"), context
    )
    data = TrainingData([Message(data={"text": t, "intent": "x"}) for t in TRAINING])
    tokenizer.process_training_data(data)
    featurizer.train(data)
    messages = [Message(data={"text": t}) for t in NEW]
    tokenizer.process(messages)
    return featurizer.process(messages)


@pytest.mark.parametrize("config", [{}, {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3}])
def test_the_sentence_features_are_rasas_and_no_sequence_features_are_made(tmp_path, config):
    ours = featurized(SentenceCountVectorsFeaturizer, tmp_path, config)
    rasas = featurized(CountVectorsFeaturizer, tmp_path, config)
    for mine, theirs in zip(ours, rasas):
        sentence = [f for f in mine.features if f.type == "sentence"]
        expected = [f for f in theirs.features if f.type == "sentence" and f.attribute == "text"]
        assert len(sentence) == len(expected) == 1
        assert (sentence[0].features != expected[0].features).nnz == 0
        assert not [f for f in mine.features if f.type == "sequence"]
