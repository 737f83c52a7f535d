"""Which department sees what a patient asked about, said after another capability's
answer: "溃疡性结肠炎，来复诊开药" gets the 复诊 answer and then "关于溃疡性结肠炎，可以看消化内科"
with the booking button. A patient who names a condition, a test or a body part always
learns where to go, without triage questions (the question was not about symptoms now)."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from rasa_sdk.executor import CollectingDispatcher

from actions.common import custom_payload
from actions.triage import assessment
from actions.triage.departments.combiner import guess, unsure
from actions.triage.departments.knowledge import load_knowledge
from actions.triage.form import NOT_BOOKABLE, book_button, outcome_payload
from actions.triage.wording import wording
from language.patient_facts import says
from language.symptoms import extract

# What names a topic a department owns; life situations (孕期, 老人) alone do not, after
# another answer. When nothing else answered (the NLU was unsure), a situation the knowledge
# places with confidence ("左洛复能不能减药", "想做窝沟封闭") does: better than a guess.
# A patient who asks which department ("波立维还要吃吗 复查挂啥") learns it for those too.
POINTED_KINDS = ("conditions", "tests", "symptoms", "body_parts")
UNANSWERED_KINDS = POINTED_KINDS + ("situations",)


def department_for(text: str, kinds: Optional[Sequence[str]] = None) -> Optional[Tuple[str, str]]:
    """(term named, department) when the text names something of `kinds` (by default
    POINTED_KINDS, or UNANSWERED_KINDS when the patient asks which department) the
    department knowledge places with confidence and the department takes bookings."""
    if kinds is None:
        kinds = UNANSWERED_KINDS if says("asks_department", text) else POINTED_KINDS
    matches = load_knowledge().match(text)
    # What the patient named first, a situation ("孩子", "怀孕了") only when nothing else.
    named = sorted((m for m in matches if m.entry.kind in kinds), key=lambda m: m.entry.kind == "situations")
    if not named:
        return None
    ranking = for_this_patient(guess(text, matches=matches).ranking, text)
    if not ranking or unsure(ranking) or ranking[0][0] in NOT_BOOKABLE:
        return None
    return named[0].phrase, ranking[0][0]  # as the patient wrote it ("胸片", not 胸部CT)


def for_this_patient(ranking: List[Tuple[str, float]], text: str) -> List[Tuple[str, float]]:
    """The ranking moved as triage moves it for the patient the text speaks of: a
    six-year-old's 支原体肺炎 is seen in 儿科, a pregnant woman's 胃疼 and 妊娠糖尿病 in 产科
    (so 内分泌科 or 产科 is no longer a doubt for her); no children's department for someone
    of 14 or more ("儿子15岁，不肯出门")."""
    ex = extract(text)
    facts = {"age_months": ex.age_months, "child_patient": ex.child_patient, "pregnant": ex.pregnant, "sex": ex.sex}
    moved, _ = assessment.remap(dict(ranking), facts)
    return sorted(
        ((d, s) for d, s in moved.items() if not assessment.too_old_for(d, ex.age_months)), key=lambda ds: -ds[1]
    )


def answer_which_department(dispatcher: CollectingDispatcher, text: str) -> bool:
    """When the patient asks which department ("该挂哪个科") and the knowledge places what
    they named, says it (whatever the NLU took the message for); False otherwise."""
    return says("asks_department", text) and point_to_department(dispatcher, text)


def point_to_department(dispatcher: CollectingDispatcher, text: str, kinds: Optional[Sequence[str]] = None) -> bool:
    """Says the department for `text` with its booking button; False when there is none."""
    found = department_for(text, kinds)
    if found is None:
        return False
    say_department(dispatcher, *found)
    return True


def say_department(dispatcher: CollectingDispatcher, term: str, department: str) -> None:
    """ "关于{term}，可以看{department}" with the booking button."""
    reason = wording()["pointer"].format(term=term, department=department)
    payload = outcome_payload({"department": department, "urgency": "routine", "reason": reason, "advice": None})
    dispatcher.utter_message(text=reason, buttons=book_button(payload))
    dispatcher.utter_message(json_message=custom_payload(triage=payload))
