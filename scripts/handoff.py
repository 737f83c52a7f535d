"""Staff side of the handoff: list open tickets, and hand a conversation back to the
assistant (closes the ticket and clears the conversation's `handoff_active` slot).

    python -m scripts.handoff list
    python -m scripts.handoff resume <ticket id> [--rasa http://127.0.0.1:5005]

The Rasa HTTP API token is read from XIAOAN_API_TOKEN or .data/api_token (written by
`make run`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def api_token() -> str:
    token = os.environ.get("XIAOAN_API_TOKEN")
    if token:
        return token
    path = ROOT / ".data" / "api_token"
    if not path.exists():
        sys.exit("No API token: set XIAOAN_API_TOKEN or start the assistant with `make run`.")
    return path.read_text(encoding="utf-8").strip()


def resume_conversation(rasa_url: str, token: str, conversation_id: str) -> None:
    url = (
        f"{rasa_url}/conversations/{urllib.parse.quote(conversation_id)}/tracker/events"
        f"?token={urllib.parse.quote(token)}"
    )
    request = urllib.request.Request(
        url,
        # Every turn while handed off ended with action_listen (components/safety_policy.py),
        # so the patient's next message is predicted as a fresh turn.
        data=json.dumps([{"event": "slot", "name": "handoff_active", "value": None}]).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "resume"])
    parser.add_argument("ticket", nargs="?", type=int)
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    args = parser.parse_args(argv)
    from hospital import get_hospital

    hospital = get_hospital()
    if args.command == "list":
        for ticket in hospital.handoff_tickets(status="open"):
            print(
                f"{ticket.id}\t{ticket.created_at:%m-%d %H:%M}\t{ticket.conversation_id}\t{ticket.reason}\t{ticket.summary}"
            )
        return 0
    if args.ticket is None:
        parser.error("resume needs a ticket id")
    ticket = next((t for t in hospital.handoff_tickets() if t.id == args.ticket), None)
    if ticket is None:
        sys.exit(f"No ticket {args.ticket}.")
    resume_conversation(args.rasa, api_token(), ticket.conversation_id)
    hospital.close_handoff(ticket.id)
    print(f"Ticket {ticket.id} closed; the assistant answers conversation {ticket.conversation_id} again.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
