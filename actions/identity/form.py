"""Proving who you are in a form: 就诊卡号 plus the last 4 digits of the registered phone
or a one-time SMS code. Every form that touches a patient's own records derives from
IdentityFormValidation and asks for these two slots first (`identity_slots`).

Nothing here tells whether a card exists: every 7-digit card gets the same next step,
the same "核实没有通过" and the same "如果卡号正确，验证码已发送"."""

from __future__ import annotations

import abc
import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import FORM_INTERRUPTIONS, UsesHospital, latest_intent, latest_text, say_hospital_error
from actions.identity.patient import client_of, mask_name
from actions.identity.verification import forget, identity_slots, renew, stamp, verified_card
from hospital.interface import HospitalError
from language.knowledge_files import knowledge

logger = logging.getLogger(__name__)

_CARD = re.compile(r"(?<!\d)(\d{7})(?!\d)")
_PHONE4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_OTP = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def wants_code(text: str) -> bool:
    """ "发个验证码吧": the words of data/knowledge/identity_words.yml."""
    return any(word in text for word in knowledge("identity_words")["wants_code"])


class IdentityFormValidation(UsesHospital, FormValidationAction):
    """Base of every form that needs a verified patient. Subclasses put
    `identity_slots(tracker)` into their required slots."""

    # Abstract, so the action server's package scan skips this base class (it
    # instantiates every concrete Action and calls name()).
    @abc.abstractmethod
    def name(self) -> Text:  # pragma: no cover
        raise NotImplementedError

    def _end_form(self) -> None:
        self._ending = True

    interruptions = FORM_INTERRUPTIONS

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        self._ending = False
        if latest_intent(tracker) in self.interruptions:
            return []  # rejected: the rule for this intent answers instead
        events: List[EventType] = []
        named = _CARD.search(latest_text(tracker))
        held = tracker.get_slot("verified_card")
        card = verified_card(tracker)
        if held and card is None:
            # Idle too long (or a value this server never vouched for): prove it again.
            dispatcher.utter_message(response="utter_identity_expired")
            events += forget(tracker)
        elif named and card and named.group(1) != card:
            # Another card's records need that card's own verification.
            events += forget(tracker)
        events += await super().run(dispatcher, tracker, domain)
        if self._ending:
            # Stop asking: the patient was told why and what to do instead.
            events += [SlotSet("requested_slot", None), ActiveLoop(None)]
        elif events and verified_card(tracker):
            events += renew(tracker)
        return events

    async def extract_card_no(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "card_no":
            return {}
        match = _CARD.search(latest_text(tracker))
        if match:
            return {"card_no": match.group(1)}
        if latest_text(tracker):
            return {"card_no": "invalid"}
        return {}

    def validate_card_no(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not isinstance(value, str) or not _CARD.fullmatch(value):
            dispatcher.utter_message(response="utter_card_no_invalid")
            return {"card_no": None}
        # Whether the card exists is not said here (nor anywhere): the secret is asked
        # for every card, and a wrong card fails exactly like a wrong secret.
        return {"card_no": value}

    async def extract_identity_secret(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "identity_secret":
            return {}
        text = latest_text(tracker)
        otp = _OTP.search(text)
        if otp:
            return {"identity_secret": f"otp:{otp.group(1)}"}
        phone4 = _PHONE4.search(text)
        if phone4:
            return {"identity_secret": f"phone4:{phone4.group(1)}"}
        if latest_intent(tracker) == "send_code" or wants_code(text):
            return {"identity_secret": "send_code"}
        return {"identity_secret": "invalid"} if text else {}

    def validate_identity_secret(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        card = tracker.get_slot("card_no")
        if value == "invalid":
            dispatcher.utter_message(response="utter_identity_secret_invalid")
            return {"identity_secret": None}
        if value != "send_code" and (not isinstance(value, str) or ":" not in value):
            # e.g. "verified" re-sent by Rasa: never a secret to check.
            return {"identity_secret": None}
        if not card:
            return {"identity_secret": None}
        system = self.hospital
        who = {"conversation_id": tracker.sender_id, "client": client_of(tracker)}
        try:
            if value == "send_code":
                request = system.send_otp(card, **who)
            else:
                method, secret = value.split(":", 1)
                result = system.verify(card, method, secret, **who)
                name = mask_name(system.patient(card, conversation_id=tracker.sender_id).name) if result.ok else ""
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"identity_secret": None}
        if value == "send_code":
            if request.sent:
                dispatcher.utter_message(response="utter_code_sent")
            elif request.reason == "locked":
                return self._locked(dispatcher, request.until)
            else:
                dispatcher.utter_message(response="utter_code_wait", until=f"{request.until:%H:%M}")
            return {"identity_secret": None, "code_sent": True}
        if result.ok:
            dispatcher.utter_message(response="utter_identity_verified", name=name)
            # The secret is never kept in the conversation; the stamp vouches for the card.
            verified = {
                "identity_secret": "verified",
                "verified_card": card,
                "verified_at": stamp(tracker.sender_id, card),
            }
            return {**verified, "code_sent": None} if tracker.get_slot("code_sent") else verified
        if result.reason == "locked":
            return self._locked(dispatcher, result.locked_until)
        if result.reason == "code_required":
            dispatcher.utter_message(response="utter_code_required")
            return {"identity_secret": None, "code_sent": True}
        dispatcher.utter_message(response="utter_identity_failed", left=result.attempts_left)
        return {"identity_secret": None}

    def _locked(self, dispatcher: CollectingDispatcher, until) -> Dict[Text, Any]:
        dispatcher.utter_message(response="utter_identity_locked", until=f"{until:%H:%M}" if until else "15 分钟后")
        self._end_form()
        return {"identity_secret": None, "card_no": None}


class ValidateVerifyForm(IdentityFormValidation):
    def name(self) -> Text:
        return "validate_verify_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return identity_slots(tracker)
