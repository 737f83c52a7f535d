"""Staff side of the handoff from a shell: list open tickets, and hand a conversation
back to the assistant (closes the ticket; the patient is told, and 小安 answers again).
The staff console does the same with a live takeover.

    python -m scripts.handoff list
    python -m scripts.handoff resume <ticket id> [--rasa http://127.0.0.1:5005]

The hand-back goes through the Rasa server's staff relay (channels/staff_relay.py),
whose token derives from the master secret (security/keys.py) of this checkout.
"""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "resume"])
    parser.add_argument("ticket", nargs="?", type=int)
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    args = parser.parse_args(argv)
    from hospital import get_hospital
    from staff.relay import Relay

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
    Relay(args.rasa).hand_back(ticket.conversation_id)
    hospital.close_handoff(ticket.id)
    print(f"Ticket {ticket.id} closed; the assistant answers conversation {ticket.conversation_id} again.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
