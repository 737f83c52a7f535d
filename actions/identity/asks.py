"""The card number and the secret are asked once: when the patient's answer did not fit,
the validator's own "就诊卡号是 7 位数字…请再输入一次" already asks again, and the full
question after it ("为了保护您的隐私…请输入您的就诊卡号") said the same twice."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.common import latest_turn, responses


class AskIdentitySlot(Action):
    SLOT = ""

    def name(self) -> Text:
        return f"action_ask_{self.SLOT}"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if f"utter_{self.SLOT}_invalid" not in responses(latest_turn(tracker)):
            dispatcher.utter_message(response=f"utter_ask_{self.SLOT}")
        return []


class AskCardNo(AskIdentitySlot):
    SLOT = "card_no"


class AskIdentitySecret(AskIdentitySlot):
    SLOT = "identity_secret"
