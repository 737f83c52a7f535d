"""Red flags (危险信号): the emergency reply that preempts everything else.

Whenever the NLU says `emergency` (the red-flag detector or DIET), in or out of any
form, even while staff have the conversation, Rasa first says `utter_emergency` (call
120 or go to 急诊 now; a domain response, so it is said even when the action server
is down), then runs `action_emergency`. That one adds what is specific to this danger
without repeating the call-120 sentence: its name, one line of safe first aid (and the
crisis hotline and words for suicidal talk), the emergency card for the web page;
it stops whatever form was running and forgets the half-finished booking or triage,
so nothing routine is asked afterwards. A triage outcome with urgency `emergency`
gives the whole reply at once (`say_emergency`). Which red flag it is, and whether a
message is an emergency at all, is decided in safety/red_flags.py; the reply's own
lines are in data/knowledge/red_flags.yml `reply`.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.availability import BOOKING_SLOTS
from actions.common import custom_payload, entity_value, latest_text, since_latest_message
from language.knowledge_files import knowledge
from safety import contacts, red_flags as rf

logger = logging.getLogger(__name__)

# Booking, cancelling and triage slots an emergency makes meaningless (identity stays proven).
FORM_SLOTS = [*BOOKING_SLOTS, "cancel_confirmed"]
TRIAGE_SLOTS = ["triage_state", "triage_outcome", "triage_department", "triage_summary"]


def find_red_flag(tracker: Tracker) -> Optional[rf.RedFlag]:
    """The red flag this conversation is about: the detector's entity, else the text
    itself (with what triage already knows as context), else what triage saw earlier."""
    state = tracker.get_slot("triage_state") or {}
    return rf.find(
        latest_text(tracker),
        state.get("facts") or {},
        named=entity_value(tracker, "red_flag"),
        seen=state.get("red_flags") or [],
    )


def say_emergency(
    dispatcher: CollectingDispatcher, flag: Optional[rf.RedFlag], after_call_120: bool = False
) -> Dict[str, Any]:
    """Utter the emergency reply (text, then the custom payload); return the payload body.
    `after_call_120`: utter_emergency was just said, so the text gives only what is
    specific to this red flag (its name and first aid; for suicidal talk its own words)."""
    reply = knowledge("red_flags")["reply"]
    title = flag.title if flag else reply["unnamed_title"]
    message = flag.message if flag and flag.message else contacts.generic_message()
    first_aid = flag.first_aid if flag else None
    hotline = crisis_hotline(flag)
    if not after_call_120:
        lines = [message]
    elif flag and flag.crisis:
        lines = [message]  # the crisis hotline and a few kind words, not only 120
    else:
        lines = [f"{title}。"] if flag else []
    if first_aid:
        lines.append(reply["first_aid"].format(first_aid=first_aid))
    if hotline and hotline not in message:
        lines.append(reply["crisis_hotline"].format(hotline=hotline))
    body = {"title": title, "message": message, "first_aid": first_aid, "phone": contacts.emergency_phone()}
    if hotline:
        body["crisis_hotline"] = hotline
    if lines:
        dispatcher.utter_message(text="\n".join(lines))
    dispatcher.utter_message(json_message=custom_payload(emergency=body))
    return body


def say_when_to_go(dispatcher: CollectingDispatcher, flags: List[rf.RedFlag]) -> None:
    """For a red flag only spoken of (a past episode, a relative, a knowledge question):
    the one line that says when to go to 急诊 after all."""
    signs = "、".join(dict.fromkeys(f.signs or f.title for f in flags[:2]))
    if signs:
        dispatcher.utter_message(response="utter_when_to_go_emergency", signs=signs)
    hotline = next((crisis_hotline(f) for f in flags if f.crisis), None)
    if hotline:  # talk of not wanting to live: someone to talk to, not only 120
        dispatcher.utter_message(text=knowledge("red_flags")["reply"]["crisis_hotline"].format(hotline=hotline))


def crisis_hotline(flag: Optional[rf.RedFlag]) -> Optional[str]:
    """The crisis hotline for a red flag of suicidal talk; None for any other."""
    return (flag.crisis_hotline or contacts.crisis_hotline()) if flag and flag.crisis else None


def said_call_120(tracker: Tracker) -> bool:
    """Whether utter_emergency has been said since the patient's latest message."""
    return since_latest_message(tracker, "action", "utter_emergency")


def clearing_events() -> List[EventType]:
    """Stop any form and forget what it was collecting."""
    return [ActiveLoop(None), SlotSet("requested_slot", None)] + [
        SlotSet(name, None) for name in FORM_SLOTS + TRIAGE_SLOTS
    ]


class EmergencyAction(Action):
    def name(self) -> Text:
        return "action_emergency"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        flag = find_red_flag(tracker)
        logger.info("emergency reply: %s", flag.id if flag else "generic")
        # Rules and components/safety_policy.py say utter_emergency first; should some
        # path not have, the whole reply is given here.
        say_emergency(dispatcher, flag, after_call_120=said_call_120(tracker))
        return clearing_events()
