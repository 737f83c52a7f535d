"""Conversations at rest: Rasa's tracker store encrypted and with identity secrets
redacted (`tracker_store`), their database, retention purge and "forget me"
(`database`), and what is never stored as typed (`redaction`)."""
