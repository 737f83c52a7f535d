"""Two things no learned policy may get wrong, decided before them all:

- An emergency is always answered. When the NLU says `emergency` (the red-flag
  detector or DIET), the turn is `utter_emergency` (call 120 / go to 急诊: a domain
  response, said even when the action server is down), then `action_emergency`
  (first aid, ends any form), then listening. It wins over forms, rules and a
  handed-off conversation alike.
- While staff have the conversation (slot `handoff_active`, set by action_handoff,
  cleared by `python -m scripts.handoff resume`), nothing else is answered: every
  other message is listened to and kept in the conversation for staff.

Rasa's ConversationPaused would also silence emergencies, and its rules cannot outrank
a form that is running, hence a policy with a higher priority than RulePolicy.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from safety import EMERGENCY_INTENT

HANDOFF_SLOT = "handoff_active"
# What follows what in an emergency turn.
EMERGENCY_TURN = {
    ACTION_LISTEN_NAME: "utter_emergency",
    "utter_emergency": "action_emergency",
    "action_emergency": ACTION_LISTEN_NAME,
}


def next_action(tracker: DialogueStateTracker) -> Optional[str]:
    """The action this policy insists on, or None to leave it to the others."""
    intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    if intent == EMERGENCY_INTENT and tracker.latest_action_name in EMERGENCY_TURN:
        return EMERGENCY_TURN[tracker.latest_action_name]
    if tracker.get_slot(HANDOFF_SLOT):
        return ACTION_LISTEN_NAME
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class SafetyPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": RULE_POLICY_PRIORITY + 1}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing to learn; an empty resource so that loading finds one.
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = next_action(tracker)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # "No user prediction": outranks a running form's next step (RulePolicy's).
        return self._prediction(probabilities, is_no_user_prediction=True)
