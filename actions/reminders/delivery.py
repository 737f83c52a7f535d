"""A due reminder shown in the conversation: the reminder dispatcher
(scripts/reminders.py) triggers EXTERNAL_reminder with the reminder's id."""

from __future__ import annotations

import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UsesHospital, entity_value
from actions.identity.patient import whose
from hospital.interface import HospitalError, NotFound
from language.dates import describe

logger = logging.getLogger(__name__)


class DeliverReminder(UsesHospital, Action):
    """Runs when the reminder dispatcher triggers EXTERNAL_reminder in a conversation."""

    def name(self) -> Text:
        return "action_deliver_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        value = entity_value(tracker, "reminder_id")
        try:
            reminder = self.hospital.reminder(int(value), tracker.sender_id)
        except (TypeError, ValueError, NotFound):
            logger.warning("reminder delivery for an unknown reminder id")
            return []
        except HospitalError as error:
            logger.warning("reminder %s not delivered: %s", value, error.code)
            return []
        if reminder.appointment is None:
            dispatcher.utter_message(response="utter_reminder_custom", note=reminder.note or "您交代的事")
            return []
        visit = reminder.appointment.session
        dispatcher.utter_message(
            response="utter_reminder_appointment",
            name=whose(tracker, reminder.appointment.card_no, self.hospital),
            day=describe(visit.date, reminder.due_at.date()),
            period=visit.period,
            department=visit.department,
            doctor=f"{visit.doctor_name}{visit.doctor_title}",
            location=visit.location,
            number=reminder.appointment.number,
        )
        return []
