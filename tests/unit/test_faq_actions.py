"""The did-you-mean fallback: it must end the turn (like Rasa's own fallback), and
offer a person after two misunderstandings in a row."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import DidYouMean


def tracker(text: str, fallback_count=None) -> Tracker:
    latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    return Tracker("t", {"fallback_count": fallback_count}, latest, [], False, None, None, "action_listen")


async def test_first_miss_suggests_and_ends_the_turn():
    dispatcher = CollectingDispatcher()
    events = await DidYouMean().run(dispatcher, tracker("医保"), {})
    assert events == [UserUtteranceReverted(), SlotSet("fallback_count", 1)]
    assert dispatcher.messages[0]["buttons"], "suggestions come as buttons"


async def test_second_miss_in_a_row_offers_a_person():
    dispatcher = CollectingDispatcher()
    events = await DidYouMean().run(dispatcher, tracker("嗯嗯啊啊", fallback_count=1), {})
    assert events == [UserUtteranceReverted(), SlotSet("fallback_count", 0)]
    assert "转人工" in [b["payload"] for b in dispatcher.messages[0]["buttons"]]


async def test_an_unrecognised_symptom_starts_triage_instead_of_guessing():
    events = await DidYouMean().run(CollectingDispatcher(), tracker("胸口闷"), {})
    assert events == [FollowupAction("triage_form")]
