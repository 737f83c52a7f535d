"""Who the verified patient is, as far as a shared screen may show it (a masked name),
and where the message came from (for the hospital's audit trail)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa_sdk import Tracker

from hospital.interface import HospitalSystems


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if name else ""


def whose(tracker: Tracker, card: str, hospital: HospitalSystems) -> str:
    """The masked name of the patient whose record is shown ("王**"): on a shared
    device the next person sees at once that it is not theirs."""
    return mask_name(hospital.patient(card, conversation_id=tracker.sender_id).name)


def client_of(tracker: Tracker) -> Optional[str]:
    """The client address a channel put into the message metadata, if any. Rasa 3.6
    keeps message metadata on the user event (parse data only with a component that
    adds it to latest_message): both are read."""
    user: Dict[str, Any] = next((e for e in reversed(tracker.events) if e.get("event") == "user"), {})
    for metadata in (tracker.latest_message.get("metadata"), user.get("metadata")):
        if isinstance(metadata, dict) and metadata.get("client_ip"):
            return str(metadata["client_ip"])[:64]
    return None
