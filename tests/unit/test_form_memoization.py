"""A turn the form rejected is not memoization's to answer (it would answer with silence)."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.form_memoization import rejected_this_turn


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("t", [ActionExecuted("action_listen"), *events])


def test_a_rejection_since_the_patients_message_counts():
    rejected = tracker(
        ActiveLoop("booking_form"),
        ActionExecuted("action_listen"),
        UserUttered("1000005", {"name": "provide_identity"}),
        ActionExecutionRejected("booking_form"),
    )
    assert rejected_this_turn(rejected)


def test_a_rejection_before_the_patients_message_does_not():
    earlier = tracker(
        ActiveLoop("booking_form"),
        ActionExecutionRejected("booking_form"),
        ActionExecuted("action_did_you_mean"),
        ActionExecuted("action_listen"),
        UserUttered("下午", {"name": "inform"}),
    )
    assert not rejected_this_turn(earlier)
