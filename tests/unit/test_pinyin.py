"""Pinyin typed instead of characters (language/pinyin.py): read as characters by the
NLU (components/text_reader.py) and by everything that reads the patient's words
through language.symptom_lexicon.normalize."""

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.text_reader import TextReader
from language.pinyin import load_index, read_pinyin, to_hanzi
from language.symptom_lexicon import normalize
from safety import red_flags as rf
from scripts.eval_departments import play


@pytest.mark.parametrize(
    "typed, read",
    [
        ("tou yun e xin", "头晕恶心"),
        ("duzi teng le liang tian le", "肚子疼了两天了"),
        ("我妈 xiong kou men", "胸口闷"),
        ("wo de HPV yang xing zen me ban", "HPV 阳性怎么办"),
        ("xi'an", "西安"),
        ("nuer pi fu yang", "女儿皮肤痒"),
        ("baopi有点长 想割了", "包皮有点长"),
        ("我想看zhongyi", "中医"),
        # one syllable between characters: the character that makes a medical word with them
        ("wo老伴xiong口痛，出汗，shou麻", "老伴胸口痛，出汗，手麻"),
        ("我tou疼的要命", "我头疼的要命"),
    ],
)
def test_pinyin_is_read_as_characters(typed, read):
    assert read in to_hanzi(typed)


@pytest.mark.parametrize(
    "text",
    [
        "I have a fever and cough",
        "CT报告",
        "ok谢谢",
        "cea偏高",
        "ana阳性怎么办",
        "我bnp高",
        "头疼",
        "hello",
        "",
        "我妈de病",
        "app里怎么挂号",
    ],
)
def test_english_abbreviations_and_characters_stay_as_typed(text):
    assert read_pinyin(text) == text


def test_the_reading_comes_before_the_text_as_typed():
    assert read_pinyin("tou yun e xin") == "头晕恶心。tou yun e xin"


@pytest.mark.parametrize(
    "text",
    [
        "wo ma hu xi kun nan lian dou fa zi le",
        "wo ba tu ran yi bian shen ti dong bu liao",
        "xiong kou xiang da shi tou ya zhe chu leng han",
    ],
)
def test_an_emergency_in_pinyin_raises_the_alarm(text):
    assert rf.assess(text)[0]


@pytest.mark.parametrize(
    "text, department",
    [
        ("pifu qi hong zhen hen yang", "皮肤科"),
        ("ya chi teng de shui bu zhao", "口腔科"),
        ("yan jing hong hai liu yan lei", "眼科"),
        ("ke sou ke le yi ge yue le", "呼吸内科"),
    ],
)
def test_a_complaint_in_pinyin_gets_its_department(text, department):
    assert play(text)["department"] == department


def test_the_nlu_reads_pinyin_before_the_tokenizer():
    message = Message({TEXT: "ke sou ke le yi ge yue le"})
    TextReader().process([message])
    assert message.get(TEXT).startswith("咳嗽")


def test_english_words_do_not_load_the_pinyin_words():
    load_index.cache_clear()
    assert to_hanzi("好的ok 谢谢 hi") == "好的ok 谢谢 hi"
    assert load_index.cache_info().currsize == 0


def test_the_nlu_reads_typing_slips_as_triage_does():
    message = Message({TEXT: "雪糖高 空腹7.8"})
    TextReader().process([message])
    assert message.get(TEXT).startswith("血糖高")


def test_a_text_already_read_is_not_read_again():
    once = read_pinyin("wo ba xiong kou teng")
    assert read_pinyin(once) == once
    assert normalize(normalize("ke sou。ke le yi ge yue le")) == normalize("ke sou。ke le yi ge yue le")
