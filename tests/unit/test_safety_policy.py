"""components/safety_policy.py: an emergency is always answered (utter_emergency, then
action_emergency), even inside a form or while staff have the conversation; while they
have it, nothing else is answered."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pytest
from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.safety_policy import SafetyPolicy

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path) -> SafetyPolicy:
    return SafetyPolicy.create(
        SafetyPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("safety"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def said(text: str, intent: str) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0})


def conversation(domain: Domain, *events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("patient", [ActionExecuted("action_listen"), *events], domain.slots)


def predicted(policy: SafetyPolicy, tracker: DialogueStateTracker, domain: Domain) -> Optional[str]:
    prediction = policy.predict_action_probabilities(tracker, domain)
    if max(prediction.probabilities) == 0:
        return None
    return domain.action_names_or_texts[prediction.probabilities.index(max(prediction.probabilities))]


def turn(policy: SafetyPolicy, domain: Domain, *events: Event) -> List[str]:
    """The actions this policy predicts after `events`, until it predicts listening."""
    tracker = conversation(domain, *events)
    actions = []
    while len(actions) < 5:
        action = predicted(policy, tracker, domain)
        actions.append(action)
        if action in (None, "action_listen"):
            break
        tracker.update(ActionExecuted(action))
    return actions


HANDED_OFF = [
    said("转人工", "human_handoff"),
    ActionExecuted("action_handoff"),
    SlotSet("handoff_active", True),
    ActionExecuted("action_listen"),
]
EMERGENCY = said("我爸突然胸口剧痛，喘不上气，满头大汗", "emergency")


def test_an_emergency_is_answered_first_from_rasa_then_by_the_action(policy, domain):
    assert turn(policy, domain, EMERGENCY) == ["utter_emergency", "action_emergency", "action_listen"]


def test_an_emergency_is_answered_while_staff_have_the_conversation(policy, domain):
    assert turn(policy, domain, *HANDED_OFF, EMERGENCY) == ["utter_emergency", "action_emergency", "action_listen"]


def test_nothing_else_is_answered_while_staff_have_the_conversation(policy, domain):
    for text, intent in (
        ("还有人吗", "greet"),
        ("转人工", "human_handoff"),
        ("我要挂号", "book_appointment"),
        ("？？", "nlu_fallback"),
    ):
        assert turn(policy, domain, *HANDED_OFF, said(text, intent)) == ["action_listen"], text


def test_when_staff_hand_back_the_other_policies_answer_again(policy, domain):
    resumed = [*HANDED_OFF, SlotSet("handoff_active", None)]
    assert turn(policy, domain, *resumed, said("你好", "greet")) == [None]
    assert turn(policy, domain, said("你好", "greet")) == [None]


def test_an_emergency_outranks_the_form_that_is_running(policy, domain):
    tracker = conversation(
        domain,
        said("帮我挂心内科", "book_appointment"),
        ActionExecuted("booking_form"),
        ActiveLoop("booking_form"),
        ActionExecuted("action_listen"),
        EMERGENCY,
    )
    ours = policy.predict_action_probabilities(tracker, domain)
    # What RulePolicy says inside a running form: run the form again, as a
    # "no user" prediction that outranks every prediction based on the message.
    form = [0.0] * domain.num_actions
    form[domain.index_for_action("booking_form")] = 1.0
    rules = PolicyPrediction(form, "RulePolicy", policy_priority=RULE_POLICY_PRIORITY, is_no_user_prediction=True)
    ensemble = DefaultPolicyPredictionEnsemble.create(
        {}, policy._model_storage, Resource("ensemble"), ExecutionContext(GraphSchema({}), "test")
    )
    best = ensemble.combine_predictions([rules, ours], tracker, domain)
    assert best.policy_name == "SafetyPolicy"
    assert domain.action_names_or_texts[best.max_confidence_index] == "utter_emergency"
