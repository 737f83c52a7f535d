"""After the identity form: the task the patient asked for before proving who they
are (the last gated intent), run now that they are verified."""

from __future__ import annotations

import importlib
from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.common import UsesHospital
from actions.identity.verification import renew, verified_card


# The task each gated intent asked for, run once the patient is verified.
GATED_TASKS = {
    "list_appointments": ("actions.booking.listing", "ListAppointments"),
    "check_report": ("actions.reports.listing", "ShowReports"),
    "open_report": ("actions.reports.opening", "ShowReport"),
    "forget_me": ("actions.identity.privacy", "ForgetConversations"),
}


class AfterIdentity(UsesHospital, Action):
    """Runs the task that needed identity (the last gated intent of the patient)."""

    def name(self) -> Text:
        return "action_after_identity"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not verified_card(tracker):
            return []
        intent = next(
            (
                event["parse_data"]["intent"]["name"]
                for event in reversed(tracker.events)
                if event.get("event") == "user"
                and event.get("parse_data", {}).get("intent", {}).get("name") in GATED_TASKS
            ),
            None,
        )
        if intent is None:
            dispatcher.utter_message(response="utter_anything_else")
            return renew(tracker)
        module, name = GATED_TASKS[intent]
        task = getattr(importlib.import_module(module), name)
        # The task works with this action's hospital (actions.booking's, not yet a
        # UsesHospital, finds the configured one itself).
        action = task(hospital=self._hospital, today=self._today) if issubclass(task, UsesHospital) else task()
        return await action.run(dispatcher, tracker, domain) + renew(tracker)
