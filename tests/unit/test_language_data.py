"""The word lists and patterns of data/language/*.yml: every entry loads and compiles,
names are unique across the files, lists and ${references} expand as documented, and
every entry is used by the code."""

import pathlib
import re

import pytest
import yaml

from language import knowledge_files
from language.knowledge_files import LANGUAGE_DIR, language_data, pattern, regex

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_pattern_compiles():
    data = language_data()
    assert len(data) > 60
    for name, value in data.items():
        if isinstance(value, (list, str)) and not (isinstance(value, list) and value and isinstance(value[0], dict)):
            regex(name)


def test_every_entry_is_used_by_the_code():
    code = "".join(
        p.read_text(encoding="utf-8")
        for folder in ("language", "actions", "safety")
        for p in (ROOT / folder).rglob("*.py")
    )
    yml = "".join(p.read_text(encoding="utf-8") for p in LANGUAGE_DIR.glob("*.yml"))
    for name in language_data():
        assert f'"{name}"' in code or f"'{name}'" in code or "${" + name + "}" in yml, name


def test_a_list_is_an_alternation_and_references_expand(tmp_path, monkeypatch):
    (tmp_path / "a.yml").write_text(
        yaml.safe_dump(
            {"words": ["头疼", "头痛"], "numerals": "一二三", "both": "(?:${words})[${numerals}]天"}, allow_unicode=True
        ),
        encoding="utf-8",
    )
    read = knowledge_files.language_data.__wrapped__  # uncached
    monkeypatch.setattr(knowledge_files, "language_data", lambda: read(tmp_path))
    assert pattern("words") == "头疼|头痛"
    assert pattern("both") == "(?:头疼|头痛)[一二三]天"
    assert re.fullmatch(pattern("both"), "头痛三天")


def test_a_name_defined_twice_is_an_error(tmp_path):
    (tmp_path / "a.yml").write_text("x: [一]\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("x: [二]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="x is defined twice"):
        knowledge_files.language_data.__wrapped__(tmp_path)


def test_duration_words_have_days():
    for entry in language_data()["duration_words"]:
        re.compile(entry["pattern"])
        assert float(entry["days"]) > 0
