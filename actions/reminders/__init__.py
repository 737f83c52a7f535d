"""Reminders: one-off reminders the patient asks for (setting.py) and the delivery of
every due reminder in the conversation (delivery.py).

The hospital systems keep the reminders (table `reminders`); scripts/reminders.py
claims each due one, sends its SMS and asks Rasa to trigger `EXTERNAL_reminder` with
the reminder's id in this conversation, which runs `action_deliver_reminder`.
"""
