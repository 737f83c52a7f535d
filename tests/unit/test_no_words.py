"""Messages without words are not guessed at: they become nlu_fallback."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from language.words import has_words
from components.no_words import NoWordsFallback


@pytest.mark.parametrize("text", ["🙂🙂🙂", "。。。", "？？", "!!!", "……", "👍", "~~~", "<>"])
def test_emoji_and_punctuation_have_no_words(text):
    assert not has_words(text)


@pytest.mark.parametrize("text", ["好", "ok", "1000001", "１２３", "挂号？", "👍好的", "ＯＫ"])
def test_any_chinese_character_letter_or_digit_is_a_word(text):
    assert has_words(text)


def classify(text, intent="affirm"):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.76}})
    NoWordsFallback().process([message])
    return message.get("intent")


def test_a_wordless_message_becomes_the_fallback():
    assert classify("🙂🙂") == {"name": "nlu_fallback", "confidence": 1.0}


def test_messages_with_words_keep_the_classifiers_intent():
    assert classify("好的🙂") == {"name": "affirm", "confidence": 0.76}
    assert classify("   ") == {"name": "affirm", "confidence": 0.76}  # blank: left to the channel
