"""The red-flag component: the rules win over the intent classifier both ways."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.red_flag_detector import CLASSIFIER_ALONE, NET_CALM, RedFlagDetector


def classified(text: str, *ranking: str) -> Message:
    """A message as the classifier left it: `ranking` best first."""
    intents = [{"name": name, "confidence": round(0.9 - 0.1 * i, 2)} for i, name in enumerate(ranking)]
    return Message(data={"text": text, "intent": intents[0], "intent_ranking": intents, "entities": []})


def after(message: Message) -> Message:
    [done] = RedFlagDetector().process([message])
    return done


def test_a_red_flag_now_is_an_emergency_whatever_the_classifier_said():
    message = after(classified("我胸口剧痛喘不上气", "faq", "ask_department"))
    assert message.get("intent")["name"] == "emergency"
    assert [e["value"] for e in message.get("entities") if e["entity"] == "red_flag"] == ["chest_pain_acs"]


@pytest.mark.parametrize("text", ["我爸去年中风过，现在要注意什么", "中风有什么症状", "上个月晕倒过一次，现在好了"])
def test_a_danger_only_spoken_of_is_not_an_emergency_even_if_the_classifier_thought_so(text):
    message = after(classified(text, "emergency", "faq", "ask_department"))
    assert message.get("intent")["name"] == "faq"
    assert [i["name"] for i in message.get("intent_ranking")] == ["faq", "ask_department"]
    assert not [e for e in message.get("entities") if e["entity"] == "red_flag"]


@pytest.mark.parametrize("text", ["孩子发烧39度，精神还好，吃了退烧药", "腰疼得厉害好几年了，想开点药"])
def test_an_unsure_classifier_emergency_the_rules_do_not_confirm_gives_way_to_its_next_guess(text):
    message = classified(text, "emergency", "describe_symptoms")
    message.get("intent")["confidence"] = CLASSIFIER_ALONE - 0.01
    assert after(message).get("intent")["name"] == "describe_symptoms"


def test_a_demoted_emergency_whose_next_guess_is_weak_goes_to_triage():
    message = classified("孩子发烧了", "emergency", "faq", "describe_symptoms")
    message.get("intent")["confidence"] = 0.5
    message.get("intent_ranking")[1]["confidence"] = 0.3
    done = after(message)
    assert done.get("intent")["name"] == "describe_symptoms"
    assert [i["name"] for i in done.get("intent_ranking")] == ["describe_symptoms", "faq"]


def test_a_sure_classifier_emergency_stands_without_a_rule():
    message = after(classified("我婆婆不让打电话，说躺会儿就好", "emergency", "faq"))  # 0.9 ≥ CLASSIFIER_ALONE
    assert message.get("intent")["name"] == "emergency"


@pytest.mark.parametrize("text", ["想给我爸配个助听器，他耳朵越来越不好使了", "被小区的流浪猫抓了一下，破了点皮"])
def test_a_sure_classifier_emergency_the_net_finds_calm_gives_way(text):
    detector = RedFlagDetector()
    assert detector.net.probability(text) < NET_CALM
    [message] = detector.process([classified(text, "emergency", "ask_department")])
    assert message.get("intent")["name"] == "ask_department"


def test_a_cry_for_help_is_an_emergency_by_rule():
    message = after(classified("救命啊快来人", "greet", "faq"))
    assert message.get("intent")["name"] == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "邻居家小孩把一整瓶驱蚊水当饮料喝了，小脸通红直哼哼",
        # (round 92 taught the rules bleeding just after a birth: "媳妇生完孩子第三天，下面血一直哗哗往外流" now fires by rule)
        "外婆吃了一碗邻居送的野果，现在嘴巴发麻，心跳一会快一会慢",
        # (round 49 taught the rules a blow then belly pain with pallor: "打球被撞了…肚子越来越疼，脸煞白" now fires by rule)
    ],
)
def test_the_learned_net_raises_the_alarm_on_an_emergency_no_rule_words(text):
    message = after(classified(text, "describe_symptoms", "faq"))
    assert message.get("intent")["name"] == "emergency"
    assert not [e for e in message.get("entities") if e["entity"] == "red_flag"]  # no rule to name


def test_the_net_does_not_fire_on_a_danger_spoken_of():
    message = after(classified("我爸去年心梗放了支架，现在复查挂哪个科", "ask_department", "faq"))
    assert message.get("intent")["name"] == "ask_department"
