"""Deliver due reminders: by SMS (the mock gateway) and in the conversation.

`make run` runs a `ReminderDispatcher` beside the servers (scripts/serve.py). It keeps
no timers of its own: every few seconds it claims the due reminders from the hospital
database, so a restart re-arms everything that is still pending, and each reminder
is claimed by one dispatcher only (compare-and-set in the database), so two
dispatchers or a restart never deliver one twice. The SMS goes in the claim's
transaction; the chat message through Rasa's HTTP API, which triggers
`EXTERNAL_reminder` in the conversation (rule → action_deliver_reminder). While Rasa
cannot be reached (restarting), the chat part is tried again later; when Rasa
answered anything else, it is not (it may have been said).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import List, Optional

from hospital.interface import HospitalError, HospitalSystems, Reminder

logger = logging.getLogger("reminders")

POLL_SECONDS = 15
RETRY_SECONDS = 30
EXTERNAL_INTENT = "EXTERNAL_reminder"


class RasaUnreachable(Exception):
    """Nothing reached Rasa (connection refused): safe to try again."""


def trigger_in_chat(rasa_url: str, token: str, reminder: Reminder, timeout: float = 30) -> None:
    url = (
        f"{rasa_url}/conversations/{urllib.parse.quote(reminder.conversation_id, safe='')}/trigger_intent"
        f"?output_channel=latest&token={urllib.parse.quote(token)}"
    )
    body = {"name": EXTERNAL_INTENT, "entities": {"reminder_id": str(reminder.id)}}
    request = urllib.request.Request(
        url, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except urllib.error.HTTPError:
        raise
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            raise RasaUnreachable() from exc
        raise


class ReminderDispatcher(threading.Thread):
    """Delivers due reminders every `every` seconds until `stop()`."""

    def __init__(
        self,
        hospital: HospitalSystems,
        rasa_url: str,
        token: str,
        every: float = POLL_SECONDS,
        retry_after: float = RETRY_SECONDS,
    ):
        super().__init__(name="reminders", daemon=True)
        self.hospital, self.rasa_url, self.token = hospital, rasa_url, token
        self.every, self.retry_after = every, retry_after
        self.worker = f"{socket.gethostname()[:20]}-{os.getpid()}-{secrets.token_hex(3)}"
        self._stopping = threading.Event()

    def dispatch_once(self) -> List[int]:
        """Deliver what is due now; returns the ids whose delivery is finished."""
        finished = []
        for reminder in self.hospital.claim_due_reminders(self.worker):
            retry_after: Optional[dt.timedelta] = None
            if reminder.conversation_id:
                try:
                    trigger_in_chat(self.rasa_url, self.token, reminder)
                except RasaUnreachable:
                    retry_after = dt.timedelta(seconds=self.retry_after)
                    logger.info(
                        "reminder %s: Rasa unreachable, chat delivery again in %.0f s", reminder.id, self.retry_after
                    )
                except (OSError, ValueError) as exc:  # HTTPError, timeouts: it may have been said
                    logger.warning(
                        "reminder %s: chat delivery failed (%s), not retried",
                        reminder.id,
                        getattr(exc, "code", type(exc).__name__),
                    )
            self.hospital.finish_reminder(reminder.id, self.worker, retry_after=retry_after)
            if retry_after is None:
                finished.append(reminder.id)
        return finished

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.dispatch_once()
            except HospitalError as exc:
                logger.warning(
                    "reminders: hospital database unavailable (%s); next round in %.0f s", exc.code, self.every
                )
            except Exception:  # noqa: BLE001 — a bad round must not end reminders
                logger.exception("reminder round failed; next round in %.0f s", self.every)
            self._stopping.wait(self.every)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=60)
