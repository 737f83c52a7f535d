"""What the channel asks of the running Rasa agent beyond handling a message: the
NLU result up front (to know an emergency before the reply is ready), the buttons
of the bot's last turn (to read "1" as a pick), and the verified card."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

from actions.identity import verification as identity

logger = logging.getLogger(__name__)

# The slots identity.py sets when a patient proves who they are.
IDENTITY_SLOTS = ("verified_card", "verified_at", "card_no", "identity_secret")


class RasaBackend:
    def __init__(self, agent: Any):
        self.agent = agent

    async def parse(self, text: str) -> Optional[Dict[str, Any]]:
        try:
            return await self.agent.parse_message(text)
        except Exception:  # the turn parses again; nothing is lost
            logger.exception("WeChat: parsing ahead of the turn failed")
            return None

    async def _tracker(self, sender: str):
        return await self.agent.tracker_store.retrieve(sender)

    async def last_bot_messages(self, sender: str) -> List[Dict[str, Any]]:
        """The bot's messages since the patient's last message, as the output channel
        collected them (text, buttons, custom)."""
        tracker = await self._tracker(sender)
        messages: List[Dict[str, Any]] = []
        for event in reversed(tracker.events if tracker else []):
            if isinstance(event, UserUttered):
                break
            if isinstance(event, BotUttered):
                data = event.data or {}
                messages.append({"text": event.text, "buttons": data.get("buttons"), "custom": data.get("custom")})
        return messages[::-1]

    async def verified_card(self, sender: str) -> Optional[str]:
        """The card proven in this conversation, by the same rule the actions use (a
        stamp the action server signed, used within the last 10 minutes)."""
        tracker = await self._tracker(sender)
        return identity.verified_card(tracker) if tracker else None

    async def restore_card(self, sender: str, card: str) -> None:
        """A bound card counts as proven in this conversation session (as if the
        patient had just passed the identity check), unless one is proven already."""
        processor = self.agent.processor
        async with self.agent.lock_store.lock(sender):
            tracker = await processor.fetch_tracker_and_update_session(sender, CollectingOutputChannel())
            if identity.verified_card(tracker):
                return
            tracker.update(SlotSet("verified_card", card))
            tracker.update(SlotSet("verified_at", identity.stamp(sender, card)))
            await processor.save_tracker(tracker)

    async def forget_card(self, sender: str) -> None:
        processor = self.agent.processor
        async with self.agent.lock_store.lock(sender):
            tracker = await processor.fetch_tracker_and_update_session(sender, CollectingOutputChannel())
            for slot in IDENTITY_SLOTS:
                if tracker.get_slot(slot) is not None:
                    tracker.update(SlotSet(slot, None))
            await processor.save_tracker(tracker)
