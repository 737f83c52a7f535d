"""What 小安 can do, and the hot hospital questions by category, as buttons."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.common import custom_payload
from actions.faq import catalog as faq_catalog

HANDOFF_BUTTON = ("转人工", "转人工")
MENU_BUTTON = ("看看菜单", "菜单")


class ShowMenu(Action):
    def name(self) -> Text:
        return "action_show_menu"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
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
