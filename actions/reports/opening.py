"""One report in full: a lab order as a table with plain-word notes on what is out of
range (a critical value's alert last), or an imaging exam's conclusion or appointment."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesHospital, custom_payload, say_hospital_error
from actions.identity.patient import whose
from actions.identity.verification import verified_card
from actions.reports import words as w
from actions.reports.asked import gated_entity, gated_text
from actions.reports.listing import listed_reports, report_kind
from actions.responses import render
from hospital.facts import facts
from hospital.interface import HospitalError, HospitalSystems, ImagingExam, LabOrder, NotFound
from knowledge import load_lab_tests
from language.ordinals import parse_ordinal, pick

logger = logging.getLogger(__name__)


class ShowReport(UsesHospital, Action):
    """One report in full: a lab order as a table with plain-word notes, or an exam."""

    def name(self) -> Text:
        return "action_show_report"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        card = verified_card(tracker)
        if not card:  # only ever run after identity; never look records up without it
            return []
        wanted = gated_entity(tracker, "open_report", "report_id") or ""
        kind, _, report_id = wanted.partition(":")
        system = self.hospital
        try:
            asked = {"conversation_id": tracker.sender_id}
            if not report_id:
                said = gated_text(tracker, "open_report")
                kind, report_id = by_name(system, card, said, asked)
                if not report_id and parse_ordinal(said) is not None:
                    kind, report_id = by_place(system, card, said, tracker, asked)
            if kind == "lab":
                order = system.lab_order(card, report_id, **asked)
                show_lab_order(dispatcher, order, whose(tracker, card, system))
            elif kind == "imaging":
                exam = system.imaging_exam(card, report_id, **asked)
                show_imaging(dispatcher, exam, whose(tracker, card, system))
            else:
                dispatcher.utter_message(response="utter_report_which")
        except NotFound:
            dispatcher.utter_message(response="utter_report_not_found")
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
        return []


def by_place(hospital: HospitalSystems, card: str, text: str, tracker: Tracker, asked: Dict[str, Any]):
    """ "看第一份": the report at that place in the list action_show_reports showed."""
    listed = listed_reports(hospital, card, report_kind(gated_text(tracker, "check_report")), asked)
    chosen = pick(text, listed)
    return chosen if chosen else (None, None)


def by_name(hospital: HospitalSystems, card: str, text: str, asked: Dict[str, Any]):
    """The newest report whose panel or exam the patient named ("看下血常规")."""
    for order in hospital.lab_orders(card, **asked):
        if any(part in text for part in order.panel.split("/")):
            return "lab", order.id
    modalities = w.modality_words()
    for exam in hospital.imaging_exams(card, **asked):
        said = modalities.get(exam.modality, (exam.modality,))
        if any(word in text for word in said) or exam.body_part in text:
            return "imaging", exam.id
    return None, None


def show_lab_order(dispatcher: CollectingDispatcher, order: LabOrder, name: str) -> None:
    """`name`: whose report it is, masked (王**)."""
    if order.status != "ready":
        dispatcher.utter_message(
            response="utter_lab_pending", name=name, panel=order.panel, expected=w.when(order.expected_at)
        )
        return
    catalogue = load_lab_tests()
    rows, notes = [], []
    for result in order.results:
        rows.append(
            {
                "name": result.name,
                "value": w.number(result.value),
                "unit": result.unit,
                "range": w.value_range(result.ref_low, result.ref_high),
                "flag": result.flag,
                "critical": result.critical,
            }
        )
        if result.flag:
            direction = w.direction(result.flag)
            try:
                analyte = catalogue.get(result.code)
                notes.append(
                    w.phrase(
                        "note",
                        name=result.name,
                        direction=direction,
                        meaning=analyte.meaning(result.flag) or "",
                        next_step=analyte.next_step,
                    )
                )
            except KeyError:
                notes.append(w.phrase("note_unknown", name=result.name, direction=direction))
    table = "\n".join(w.phrase("table_row", **{**r, "flag": r["flag"] or ""}).replace("  ", " ") for r in rows)
    reported = w.when(order.reported_at)
    dispatcher.utter_message(
        response="utter_lab_report",
        name=name,
        panel=order.panel,
        reported=reported,
        department=order.department,
        table=table,
        json_message=custom_payload(
            lab_report={"title": order.panel, "status": order.status, "reported_at": reported, "results": rows}
        ),
    )
    critical = [r for r in order.results if r.critical]
    if notes:  # the critical-value alert, if any, comes last: it is what to act on
        dispatcher.utter_message(response="utter_lab_notes", notes="\n".join(notes), department=order.department)
    if critical:
        alert = {
            "names": "、".join(r.name for r in critical),
            "phone": facts().emergency.phone,
            "place": facts().emergency.place,
        }
        message = render("utter_lab_critical", **alert)
        dispatcher.utter_message(
            response="utter_lab_critical",
            **alert,
            json_message=custom_payload(
                emergency={"title": w.phrase("critical_title"), "message": message, "phone": facts().emergency.phone}
            ),
        )
    if not notes and not critical:
        dispatcher.utter_message(response="utter_lab_all_normal")


def show_imaging(dispatcher: CollectingDispatcher, exam: ImagingExam, name: str) -> None:
    exam_of = {"name": name, "modality": exam.modality, "body_part": exam.body_part}
    if exam.status == "ready" and exam.conclusion:
        dispatcher.utter_message(response="utter_imaging_report", conclusion=exam.conclusion, **exam_of)
    elif exam.status == "pending_report":
        dispatcher.utter_message(response="utter_imaging_pending", expected=w.when(exam.expected_at), **exam_of)
    else:
        dispatcher.utter_message(
            response="utter_imaging_scheduled",
            scheduled=w.when(exam.scheduled_at),
            location=exam.location,
            preparation=exam.preparation,
            **exam_of,
        )
