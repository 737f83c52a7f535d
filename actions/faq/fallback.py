"""Not understood: suggest likely questions, a symptom goes to triage, and after two
misunderstandings in a row a person is offered."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, UserUtteranceReverted

from actions.booking.schedule_questions import ScheduleInfo
from actions.common import HANDOFF_BUTTON, MENU_BUTTON, UsesHospital, buttons, latest_text, previous_turn, responses
from actions.emergency import say_when_to_go
from actions.faq import catalog as faq_catalog
from actions.reassurance import asks_how_serious, reassure
from actions.triage.after_outcome import adds_to_last_triage
from actions.triage.pointer import UNANSWERED_KINDS, answer_which_department, point_to_department
from hospital.facts import facts
from language.answers import is_closing
from language.catalogue_entities import find_entities
from language.ordinals import pick
from language.knowledge_files import knowledge
from safety import red_flags as rf


def selection(tracker: Tracker) -> Dict[str, Any]:
    """What the ResponseSelector chose for the latest message, with its ranking."""
    return (tracker.latest_message.get("response_selector") or {}).get("faq") or {}


def suggestion_buttons(tracker: Tracker) -> List[Dict[str, Any]]:
    """Up to three likely questions, those on the topic of a hospital answer just given
    first; for a bare "挂号" the request itself ("我要挂号") before them."""
    text = latest_text(tracker)
    doing = faq_catalog.get_catalog().requests(text)
    ranking = selection(tracker).get("ranking") or []
    suggestions = faq_catalog.suggest(text, ranking=ranking, limit=3 - len(doing), topic=answered_topic(tracker))
    return buttons([(ask, ask) for ask in doing] + [(entry.question, entry.question) for entry in suggestions])


def answered_topic(tracker: Tracker) -> str:
    """The category of the hospital question answered in the previous turn; "" if none was."""
    answered = [r for r in responses(previous_turn(tracker)) if r and r.startswith("utter_faq/")]
    entry = faq_catalog.entry(answered[-1][len("utter_") :]) if answered else None
    return entry.category if entry else ""


class OutOfScope(Action):
    """Outside what 小安 does, unless the patient asks which department for something the
    department knowledge places ("儿子15岁 休学在家不出门 挂啥科") or tells of a complaint
    ("腋窝有个包 花生米大"): then triage, as for a message not understood."""

    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not tracker.active_loop and answer_which_department(dispatcher, latest_text(tracker)):
            return []
        if symptoms_to_triage(tracker):
            return [FollowupAction("triage_form")]
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


class DidYouMean(UsesHospital, Action):
    """Low confidence: suggest likely questions; misunderstood twice in a row: offer
    a person. Like Rasa's own fallback it reverts the patient's message, so the
    dialogue waits for the next one instead of predicting a fallback again."""

    NAME = "action_did_you_mean"

    def name(self) -> Text:
        return self.NAME

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not tracker.active_loop and asks_schedule(latest_text(tracker)):
            await ScheduleInfo(hospital=self.hospital, today=self.today()).run(dispatcher, tracker, domain)
            return [UserUtteranceReverted()]
        if symptoms_to_triage(tracker):
            return [FollowupAction("triage_form")]
        chosen = None if tracker.active_loop else pick(latest_text(tracker), buttons_shown(tracker))
        if chosen:  # "第一个" after a list: the pick, one tap away
            dispatcher.utter_message(response="utter_picked_from_list", choice=chosen["title"], buttons=[chosen])
            return [UserUtteranceReverted()]
        if not tracker.active_loop and asks_how_serious(latest_text(tracker)) and reassure(dispatcher, tracker):
            return [UserUtteranceReverted()]  # "严重吗" after an outcome
        if not tracker.active_loop and is_closing(latest_text(tracker)) and said_anything(tracker):
            dispatcher.utter_message(response="utter_goodbye")  # "没有了" after an outcome: done
            return [UserUtteranceReverted()]
        if not tracker.active_loop and point_to_department(dispatcher, latest_text(tracker), UNANSWERED_KINDS):
            return [UserUtteranceReverted()]  # "碳13呼气试验阳性": a test, not a symptom now
        if missed_just_before(tracker):
            dispatcher.utter_message(
                response="utter_faq_still_lost",
                hotline=facts().hotline_with_hours,
                buttons=buttons([HANDOFF_BUTTON, MENU_BUTTON]),
            )
            return [UserUtteranceReverted()]
        options = suggestion_buttons(tracker)
        if options:
            dispatcher.utter_message(response="utter_faq_not_sure", buttons=options + buttons([MENU_BUTTON]))
        else:
            dispatcher.utter_message(response="utter_default", buttons=buttons([MENU_BUTTON, HANDOFF_BUTTON]))
        say_when_to_go(dispatcher, rf.mentioned(latest_text(tracker)))
        return [UserUtteranceReverted()]


def asks_schedule(text: str) -> bool:
    """A department named with a day or a word of seeing patients ("呼吸科礼拜六有没有人上班",
    "乳腺科这周都是哪几天看病"): a schedule question, whatever the classifiers made of it."""
    named = any(e["entity"] == "department" for e in find_entities(text))
    return named and any(word in text for word in knowledge("faq_words")["schedule_words"])


def symptoms_to_triage(tracker: Tracker) -> bool:
    """A symptom the classifiers were unsure about ("胸口闷", "孩子发烧了") goes to
    triage, which asks what a nurse would ask, instead of a guessed question; so does a
    detail added right after a triage outcome ("一年多了")."""
    if tracker.active_loop:
        return False
    return describes_symptoms(latest_text(tracker)) or adds_to_last_triage(tracker)


def complains_now(tracker: Tracker) -> bool:
    """A hospital question that also tells of a symptom now ("孩子八个月，咳嗽有痰，要去医院
    吗"): after the answer, triage finds the department. Not a follow-up visit ("溃疡性结肠炎，
    来复诊开药"), nor a symptom word inside a condition's name (溃疡 of 溃疡性结肠炎)."""
    from actions.triage.departments.knowledge import load_knowledge
    from language.patient_facts import says
    from language.symptoms import PRESENT, extract

    text = latest_text(tracker)
    if tracker.active_loop or says("follow_up", text):
        return False
    names = [(m.start, m.end) for m in load_knowledge().match(text) if m.entry.kind == "conditions"]
    return any(
        m.status == PRESENT and not any(s <= m.start and m.end <= e and e - s > m.end - m.start for s, e in names)
        for m in extract(text).mentions
    )


def buttons_shown(tracker: Tracker) -> List[Dict[str, Any]]:
    """The buttons of the assistant's last message that had any, in the turn before the
    patient's latest message."""
    shown = [
        e["data"]["buttons"]
        for e in previous_turn(tracker)
        if e.get("event") == "bot" and (e.get("data") or {}).get("buttons")
    ]
    return shown[-1] if shown else []


NOT_UNDERSTOOD = ("utter_faq_not_sure", "utter_default", "utter_faq_still_lost")


def missed_just_before(tracker: Tracker) -> bool:
    """Whether the assistant's answer before the message it now fails to understand said
    it did not understand either: two misunderstandings in a row. A pick, a department
    pointed to or a goodbye from the same fallback were understood."""
    return any(said in NOT_UNDERSTOOD for said in responses(previous_turn(tracker)))


def said_anything(tracker: Tracker) -> bool:
    return any(event.get("event") == "bot" for event in tracker.events)


def describes_symptoms(text: str) -> bool:
    """A present symptom, or a condition, complaint or body part the department
    knowledge knows ("精囊炎能治好吗", "膝盖积液了怎么办", "癫痫护理要注意什么"), a lab
    value out of range ("尿酸560要吃药吗"), or a complaint in words only the department
    model reads ("大拇指弯下去伸不直，一使劲咔哒一下才弹开")."""
    from actions.triage.departments import combiner
    from actions.triage.departments.knowledge import load_knowledge
    from knowledge.typed_values import out_of_range
    from language.symptoms import extract  # builds the spaCy pipeline on first use

    if extract(text).present:
        return True
    matches = load_knowledge().match(text)
    if matches:  # a test or a life situation alone is pointed to its department, not triaged
        return any(m.entry.kind in ("conditions", "symptoms", "body_parts") for m in matches)
    return out_of_range(text) is not None or combiner.model_alone_decides(text, combiner.guess(text, matches=matches))
