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
