"""The staff console: the web pages hospital staff use beside the patients' page,
served by the page's server under /staff/ (scripts/serve_web.py).

- `auth`: the staff password, signed session cookies, login-failure limits.
- `conversations`: conversations read from the encrypted chat store, masked.
- `takeover`: the handoff queue, taking a ticket, replying, handing back.
- `analytics`: figures over a period from the chat store (and bookings from the audit).
- `summaries`: the doctor's view of a day's appointments with what triage recorded.
- `app`: the HTTP routes; `static/`: the pages.
"""
