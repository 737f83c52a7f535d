"""The small learned models' cache: trained once, loaded after, retrained when a file they learn from changes."""

from __future__ import annotations

from language import text_models


def test_a_model_is_trained_once_loaded_from_the_cache_and_retrained_after_an_edit(tmp_path):
    source = tmp_path / "examples.yml"
    source.write_text("a", encoding="utf-8")
    cache = tmp_path / "cache"
    trained = []

    def train():
        trained.append(source.read_text(encoding="utf-8"))
        return {"learned": trained[-1]}

    assert text_models.cached(cache, "1", [source], train) == {"learned": "a"}
    assert text_models.cached(cache, "1", [source], train) == {"learned": "a"}
    assert trained == ["a"]
    assert [f.stem for f in cache.glob("*.pkl")] == [text_models.data_hash("1", [source])]
    source.write_text("b", encoding="utf-8")
    assert text_models.cached(cache, "1", [source], train) == {"learned": "b"}
    assert trained == ["a", "b"] and len(list(cache.glob("*.pkl"))) == 1  # the old one removed
    assert text_models.cached(cache, "2", [source], train) == {"learned": "b"}  # a new version retrains
    assert trained == ["a", "b", "b"]


def test_nlu_examples_drop_entity_marks_and_filter_by_intent(tmp_path):
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        'version: "3.1"\nnlu:\n- intent: book\n  examples: |\n    - 挂[眼科](department)\n'
        "- intent: greet\n  examples: |\n    - 你好\n",
        encoding="utf-8",
    )
    assert text_models.nlu_examples([nlu]) == ["挂眼科", "你好"]
    assert text_models.nlu_examples([nlu], intent="greet") == ["你好"]
    assert text_models.nlu_examples([nlu], exclude="greet") == ["挂眼科"]


def test_the_direct_scorer_gives_sklearns_probabilities():
    import numpy as np
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.pipeline import make_pipeline

    texts = ["胸口疼出冷汗", "嗓子疼咳嗽", "孩子发烧39度", "挂号怎么挂", "我爸突然说话不清楚", "皮肤痒起疹子"] * 3
    binary = [1, 0, 0, 0, 1, 0] * 3
    several = ["急诊", "呼吸", "儿科", "none", "急诊", "皮肤"] * 3
    unseen = ["胸口疼", "Ｘ光片", "", "孩子咳嗽发烧，嗓子疼！", "qwerty 123", "说话不清楚 嘴歪了 冷汗"]
    for classifier, labels in (
        (LogisticRegression(solver="liblinear"), binary),
        (SGDClassifier(loss="log_loss", max_iter=20, tol=None, random_state=0), several),
    ):
        pipeline = make_pipeline(text_models.char_ngrams(), classifier).fit(texts, labels)
        scorer = text_models.CharNgramScorer(pipeline)
        assert list(scorer.classes) == list(pipeline.classes_)
        for text in texts + unseen:
            assert np.allclose(scorer.probabilities(text), pipeline.predict_proba([text])[0], rtol=0, atol=1e-12), text
