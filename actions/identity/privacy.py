"""Forget me: a verified patient deletes their conversations with 小安.

Said "删除我的聊天记录", confirmed, and proved who they are (data/rules/privacy.yml,
then `action_after_identity` runs `ForgetConversations`): this conversation and every
conversation in which that card was verified (the hospital's audit trail records the
conversation id) are deleted. The action server does not hold the conversations: it
records a deletion request, and the Rasa server's tracker store carries it out when it
saves this very turn (chat_store), so nothing of the conversation is left behind. The
audit trail, appointments and reports are medical records and stay.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import UsesHospital, say_hospital_error
from hospital.interface import HospitalError, HospitalSystems
from actions.identity.verification import verified_card
from chat_store import database

logger = logging.getLogger(__name__)


def _intent(event: Dict[str, Any]) -> Optional[str]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def confirmed(tracker: Tracker) -> bool:
    """The patient's last "forget me" was answered yes to utter_ask_forget_me."""
    events = tracker.events
    asked_at = next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if events[i].get("event") == "user" and _intent(events[i]) == "forget_me"
        ),
        None,
    )
    if asked_at is None:
        return False
    asked = False
    for event in events[asked_at + 1 :]:
        if event.get("event") == "action" and event.get("name") == "utter_ask_forget_me":
            asked = True
        elif event.get("event") == "user":
            return asked and _intent(event) == "affirm"
    return False


def conversations_of(hospital: HospitalSystems, card_no: str, current: str) -> List[str]:
    """This conversation and every one in which the card was verified or used."""
    found = {current}
    found.update(entry.get("conversation_id") for entry in hospital.audit_entries(card_no))
    return sorted(c for c in found if c)


class ForgetConversations(UsesHospital, Action):
    def name(self) -> Text:
        return "action_forget_conversations"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[EventType]:
        card = verified_card(tracker)
        if not card or not confirmed(tracker):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        try:
            conversations = conversations_of(self.hospital, card, tracker.sender_id)
            # Counted for the patient: those with something left to delete (older ones
            # may have been purged already), and this one.
            deleted = database.stored_conversations(conversations) | {tracker.sender_id}
            database.request_forget(conversations)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        except SQLAlchemyError:
            logger.exception("could not record a request to forget conversations")
            dispatcher.utter_message(response="utter_system_down")
            return []
        logger.info("forget me: %d conversation(s) to delete", len(deleted))
        dispatcher.utter_message(
            response="utter_forget_me_done",
            conversations=len(deleted),
            days=f"{database.retention_days():g}",
        )
        return []
