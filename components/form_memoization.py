"""MemoizationPolicy that stays out of a turn a form has just rejected.

Memoization does not see a rejection: the state after "1000005" while the booking form
asks for the period looks like a story's identity answer inside the form, so it would
predict listening and the patient would get no answer at all. Abstaining leaves the turn
to the rules (an interruption's own rule) or, where none applies, to RulePolicy's
fallback (`action_did_you_mean`)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecutionRejected, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


def rejected_this_turn(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecutionRejected):
            return True
    return False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class FormAwareMemoizationPolicy(MemoizationPolicy):
    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if rejected_this_turn(tracker):
            return self._prediction(self._default_predictions(domain))
        return super().predict_action_probabilities(tracker, domain, rule_only_data, **kwargs)
