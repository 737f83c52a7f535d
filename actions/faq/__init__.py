"""Hospital questions (咨询): answers chosen by the ResponseSelector, the navigation
menu, and "您是不是想问…" instead of a confident wrong answer.

The answers themselves live with their questions in data/nlu/faq/*.yml; categories and
hot questions in data/knowledge/faq_categories.yml (see actions/faq/catalog.py).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, UserUtteranceReverted

from actions.faq import catalog as faq_catalog
from actions.common import buttons, custom_payload, latest_text
from hospital.facts import facts
from actions.emergency import say_when_to_go
from safety import red_flags as rf

logger = logging.getLogger(__name__)

# Below this ResponseSelector confidence an answer is offered as a suggestion only.
CONFIDENT = 0.6
HANDOFF_BUTTON = ("转人工", "转人工")
MENU_BUTTON = ("看看菜单", "菜单")


def selection(tracker: Tracker) -> Dict[str, Any]:
    return (tracker.latest_message.get("response_selector") or {}).get("faq") or {}


def suggestion_buttons(text: str, ranking: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    suggestions = faq_catalog.suggest(text, ranking=ranking, limit=3)
    return buttons([(entry.question, entry.question) for entry in suggestions])


class AnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = latest_text(tracker)
        chosen = selection(tracker)
        response = chosen.get("response") or {}
        key = response.get("intent_response_key")
        confidence = response.get("confidence") or 0.0
        if key and confidence >= CONFIDENT and not faq_catalog.is_vague(text):
            dispatcher.utter_message(response=f"utter_{key}")
            say_when_to_go(dispatcher, rf.mentioned(text))
            return []
        if symptoms_to_triage(tracker):
            return [FollowupAction("triage_form")]
        options = suggestion_buttons(text, chosen.get("ranking") or [])
        if not options:
            return await DidYouMean().run(dispatcher, tracker, domain)
        dispatcher.utter_message(text="您是不是想问：", buttons=options + buttons([HANDOFF_BUTTON]))
        say_when_to_go(dispatcher, rf.mentioned(text))
        return []


class DidYouMean(Action):
    """Low confidence: suggest likely questions; misunderstood twice in a row: offer
    a person. Like Rasa's own fallback it reverts the patient's message, so the
    dialogue waits for the next one instead of predicting a fallback again."""

    NAME = "action_did_you_mean"

    def name(self) -> Text:
        return self.NAME

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if symptoms_to_triage(tracker):
            return [FollowupAction("triage_form")]
        if missed_just_before(tracker):
            dispatcher.utter_message(
                text=f"抱歉，小安还是没能理解您的意思。要不要请人工客服帮您？也可以拨打服务热线 {facts().hotline_with_hours}。",
                buttons=buttons([HANDOFF_BUTTON, MENU_BUTTON]),
            )
            return [UserUtteranceReverted()]
        options = suggestion_buttons(latest_text(tracker), selection(tracker).get("ranking") or [])
        if options:
            dispatcher.utter_message(
                text="抱歉，我不太确定您的意思。您是不是想问：",
                buttons=options + buttons([MENU_BUTTON]),
            )
        else:
            dispatcher.utter_message(response="utter_default", buttons=buttons([MENU_BUTTON, HANDOFF_BUTTON]))
        say_when_to_go(dispatcher, rf.mentioned(latest_text(tracker)))
        return [UserUtteranceReverted()]


def symptoms_to_triage(tracker: Tracker) -> bool:
    """A symptom the classifiers were unsure about ("胸口闷", "孩子发烧了") goes to
    triage, which asks what a nurse would ask, instead of a guessed question."""
    return not tracker.active_loop and describes_symptoms(latest_text(tracker))


def missed_just_before(tracker: Tracker) -> bool:
    """Whether the assistant's last answer, before the message it now fails to
    understand, was also this fallback: two misunderstandings in a row. Anything
    understood in between (any other action) starts the count again."""
    user_seen = False
    for event in reversed(tracker.events):
        if event.get("event") == "user" and not user_seen:
            user_seen = True
        elif user_seen and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == DidYouMean.NAME
    return False


def describes_symptoms(text: str) -> bool:
    """A present symptom, or a condition, complaint or body part the department
    knowledge knows ("精囊炎能治好吗", "膝盖积液了怎么办", "癫痫护理要注意什么")."""
    from actions.triage.departments.knowledge import load_knowledge
    from language.symptoms import extract  # builds the spaCy pipeline on first use

    if extract(text).present:
        return True
    return any(m.entry.kind in ("conditions", "symptoms", "body_parts") for m in load_knowledge().match(text))


class ShowMenu(Action):
    """What 小安 can do, and the hot hospital questions by category, as buttons."""

    def name(self) -> Text:
        return "action_show_menu"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        menu = faq_catalog.menu()
        services = [("我要挂号", "我要挂号"), ("查报告", "查报告"), ("按症状找科室", "不知道挂什么科"), ("我的预约", "我的预约")]
        categories = [
            {
                "title": category["title"],
                "questions": [{"title": q["question"], "payload": q["question"]} for q in category["hot"]],
            }
            for category in menu
        ]
        lines = "\n".join(f"· {c['title']}：{c['description']}" for c in menu)
        dispatcher.utter_message(
            text=f"小安可以帮您挂号、查报告、按症状推荐科室，也能回答这些问题：\n{lines}\n直接打字提问就可以，点下面的按钮也行。",
            buttons=buttons(services),
        )
        # The web page shows this as the category menu; REST clients get it as `custom`.
        dispatcher.utter_message(json_message=custom_payload(menu={"categories": categories}))
        return []
