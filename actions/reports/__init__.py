"""Reports (报告): a verified patient's own lab and imaging results, in plain words.

Listing and opening reports are gated by identity (see actions/identity.py); general
questions about an analyte or an exam need no identity and show no personal data.
Explanations come from data/knowledge (lab_tests.yml, exams.yml), never a diagnosis.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.reports import lab_values
from actions.common import buttons, custom_payload, hospital, latest_text, say_hospital_error
from hospital.facts import facts
from hospital.interface import HospitalError, ImagingExam, LabOrder, NotFound
from knowledge import find_analyte, find_exam, load_lab_tests
from actions.identity import verified_card, whose
from language.ordinals import parse_ordinal, pick

logger = logging.getLogger(__name__)

_LAB_WORDS = ("血", "化验", "检验", "尿", "肝功", "肾功", "血脂", "血糖", "甲功", "指标")
_IMAGING_WORDS = ("超声", "B超", "b超", "彩超", "CT", "ct", "核磁", "MRI", "磁共振", "X光", "X线", "拍片", "胸片", "胃镜", "肠镜", "影像")
_HIGH = ("高", "升", "超标", "多", "大")
_LOW = ("低", "降", "少", "不足", "小")
# What patients call a modality the RIS names (超声 is "B超"/"彩超" to most people).
_MODALITY_WORDS = {
    "超声": ("超声", "B超", "b超", "彩超"),
    "MRI": ("MRI", "核磁", "磁共振"),
    "X线": ("X线", "X光", "胸片", "拍片"),
    "CT": ("CT", "ct"),
}
MAX_LISTED = 6



def _when(moment: Optional[dt.datetime]) -> str:
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}" if moment else "待定"


def _number(value: float) -> str:
    return f"{value:g}"


def _range(low: Optional[float], high: Optional[float]) -> str:
    if low is not None and high is not None:
        return f"{_number(low)}-{_number(high)}"
    if high is not None:
        return f"≤{_number(high)}"
    return f"≥{_number(low)}" if low is not None else ""


def report_kind(text: str) -> Optional[str]:
    """'lab' or 'imaging' when the patient named one kind of report."""
    lab = any(word in text for word in _LAB_WORDS)
    imaging = any(word in text for word in _IMAGING_WORDS)
    return "lab" if lab and not imaging else "imaging" if imaging and not lab else None


def lab_line(order: LabOrder) -> str:
    if order.status == "ready":
        abnormal = sum(1 for r in order.results if r.flag)
        note = f"，{abnormal} 项异常" if abnormal else "，各项均在参考范围内"
        return f"· {order.panel}（{_when(order.ordered_at)} 开单）：已出结果{note}"
    return f"· {order.panel}（{_when(order.ordered_at)} 开单）：检验中，预计 {_when(order.expected_at)} 出结果"


def imaging_line(exam: ImagingExam) -> str:
    status = {
        "ready": "报告已出",
        "pending_report": f"已检查，报告预计 {_when(exam.expected_at)} 出",
        "scheduled": f"已预约，{_when(exam.scheduled_at)} 在{exam.location}检查",
    }.get(exam.status, exam.status)
    return f"· {exam.modality} {exam.body_part}：{status}"


def _recent(card: str, kind: Optional[str], asked: Dict[str, Any]) -> Tuple[List[LabOrder], List[ImagingExam]]:
    """The lab orders and exams the report list shows, in its order."""
    orders = hospital().lab_orders(card, **asked) if kind != "imaging" else []
    exams = hospital().imaging_exams(card, **asked) if kind != "lab" else []
    return orders[:MAX_LISTED], exams[:MAX_LISTED]


def listed_reports(card: str, kind: Optional[str], asked: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(kind, id) of every report in the list, in the order it shows them."""
    orders, exams = _recent(card, kind, asked)
    return [("lab", o.id) for o in orders] + [("imaging", e.id) for e in exams]


class ShowReports(Action):
    """The verified patient's recent lab orders and imaging exams, with status."""

    def name(self) -> Text:
        return "action_show_reports"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        card = verified_card(tracker)
        if not card:  # only ever run after identity; never look records up without it
            return []
        kind = report_kind(_gated_text(tracker, "check_report"))
        asked = {"conversation_id": tracker.sender_id}
        try:
            orders, exams = _recent(card, kind, asked)
            name = whose(tracker, card)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        if not orders and not exams:
            dispatcher.utter_message(text=f"没有查到{name}近期的检验或检查记录。如果刚做完，可能还在登记中，请稍后再查。")
            return []
        lines = [lab_line(o) for o in orders] + [imaging_line(e) for e in exams]
        ready = [(f"查看{o.panel}", f'/open_report{{"report_id": "lab:{o.id}"}}') for o in orders if o.status == "ready"]
        ready += [
            (f"查看{e.modality}{e.body_part}", f'/open_report{{"report_id": "imaging:{e.id}"}}')
            for e in exams
        ]
        dispatcher.utter_message(text=f"{name}近期的报告：\n" + "\n".join(lines), buttons=buttons(ready[:8]))
        return []


