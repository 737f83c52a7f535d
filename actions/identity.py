"""Proving who you are: 就诊卡号 plus the last 4 digits of the registered phone or a
one-time SMS code. Every form that touches a patient's own records asks for these
two slots first (see `identity_slots`), until `verified_card` is set for this
conversation session."""
from __future__ import annotations

import abc
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import FORM_INTERRUPTIONS, hospital, latest_intent, latest_text, say_hospital_error, HOTLINE
from actions.hospital.interface import HospitalError

logger = logging.getLogger(__name__)

IDENTITY_SLOTS = ["card_no", "identity_secret"]
_CARD = re.compile(r"(?<!\d)(\d{7})(?!\d)")
_PHONE4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_OTP = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_WANTS_CODE = ("验证码", "短信")
_VERIFICATION_SLOTS = ("verified_card", "card_no", "identity_secret")


def identity_slots(tracker: Tracker) -> List[str]:
    return [] if tracker.get_slot("verified_card") else list(IDENTITY_SLOTS)


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if name else ""


class IdentityFormValidation(FormValidationAction):
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
        verified = tracker.get_slot("verified_card")
        if named and verified and named.group(1) != verified:
            # Another card's records need that card's own verification. Forget all of
            # this card's, including the values Rasa re-sends as candidates when the
            # form starts: kept, they would end the form at once (or be re-validated).
            tracker.slots.update({slot: None for slot in _VERIFICATION_SLOTS})
            tracker.events = [
                e for e in tracker.events if not (e.get("event") == "slot" and e.get("name") in _VERIFICATION_SLOTS)
            ]
            events += [SlotSet(slot, None) for slot in _VERIFICATION_SLOTS]
        events += await super().run(dispatcher, tracker, domain)
        if self._ending:
            # Stop asking: the patient was told why and what to do instead.
            events += [SlotSet("requested_slot", None), ActiveLoop(None)]
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
        if value == "invalid":
            dispatcher.utter_message(text="就诊卡号是 7 位数字，印在就诊卡正面，请再输入一次。")
            return {"card_no": None}
        try:
            exists = hospital().card_exists(value)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"card_no": None}
        if not exists:
            dispatcher.utter_message(
                text="没有找到这个就诊卡号，请核对后重新输入。没有就诊卡的话，可以带身份证到门诊楼1楼窗口办理。"
            )
            return {"card_no": None}
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
        if latest_intent(tracker) == "send_code" or any(word in text for word in _WANTS_CODE):
            return {"identity_secret": "send_code"}
        return {"identity_secret": "invalid"} if text else {}

    def validate_identity_secret(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        card = tracker.get_slot("card_no")
        system = hospital()
        try:
            if value == "send_code":
                masked = system.send_otp(card)
                dispatcher.utter_message(
                    text=f"验证码已发送到 {masked}，5 分钟内有效，请输入收到的 6 位数字。"
                )
                return {"identity_secret": None}
            if value == "invalid":
                dispatcher.utter_message(
                    text="请输入登记手机号的后 4 位数字，或者 6 位短信验证码；说“发验证码”我来发送。"
                )
                return {"identity_secret": None}
            if not isinstance(value, str) or ":" not in value:
                # e.g. "verified" re-sent by Rasa: never a secret to check.
                return {"identity_secret": None}
            method, secret = value.split(":", 1)
            result = system.verify(card, method, secret)
            if result.ok:
                patient = system.patient(card)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"identity_secret": None}
        if result.ok:
            dispatcher.utter_message(text=f"身份核实成功，{mask_name(patient.name)}您好。")
            # The secret is never kept in the conversation.
            return {"identity_secret": "verified", "verified_card": card}
        if result.reason == "locked":
            until = result.locked_until.strftime("%H:%M") if result.locked_until else "15 分钟后"
            dispatcher.utter_message(
                text=(
                    f"为了保护您的信息安全，这张卡的身份核实已暂停到 {until}。"
                    f"请稍后再试，或带身份证到门诊楼1楼窗口办理，也可拨打 {HOTLINE}。"
                )
            )
            self._end_form()
            return {"identity_secret": None, "card_no": None}
        dispatcher.utter_message(
            text=f"核实没有通过，请再确认一下。还可以再试 {result.attempts_left} 次。"
        )
        return {"identity_secret": None}


class ValidateVerifyForm(IdentityFormValidation):
    def name(self) -> Text:
        return "validate_verify_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return identity_slots(tracker)


# The task each gated intent asked for, run once the patient is verified.
GATED_TASKS = {
    "list_appointments": ("actions.booking", "ListAppointments"),
    "check_report": ("actions.reports", "ShowReports"),
    "open_report": ("actions.reports", "ShowReport"),
    "forget_me": ("actions.privacy", "ForgetConversations"),
}


class AfterIdentity(Action):
    """Runs the task that needed identity (the last gated intent of the patient)."""

    def name(self) -> Text:
        return "action_after_identity"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not tracker.get_slot("verified_card"):
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
            return []
        import importlib

        module, cls = GATED_TASKS[intent]
        action = getattr(importlib.import_module(module), cls)()
        return await action.run(dispatcher, tracker, domain)
