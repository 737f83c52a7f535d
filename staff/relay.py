"""The staff console's side of channels/staff_relay.py: post a staff message (or the
hand-back) to the Rasa server, which records it and emits it to the patient's page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from channels.staff_relay import staff_relay_token
from staff.analytics import texts


class RelayError(Exception):
    def __init__(self, status: int):
        super().__init__(f"staff relay answered {status}")
        self.status = status


class Relay:
    def __init__(self, rasa_url: str):
        self.url = rasa_url.rstrip("/") + "/webhooks/socketio/staff"

    def send(self, conversation_id: str, text: str, hand_back: bool = False) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"conversation_id": conversation_id, "text": text, "hand_back": hand_back}).encode("utf-8"),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {staff_relay_token()}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30):
                pass
        except urllib.error.HTTPError as error:
            raise RelayError(error.code) from error
        except OSError as error:
            raise RelayError(503) from error

    def hand_back(self, conversation_id: str) -> None:
        """小安 answers this conversation again; the patient is told so."""
        self.send(conversation_id, texts()["hand_back_notice"], hand_back=True)