def _gated_text(tracker: Tracker, intent: str) -> str:
    """Text of the patient's latest message with `intent` (the one that asked for
    this before identity was checked)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and event.get("parse_data", {}).get("intent", {}).get("name") == intent:
            return event.get("text") or ""
    return latest_text(tracker)


def _gated_entity(tracker: Tracker, intent: str, entity: str) -> Optional[str]:
    for event in reversed(tracker.events):
        parse = event.get("parse_data", {}) if event.get("event") == "user" else {}
        if parse.get("intent", {}).get("name") == intent:
            return next((e["value"] for e in parse.get("entities", []) if e.get("entity") == entity), None)
    return None


class ShowReport(Action):
    """One report in full: a lab order as a table with plain-word notes, or an exam."""

    def name(self) -> Text:
        return "action_show_report"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        card = verified_card(tracker)
        if not card:  # only ever run after identity; never look records up without it
            return []
        wanted = _gated_entity(tracker, "open_report", "report_id") or ""
        kind, _, report_id = wanted.partition(":")
        system = hospital()
        try:
            asked = {"conversation_id": tracker.sender_id}
            if not report_id:
                said = _gated_text(tracker, "open_report")
                kind, report_id = self._by_name(card, said, asked)
                if not report_id and parse_ordinal(said) is not None:
                    kind, report_id = self._by_place(card, said, tracker, asked)
            if kind == "lab":
                order = system.lab_order(card, report_id, **asked)
                show_lab_order(dispatcher, order, whose(tracker, card))
            elif kind == "imaging":
                exam = system.imaging_exam(card, report_id, **asked)
                show_imaging(dispatcher, exam, whose(tracker, card))
            else:
                dispatcher.utter_message(text="请问想看哪一份报告？可以说“查报告”看看您的全部报告。")
        except NotFound:
            dispatcher.utter_message(text="没有找到这份报告。只能查看您本人的报告，请说“查报告”看看您的报告列表。")
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
        return []

    @staticmethod
    def _by_place(card: str, text: str, tracker: Tracker, asked: Dict[str, Any]):
        """"看第一份": the report at that place in the list action_show_reports showed."""
        listed = listed_reports(card, report_kind(_gated_text(tracker, "check_report")), asked)
        chosen = pick(text, listed)
        return chosen if chosen else (None, None)

    @staticmethod
    def _by_name(card: str, text: str, asked: Dict[str, Any]):
        """The newest report whose panel or exam the patient named ("看下血常规")."""
        system = hospital()
        for order in system.lab_orders(card, **asked):
            if any(part in text for part in order.panel.split("/")):
                return "lab", order.id
        for exam in system.imaging_exams(card, **asked):
            words = _MODALITY_WORDS.get(exam.modality, (exam.modality,))
            if any(word in text for word in words) or exam.body_part in text:
                return "imaging", exam.id
        return None, None


def show_lab_order(dispatcher: CollectingDispatcher, order: LabOrder, name: str) -> None:
    """`name`: whose report it is, masked (王**)."""
    if order.status != "ready":
        dispatcher.utter_message(
            text=f"{name}的{order.panel}还在检验中，预计 {_when(order.expected_at)} 出结果。出结果后可以再来问我。"
        )
        return
    catalogue = load_lab_tests()
    rows, notes = [], []
    for result in order.results:
        reference = _range(result.ref_low, result.ref_high)
        rows.append(
            {"name": result.name, "value": _number(result.value), "unit": result.unit,
             "range": reference, "flag": result.flag, "critical": result.critical}
        )
        if result.flag:
            try:
                analyte = catalogue.get(result.code)
                meaning = analyte.meaning(result.flag) or ""
                notes.append(f"· {result.name}{'偏高' if result.flag == '↑' else '偏低'}：{meaning}{analyte.next_step}")
            except KeyError:
                notes.append(f"· {result.name}{'偏高' if result.flag == '↑' else '偏低'}：请把报告给开单医生看。")
    table = "\n".join(
        f"{r['name']} {r['value']} {r['unit']} {r['flag'] or ''}（参考 {r['range']}）".replace("  ", " ")
        for r in rows
    )
    dispatcher.utter_message(
        text=f"{name}的{order.panel}（{_when(order.reported_at)} 报告，{order.department}开单）\n{table}",
        json_message=custom_payload(
            lab_report={
                "title": order.panel,
                "status": order.status,
                "reported_at": _when(order.reported_at),
                "results": rows,
            }
        ),
    )
    critical = [r for r in order.results if r.critical]
    if notes:  # the critical-value alert, if any, comes last: it is what to act on
        dispatcher.utter_message(
            text="异常项目的一般含义（仅供参考，不能代替医生诊断）：\n" + "\n".join(notes)
            + f"\n请把报告给开单的{order.department}医生看。"
        )
    if critical:
        names = "、".join(r.name for r in critical)
        message = (
            f"⚠️ {names}达到危急值，需要马上处理。请立即联系开单医生，或现在就到急诊科（{facts().emergency.place}）；"
            f"如有心慌、胸闷、明显乏力或意识不清，请立即拨打 {facts().emergency.phone}。"
        )
        dispatcher.utter_message(
            text=message,
            json_message=custom_payload(
                emergency={"title": "危急值提醒", "message": message, "phone": facts().emergency.phone}
            ),
        )
    if not notes and not critical:
        dispatcher.utter_message(text="各项结果都在参考范围内。具体请以医生解读为准。")


def show_imaging(dispatcher: CollectingDispatcher, exam: ImagingExam, name: str) -> None:
    head = f"{name}的{exam.modality} {exam.body_part}"
    if exam.status == "ready" and exam.conclusion:
        dispatcher.utter_message(
            text=f"{head} 报告结论：\n{exam.conclusion}\n检查报告需要结合症状由医生解读，请带着报告复诊。"
        )
    elif exam.status == "pending_report":
        dispatcher.utter_message(text=f"{head}已经做完，报告预计 {_when(exam.expected_at)} 出。")
    else:
        dispatcher.utter_message(
            text=f"{head}预约在 {_when(exam.scheduled_at)}，地点：{exam.location}。\n检查前准备：{exam.preparation}"
        )


class LabMeaning(Action):
    """"血红蛋白偏低说明什么": general knowledge, no identity, no personal data."""

    def name(self) -> Text:
        return "action_lab_meaning"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = latest_text(tracker)
        analyte = find_analyte(text)
        if analyte is None:
            dispatcher.utter_message(
                text="请问是哪一项指标？比如“白细胞偏高”“转氨酶高”“血钾低”。想看自己的报告，说“查报告”。"
            )
            return []
        typed = lab_values.typed_value(text, analyte)
        if typed is not None:
            said = lab_values.explain(analyte, typed)
            dispatcher.utter_message(**said)
            return []
        # Drop the analyte's own name first: 血小板 holds 小, 低密度脂蛋白 holds 低.
        rest = text
        for key in sorted(analyte.keys, key=len, reverse=True):
            rest = rest.replace(key, "")
        high = any(word in rest for word in _HIGH)
        low = any(word in rest for word in _LOW)
        flags = ["↑"] if high and not low else ["↓"] if low and not high else ["↑", "↓"]
        lines = [
            f"{analyte.name}{'偏高' if flag == '↑' else '偏低'}：{analyte.meaning(flag)}"
            for flag in flags
            if analyte.meaning(flag)
        ]
        if not lines:
            lines = [f"{analyte.name}结果异常的含义要结合具体情况，请咨询开单医生。"]
        dispatcher.utter_message(
            text="\n".join(lines)
            + f"\n{analyte.next_step}\n以上是一般情况，不能代替医生诊断；一次轻度异常不必过于担心，请把报告给医生看。"
        )
        return []


class ExamPreparation(Action):
    """Where an exam is done and how to prepare ("做增强CT前要停二甲双胍吗")."""

    def name(self) -> Text:
        return "action_exam_preparation"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        exam = find_exam(latest_text(tracker))
        if exam is None:
            dispatcher.utter_message(
                text="请问是哪项检查？比如“胃镜”“腹部B超”“增强CT”“抽血”。"
            )
            return []
        preparation = "\n".join(f"· {line}" for line in exam.preparation)
        dispatcher.utter_message(
            text=(
                f"{exam.name}\n地点：{exam.location}\n检查前准备：\n{preparation}\n"
                f"时长：{exam.duration}；出报告：{exam.turnaround}\n有疑问请咨询开单医生。"
            )
        )
        return []
