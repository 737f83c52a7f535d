"""The linear intent classifier and FAQ selector write what Rasa's own components
write, from the pipeline's sentence features, and learn the same model every time."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components import linear_classifiers
from components.linear_classifiers import LinearIntentClassifier, LinearModel, LinearResponseSelector

VOCABULARY = ["挂号", "预约", "报告", "结果", "医保", "报销", "你好"]


def message(text: str, **data) -> Message:
    row = np.array([[float(word in text) for word in VOCABULARY]])
    msg = Message(data={"text": text, **data})
    msg.add_features(Features(scipy.sparse.coo_matrix(row), "sentence", "text", "CountVectorsFeaturizer"))
    return msg


def training_data() -> TrainingData:
    examples = []
    for i in range(6):
        examples.append(message(f"我想挂号预约{i}", intent="book"))
        examples.append(message(f"报告结果出来没{i}", intent="report"))
        examples.append(message(f"医保能报销吗{i}", intent="faq", intent_response_key="faq/insurance"))
        examples.append(message(f"你好呀挂号{i}", intent="faq", intent_response_key="faq/hello"))
    return TrainingData(examples, responses={"utter_faq/insurance": [{"text": "可以"}]})


def trained(cls, tmp_path, name, **config):
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(graph_schema=None, model_id="m")  # type: ignore[arg-type]
    component = cls.create({**cls.get_default_config(), **config}, storage, Resource(name), context)
    component.train(training_data())
    return cls.load({**cls.get_default_config(), **config}, storage, Resource(name), context)


def test_intents_are_ranked_with_probabilities(tmp_path):
    classifier = trained(LinearIntentClassifier, tmp_path, "intents", folds=3)
    [parsed] = classifier.process([message("医保怎么报销")])
    intent, ranking = parsed.get("intent"), parsed.get("intent_ranking")
    assert intent["name"] == "faq"
    assert [r["name"] for r in ranking][0] == "faq"
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert intent["confidence"] > ranking[1]["confidence"]


def test_faq_answers_are_written_like_the_response_selector_writes_them(tmp_path):
    selector = trained(LinearResponseSelector, tmp_path, "faq", folds=3, retrieval_intent="faq")
    [parsed] = selector.process([message("医保报销")])
    selected = parsed.get("response_selector")
    assert selected["all_retrieval_intents"] == ["faq"]
    response = selected["faq"]["response"]
    assert response["intent_response_key"] == "faq/insurance"
    assert response["utter_action"] == "utter_faq/insurance"
    assert response["responses"] == [{"text": "可以"}]
    assert selected["faq"]["ranking"][0]["intent_response_key"] == "faq/insurance"


def test_training_twice_gives_the_same_model(tmp_path):
    first = trained(LinearIntentClassifier, tmp_path / "a", "intents", folds=3)
    second = trained(LinearIntentClassifier, tmp_path / "b", "intents", folds=3)
    text = message("预约挂号的报告")
    assert first.process([text])[0].get("intent_ranking") == second.process([message("预约挂号的报告")])[0].get(
        "intent_ranking"
    )


def test_an_untrained_model_predicts_nothing_instead_of_failing(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(graph_schema=None, model_id="m")  # type: ignore[arg-type]
    classifier = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("none"), context
    )
    [parsed] = classifier.process([message("你好")])
    assert parsed.get("intent") == {"name": None, "confidence": 0.0}


def test_a_messages_features_are_combined_once_for_both_classifiers(tmp_path, monkeypatch):
    intents = trained(LinearIntentClassifier, tmp_path / "i", "intents")
    answers = trained(LinearResponseSelector, tmp_path / "r", "answers", retrieval_intent="faq")
    msg = message("医保能报销吗")
    calls = []
    original = linear_classifiers._sentence_row
    monkeypatch.setattr(linear_classifiers, "_sentence_row", lambda m: calls.append(m) or original(m))
    answers.process(intents.process([msg]))
    assert calls == [msg]
    assert msg.get("intent")["name"] == "faq"
    assert msg.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/insurance"
    other = message("报告结果出来没")
    intents.process([other])
    assert calls == [msg, other] and other.get("intent")["name"] == "report"


@pytest.mark.parametrize("classes", [2, 5])
def test_the_direct_probabilities_are_sklearns(classes):
    rng = np.random.default_rng(0)
    rows = [scipy.sparse.random(1, 40, density=0.2, format="csr", random_state=i) for i in range(60)]
    labels = [str(i % classes) for i in range(60)]
    model = LinearModel.fit(rows, labels, c=1.0, folds=3)
    for row in rows + [scipy.sparse.csr_matrix((1, 40)), scipy.sparse.csr_matrix(rng.random((1, 40)))]:
        assert np.allclose(model.probabilities(row), model.estimator.predict_proba(row)[0], rtol=0, atol=1e-12)


def test_the_sentence_row_is_what_rasa_combines():
    msg = Message(data={"text": "挂号"})
    rng = np.random.default_rng(1)
    for origin, width in (("CountVectorsFeaturizer", 7), ("RegexFeaturizer", 3), ("LexicalSyntacticFeaturizer", 5)):
        sentence = scipy.sparse.random(1, width, density=0.5, format="coo", random_state=width)
        msg.add_features(Features(sentence, "sentence", "text", origin))
        msg.add_features(Features(scipy.sparse.coo_matrix(rng.random((2, width))), "sequence", "text", origin))
    _, combined = msg.get_sparse_features("text")
    assert (linear_classifiers._sentence_row(msg).toarray() == combined.features.toarray()).all()
    assert linear_classifiers._sentence_row(Message(data={"text": "挂号"})) is None
