"""English words typed in a Chinese message (language/english.py, data/language/english.yml),
read as Chinese by the NLU (components/text_reader.py) and by everything that reads the
patient's words through language.symptom_lexicon.normalize."""

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.text_reader import TextReader
from language.english import read_english
from language.knowledge_files import words
from language.pinyin import syllables
from language.symptom_lexicon import normalize
from safety import red_flags as rf
from scripts.eval_departments import play


@pytest.mark.parametrize(
    "typed, read",
    [
        ("I have fever 38.5", "我有 发烧 38.5"),
        ("cough 很久", "咳嗽 很久"),
        ("my wife pregnant 3 months", "我老婆 怀孕 3个月"),
        ("Stomach  Ache 2 days", "肚子疼 2天"),
        ("chest pain", "胸痛"),  # the longer entry wins over "pain"
        ("ER在哪", "急诊在哪"),
    ],
)
def test_english_words_are_read_as_chinese(typed, read):
    assert read_english(typed) == read


@pytest.mark.parametrize("text", ["patient ID", "er zi fa shao", "HPV阳性", "CT报告", "ok谢谢", "painting", ""])
def test_other_latin_letters_stay_as_typed(text):
    assert read_english(text) == text


def test_the_table_has_no_word_that_is_a_pinyin_syllable():
    # "long", "men", "tan" are words a pinyin typist types; "headache" is not.
    single = [w for w in words("english_words") if " " not in w and w == w.lower()]
    assert single and not [w for w in single if w in syllables()]


def test_the_nlu_and_triage_read_english_words():
    message = Message({TEXT: "I have fever 38.5, cough 3 days"})
    TextReader().process([message])
    assert message.get(TEXT).startswith("我有发烧")
    assert normalize(normalize("cough 很久")) == normalize("cough 很久") == "咳嗽很久"


@pytest.mark.parametrize(
    "text, department",
    [
        ("insulin 快用完了 想开药", "内分泌科"),
        ("my baby 8 months, fever 38.5 two days", "儿科"),
        ("toothache 好几天了", "口腔科"),
        ("itchy rash 全身", "皮肤科"),
    ],
)
def test_a_complaint_with_english_words_gets_its_department(text, department):
    assert play(text)["department"] == department


@pytest.mark.parametrize(
    "text",
    [
        "my dad chest pain, cold sweat",
        "my wife pregnant 2 months, bleeding a lot, stomach pain",
        "baby 2 months fever 38.5",
        "my mom suddenly can't speak, face drooping",
    ],
)
def test_an_emergency_in_english_words_raises_the_alarm(text):
    assert rf.assess(text)[0]
