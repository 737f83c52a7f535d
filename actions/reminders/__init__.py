"""Reminders: one-off reminders the patient asks for ("提醒我明天早上8点吃药") and the
delivery of every due reminder in the conversation.

The hospital systems keep the reminders (table `reminders`); scripts/reminders.py
claims each due one, sends its SMS and asks Rasa to trigger `EXTERNAL_reminder` with
the reminder's id in this conversation, which runs `action_deliver_reminder`.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from hospital.interface import HospitalError, NotFound
from hospital.facts import facts
from actions.identity import verified_card, whose
from language.dates import describe, parse_moment, spell_out_days

logger = logging.getLogger(__name__)

# "每天早上8点": reminders here are one-off; a repeating one is said so.
_REPEATING = re.compile(r"每(天|日|晚|早|周|星期|礼拜|个|隔|次|顿)")
# Farther ahead than this is more likely a misreading than a wish.
LONGEST_AHEAD = dt.timedelta(days=60)
_PUNCTUATION = re.compile(r"[\s,，。.!！?？、~～:：;；]+")


def now() -> dt.datetime:
    return dt.datetime.now().replace(second=0, microsecond=0)


@functools.lru_cache(maxsize=1)
def _fillers() -> List[str]:
    return list(facts().reminders.note_fillers)


def reminder_note(text: str, moment_text: str) -> str:
    """What to remind of: the message without the time and the asking words."""
    note = spell_out_days(text)  # as parse_moment read it
    note = note.replace(moment_text, " ") if moment_text else note
    for filler in _fillers():
        note = note.replace(filler, " ")
    return _PUNCTUATION.sub("", note)[:40]


def when_text(moment: dt.datetime, today: dt.date) -> str:
    """'12月3日（周四，明天）8:00'."""
    return f"{describe(moment.date(), today)}{moment.hour}:{moment.minute:02d}"


class SetReminder(Action):
    def name(self) -> Text:
        return "action_set_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = common.latest_text(tracker)
        moment_now = now()
        parsed = parse_moment(text, moment_now)
        if parsed.invalid:
            dispatcher.utter_message(response="utter_reminder_no_such_date", date=parsed.text)
            return []
        if parsed.when is None and _REPEATING.search(text):
            dispatcher.utter_message(response="utter_reminder_once_only")
            return []
        if parsed.when is None:
            dispatcher.utter_message(response="utter_reminder_ask_time")
            return []
        if parsed.when <= moment_now:
            dispatcher.utter_message(response="utter_reminder_past", when=when_text(parsed.when, moment_now.date()))
            return []
        if parsed.when - moment_now > LONGEST_AHEAD:
            dispatcher.utter_message(response="utter_reminder_too_far")
            return []
        note = reminder_note(text, parsed.text)
        card = verified_card(tracker)
        try:
            common.hospital().add_reminder(parsed.when, note, tracker.sender_id, card_no=card)
        except HospitalError as error:
            common.say_hospital_error(dispatcher, error)
            return []
        said = dict(when=when_text(parsed.when, moment_now.date()), note=note or "您交代的事")
        if card:
            dispatcher.utter_message(response="utter_reminder_set_sms", **said)
        else:
            dispatcher.utter_message(response="utter_reminder_set", **said)
        return []


class DeliverReminder(Action):
    """Runs when the reminder dispatcher triggers EXTERNAL_reminder in a conversation."""

    def name(self) -> Text:
        return "action_deliver_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        value = common.entity_value(tracker, "reminder_id")
        try:
            reminder = common.hospital().reminder(int(value), tracker.sender_id)
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
            response="utter_reminder_appointment", name=whose(tracker, reminder.appointment.card_no),
            day=describe(visit.date, reminder.due_at.date()), period=visit.period, department=visit.department,
            doctor=f"{visit.doctor_name}{visit.doctor_title}", location=visit.location,
            number=reminder.appointment.number,
        )
        return []

