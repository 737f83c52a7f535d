"""What 小安 can do, and the hot hospital questions by category, as buttons."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, FollowupAction

from actions.common import custom_payload
from actions.faq import catalog as faq_catalog
from actions.faq.fallback import symptoms_to_triage


class ShowMenu(Action):
    def name(self) -> Text:
        return "action_show_menu"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if symptoms_to_triage(tracker):
            # "抑郁症都有哪些表现啊" reads like "你都能做哪些" to the intent classifier
            return [FollowupAction("triage_form")]
        menu = faq_catalog.menu()
        categories = [
            {
                "title": category["title"],
                "questions": [{"title": q["question"], "payload": q["question"]} for q in category["hot"]],
            }
            for category in menu
        ]
        lines = "\n".join(f"· {c['title']}：{c['description']}" for c in menu)
        dispatcher.utter_message(response="utter_menu", categories=lines)  # the services: its buttons
        # The web page shows this as the category menu; REST clients get it as `custom`.
        dispatcher.utter_message(json_message=custom_payload(menu={"categories": categories}))
        return []
