"""General questions that need no identity and show no personal data: what a lab value
means ("血红蛋白偏低说明什么", "我的白细胞12是不是很严重") and how to prepare for an exam."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text
from actions.reports import lab_values
from actions.reports import words as w
from actions.triage.form import NOT_BOOKABLE
from actions.triage.pointer import point_to_department, say_department
from knowledge import Analyte, find_analyte, find_exam
from knowledge.typed_values import typed_value
from language.symptoms import extract


class LabMeaning(Action):
    """ "血红蛋白偏低说明什么": general knowledge, no identity, no personal data."""

    def name(self) -> Text:
        return "action_lab_meaning"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = latest_text(tracker)
        analyte = find_analyte(text)
        if analyte is None:
            if not tracker.active_loop and extract(text).present:  # "低烧37.6好几天了": a complaint
                return [FollowupAction("triage_form")]
            # "B超说胰腺回声增强，要紧吗": no analyte, but the department that reads it.
            if not point_to_department(dispatcher, text):
                dispatcher.utter_message(response="utter_lab_meaning_which")
            return []
        # The analyte's own next step and department say whom to see (not the department
        # knowledge: "白细胞12" is about a blood count, whatever else the message names).
        typed = typed_value(text, analyte)
        if typed is not None:
            said = lab_values.explain(analyte, typed)
            dispatcher.utter_message(**said)
            normal = said["response"] == "utter_lab_value_normal"
        else:
            self._explain_untyped(dispatcher, text, analyte)
            normal = False
        if not normal and analyte.department not in NOT_BOOKABLE:
            say_department(dispatcher, analyte.name, analyte.department)
        return []

    @staticmethod
    def _explain_untyped(dispatcher: CollectingDispatcher, text: str, analyte: Analyte) -> None:
        # Drop the analyte's own name first: 血小板 holds 小, 低密度脂蛋白 holds 低.
        rest = text
        for key in sorted(analyte.keys, key=len, reverse=True):
            rest = rest.replace(key, "")
        high = any(word in rest for word in w.listed("high"))
        low = any(word in rest for word in w.listed("low"))
        flags = ["↑"] if high and not low else ["↓"] if low and not high else ["↑", "↓"]
        lines = [
            w.phrase("meaning", analyte=analyte.name, direction=w.direction(flag), meaning=analyte.meaning(flag))
            for flag in flags
            if analyte.meaning(flag)
        ]
        if not lines:
            lines = [w.phrase("meaning_unknown", analyte=analyte.name)]
        dispatcher.utter_message(response="utter_lab_meaning", lines="\n".join(lines), next_step=analyte.next_step)


class ExamPreparation(Action):
    """Where an exam is done and how to prepare ("做增强CT前要停二甲双胍吗")."""

    def name(self) -> Text:
        return "action_exam_preparation"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = latest_text(tracker)
        exam = find_exam(text)
        if exam is None:
            if not point_to_department(dispatcher, text):
                dispatcher.utter_message(response="utter_exam_which")
            return []
        dispatcher.utter_message(
            response="utter_exam_preparation",
            exam=exam.name,
            location=exam.location,
            preparation="\n".join(w.phrase("preparation", line=line) for line in exam.preparation),
            duration=exam.duration,
            turnaround=exam.turnaround,
        )
        point_to_department(dispatcher, text)  # "萎缩性胃炎伴肠化，多久复查胃镜": and who follows it up
        return []
