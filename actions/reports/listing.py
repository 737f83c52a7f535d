"""The verified patient's recent lab orders and imaging exams, one line each with
their status, and a button to open each report that is out."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.common import UsesHospital, buttons, say_hospital_error
from actions.identity.patient import whose
from actions.identity.verification import verified_card
from actions.reports import words as w
from actions.reports.asked import gated_text
from hospital.interface import HospitalError, HospitalSystems, ImagingExam, LabOrder

logger = logging.getLogger(__name__)

MAX_LISTED = 6


def report_kind(text: str) -> Optional[str]:
    """'lab' or 'imaging' when the patient named one kind of report."""
    lab = any(word in text for word in w.listed("lab"))
    imaging = any(word in text for word in w.listed("imaging"))
    return "lab" if lab and not imaging else "imaging" if imaging and not lab else None


def lab_line(order: LabOrder) -> str:
    ordered = w.when(order.ordered_at)
    if order.status == "ready":
        abnormal = sum(1 for r in order.results if r.flag)
        note = w.phrase("lab_abnormal", count=abnormal) if abnormal else w.phrase("lab_all_normal")
        return w.phrase("lab_ready", panel=order.panel, ordered=ordered, note=note)
    return w.phrase("lab_pending", panel=order.panel, ordered=ordered, expected=w.when(order.expected_at))


def imaging_line(exam: ImagingExam) -> str:
    status = {
        "ready": lambda: w.phrase("imaging_ready"),
        "pending_report": lambda: w.phrase("imaging_pending_report", expected=w.when(exam.expected_at)),
        "scheduled": lambda: w.phrase("imaging_scheduled", scheduled=w.when(exam.scheduled_at), location=exam.location),
    }.get(exam.status, lambda: exam.status)()
    return w.phrase("imaging", modality=exam.modality, body_part=exam.body_part, status=status)


def recent(
    hospital: HospitalSystems, card: str, kind: Optional[str], asked: Dict[str, Any]
) -> Tuple[List[LabOrder], List[ImagingExam]]:
    """The lab orders and exams the report list shows, in its order."""
    orders = hospital.lab_orders(card, **asked) if kind != "imaging" else []
    exams = hospital.imaging_exams(card, **asked) if kind != "lab" else []
    return orders[:MAX_LISTED], exams[:MAX_LISTED]


def listed_reports(
    hospital: HospitalSystems, card: str, kind: Optional[str], asked: Dict[str, Any]
) -> List[Tuple[str, str]]:
    """(kind, id) of every report in the list, in the order it shows them."""
    orders, exams = recent(hospital, card, kind, asked)
    return [("lab", o.id) for o in orders] + [("imaging", e.id) for e in exams]


class ShowReports(UsesHospital, Action):
    """The verified patient's recent lab orders and imaging exams, with status."""

    def name(self) -> Text:
        return "action_show_reports"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        card = verified_card(tracker)
        if not card:  # only ever run after identity; never look records up without it
            return []
        kind = report_kind(gated_text(tracker, "check_report"))
        asked = {"conversation_id": tracker.sender_id}
        try:
            orders, exams = recent(self.hospital, card, kind, asked)
            name = whose(tracker, card, self.hospital)
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            return []
        if not orders and not exams:
            dispatcher.utter_message(response="utter_reports_none", name=name)
            return []
        lines = [lab_line(o) for o in orders] + [imaging_line(e) for e in exams]
        ready = [
            (w.phrase("open_lab", panel=o.panel), f'/open_report{{"report_id": "lab:{o.id}"}}')
            for o in orders
            if o.status == "ready"
        ]
        ready += [
            (
                w.phrase("open_imaging", modality=e.modality, body_part=e.body_part),
                f'/open_report{{"report_id": "imaging:{e.id}"}}',
            )
            for e in exams
        ]
        dispatcher.utter_message(
            response="utter_reports_list", name=name, lines="\n".join(lines), buttons=buttons(ready[:8])
        )
        return []
