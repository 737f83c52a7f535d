"""Which department and how urgently, from what the state holds so far (no question
asked): red flags first (decided by safety/red_flags.py), then every symptom's votes
(data/knowledge/symptoms.yml), the answers' and combinations' boosts, named conditions,
and age, pregnancy and sex."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from actions.triage.questions import load_knowledge, question_value
from actions.triage.reading import department_ranking
from actions.triage.state import CHILDREN_DEPARTMENTS, CHOOSE_ID, DEPARTMENTS, URGENCY_RANK
from actions.triage.wording import wording
from hospital.reference import load_departments
from safety import red_flags as rf

# How much a named condition or test (data/triage/departments) weighs against the
# symptom lexicon's votes (3 = first choice, ×1.5 for the first symptom). 3.0 rather than 1.5
# since 2026-12-03: a named condition or body part beats a generic symptom ("眼皮上长了个疙瘩"
# is 眼科, not 体表肿块); development set 82.7 → 84.5 %, held-out questions 93.4 → 94.6 %.
EMERGENCY = "急诊科"
NAMED_WEIGHT = 3.0
CHOSEN_WEIGHT = 100.0
# What the whole message reads as, against symptoms that are all generic (乏力, 恶心, 发热):
# as much as two first-choice symptoms.
GENERIC_EVIDENCE_WEIGHT = 3.0
# The main complaint counts half again; a circumstance beside a complaint of the body, half
# (round 23, 2026-12-05: vague messages with the main complaint not first).
MAIN_COMPLAINT_WEIGHT = 1.5
CONTEXT_WEIGHT = 0.5
# A child's cold goes to 儿科 rather than 耳鼻喉科 on a tie: a tenth of all the evidence,
# so a named 眼科 or 骨科 entry still wins in a ranking of shares.
CHILD_TIE_BREAK = 0.1


@dataclass
class Assessment:
    department: Optional[str]
    urgency: str
    ranking: List[Tuple[str, float]]
    red_flags: List[str]
    because: List[str]
    remap_reason: Optional[str]
    self_care_return_if: Optional[str]
    used: List[str]
    # a combination of complaints (symptoms.yml combinations) chose the department
    by_combination: bool = False

    @property
    def key(self) -> Tuple[Optional[str], str]:
        return self.department, self.urgency


def is_acute(facts: Mapping[str, Any]) -> bool:
    """A new complaint of at most a week, as far as the patient said (not "老毛病", not for months)."""
    return not facts.get("recurrent") and (facts.get("duration_days") is None or facts["duration_days"] <= 7)


def is_infant(facts: Mapping[str, Any]) -> bool:
    """Known to be under one year old."""
    return facts.get("age_months") is not None and facts["age_months"] < 12


def symptoms_in_use(state: Mapping[str, Any]) -> List[str]:
    lexicon = load_knowledge().lexicon
    # Nothing current? Then what the patient wonders about ("是不是感冒了"), then a
    # past episode they want followed up ("上个月晕倒过一次，想复查").
    # A background (在吃降压药) decides only when nothing else does: "三年前脑出血 … 一直吃降压药
    # 想复查一下" is the bleed's follow-up.
    groups = [
        [s for s in state[name] if s in lexicon.symptoms] for name in ("present", "uncertain", "past") if name in state
    ]
    # "怀孕时候有妊娠糖尿病，产后半年复查": a pregnancy said to be over is no pregnancy care now
    if state["facts"].get("pregnant") is False:
        groups = [[s for s in group if s != "pregnancy_care"] or group for group in groups]
    for group in groups:
        foreground = [s for s in group if not lexicon.symptoms[s].background]
        if foreground:
            return foreground
    return next((group for group in groups if group), [])


def main_complaint(used: Sequence[str]) -> Optional[str]:
    """The complaint a triage nurse weighs most: the first one told, unless it is a generic
    companion (乏力, 没胃口) or a circumstance (压力大, 一紧张就) and a complaint of the body
    follows ("这阵子没胃口 浑身乏 腿也肿 一按一个坑": the swelling)."""
    lexicon = load_knowledge().lexicon
    for sid in used:
        sym = lexicon.symptoms[sid]
        if not sym.generic and not sym.context:
            return sid
    return used[0] if used else None


def relevant_questions(state: Mapping[str, Any], used: Sequence[str]) -> List[str]:
    kb = load_knowledge()
    order: List[str] = []
    for sid in used:
        for qid in kb.lexicon.symptoms[sid].questions:
            if qid not in order:
                order.append(qid)
    for qid in kb.general:
        if qid not in order:
            order.append(qid)
    return order


def _combination_holds(
    combo: Mapping[str, Any], present: set, facts: Mapping[str, Any], past: Optional[set] = None
) -> bool:
    lexicon = load_knowledge().lexicon
    # `after`: an earlier event the complaint now follows (now or in the past: "三个月前摔过头")
    if combo.get("after") and not set(combo["after"]) & (present | (past or set())):
        return False
    if combo.get("any") and not set(combo["any"]) & present:
        return False
    if combo.get("all") and not set(combo["all"]) <= present:
        return False
    for group in combo.get("any_of_each", []):
        if isinstance(group, Mapping):
            tag = group["tag"]
            if not any(tag in lexicon.symptoms[s].tags for s in present):
                return False
        elif not set(group) & present:
            return False
    for key, wanted in (combo.get("facts") or {}).items():
        if facts.get(key) != wanted and not (wanted is True and facts.get(key) is True):
            return False
    # `acute`: true for a new complaint only, false for one of more than a week (or recurring)
    return combo.get("acute") is None or combo["acute"] == is_acute(facts)


def _raise(urgency: str, to: Optional[str]) -> str:
    if to and URGENCY_RANK[to] > URGENCY_RANK[urgency]:
        return to
    return urgency


def evaluate(state: Mapping[str, Any]) -> Assessment:
    """The recommendation the state supports right now (no questions asked)."""
    kb = load_knowledge()
    lexicon = kb.lexicon
    facts = state["facts"]
    used = symptoms_in_use(state)
    present = set(state["present"])

    relevant = relevant_questions(state, used)
    revealed = []  # red flags an answer reveals ("头疼是突然炸裂样的吗？" — "是")
    for qid in relevant:
        q = kb.questions[qid]
        value = question_value(state, q)
        flag = (q.effects.get(value) or {}).get("red_flag") if value else None
        if flag:
            revealed.append(flag)
    flags = rf.emergency_now(
        state["red_flags"], present, facts, revealed, state.get("past", ()), state.get("quieted", ())
    )
    if flags:
        return Assessment(EMERGENCY, "emergency", [(EMERGENCY, 100.0)], flags, [], None, None, used)
    chosen = state["answers"].get(CHOOSE_ID)
    if not used:
        ranking = department_ranking(state)
        if not ranking:
            return Assessment(None, "routine", [], [], [], None, None, used)
        named_scores: Dict[str, float] = OrderedDict(ranking)
        if chosen in DEPARTMENTS:
            named_scores[chosen] = named_scores.get(chosen, 0.0) + CHOSEN_WEIGHT
        named_scores, remap_reason = remap(named_scores, facts)
        ranking = sorted(named_scores.items(), key=lambda kv: -kv[1])
        urgency = state["departments"]["urgency"] or "routine"
        return Assessment(ranking[0][0], urgency, ranking, [], [], remap_reason, None, used)

    scores: Dict[str, float] = OrderedDict()
    urgency = "routine"
    because: List[Tuple[float, str]] = []
    main = state.get("main") if state.get("main") in used else main_complaint(used)
    bodily = any(not lexicon.symptoms[s].context and not lexicon.symptoms[s].generic for s in used)
    for sid in used:
        sym = lexicon.symptoms[sid]
        weight = MAIN_COMPLAINT_WEIGHT if sid == main else 1.0
        if sym.context and bodily:
            weight *= CONTEXT_WEIGHT  # "压力大 头发掉得厉害": the hair is the complaint, the stress its setting
        weight *= {"severe": 1.2, "mild": 0.8}.get(state["severity"].get(sid), 1.0)
        for dept, w in sym.departments.items():
            scores[dept] = scores.get(dept, 0.0) + w * weight
        if sid not in present:
            continue  # a past episode or a worry sets the department, not the urgency
        # "跑步后有点喘，休息一下就好了": settled by itself, so a visit soon, not today
        days = facts.get("duration_days")
        long_standing = sym.acute_days is not None and days is not None and days > sym.acute_days
        long_standing |= bool(facts.get("sequela")) and not facts.get("sudden")
        urgency = _raise(urgency, "routine" if facts.get("resolved") or long_standing else sym.urgency)
        if state["severity"].get(sid) == "severe" and not sym.background and is_acute(facts):
            urgency = _raise(urgency, sym.severe_urgency)
    boosted_by_answer = False
    for qid in relevant:
        q = kb.questions[qid]
        value = question_value(state, q)
        effect = q.effects.get(value) if value else None
        if not effect:
            continue
        for dept, w in (effect.get("boost") or {}).items():
            scores[dept] = scores.get(dept, 0.0) + w
            boosted_by_answer = True
        urgency = _raise(urgency, effect.get("urgency"))
        if effect.get("because"):
            because.append(
                (sum((effect.get("boost") or {}).values()) + (2 if effect.get("urgency") else 0), effect["because"])
            )
    derived = dict(facts)
    derived["infant"] = is_infant(facts)
    combined: set = set()
    for combo in kb.combinations:
        if not _combination_holds(combo, present, derived, set(state.get("past", []))):
            continue
        combined.update(combo.get("boost") or {})
        for dept, w in (combo.get("boost") or {}).items():
            scores[dept] = scores.get(dept, 0.0) + w
        urgency = _raise(urgency, combo.get("urgency"))
        if combo.get("because"):
            because.append(
                (sum((combo.get("boost") or {}).values()) + (2 if combo.get("urgency") else 0), combo["because"])
            )

    for dept, value in state["departments"]["named"].items():
        scores[dept] = scores.get(dept, 0.0) + NAMED_WEIGHT * value
    if all(lexicon.symptoms[sid].generic for sid in used):
        # "没精神" or "恶心" alone says little about where to go; what the knowledge and the
        # model read in the whole message says more ("脑子停不下来，两三点才睡着，没精神").
        for dept, share in department_ranking(state):
            scores[dept] = scores.get(dept, 0.0) + GENERIC_EVIDENCE_WEIGHT * share
    if chosen in DEPARTMENTS:
        scores[chosen] = scores.get(chosen, 0.0) + CHOSEN_WEIGHT
    scores, remap_reason = remap(scores, facts)
    # On a tie, what the patient named ("糖尿病五年了，要查眼底" → 眼科) goes first.
    named = state["departments"]["named"]
    ranking = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0] not in named))
    department = ranking[0][0] if ranking else None

    # Young children and pregnant women are seen the same day or routinely, never sent home.
    age = facts.get("age_months")
    return_if = None
    if urgency == "routine" and not boosted_by_answer:
        return_if = _self_care(state, used, age)
        if return_if:
            urgency = "self_care"
    if age is not None and age < 3 and urgency == "routine" and "fever" in present:
        urgency = "today"
    if _tonight_in_emergency(facts, used, department):
        ranking = [(EMERGENCY, ranking[0][1] + 1.0)] + [kv for kv in ranking if kv[0] != EMERGENCY]
        department, urgency, return_if = EMERGENCY, "today", None
        remap_reason = wording()["remap"]["after_hours"]

    dept_reasons = [b for b in sorted(because, key=lambda b: -b[0])]
    return Assessment(
        department,
        urgency,
        ranking,
        [],
        [text for _, text in dept_reasons],
        remap_reason,
        return_if,
        used,
        by_combination=department in combined and not boosted_by_answer,
    )


def _tonight_in_emergency(facts: Mapping[str, Any], used: Sequence[str], department: Optional[str]) -> bool:
    """ "晚上11点了，拉肚子三次，门诊下班了吧": a new complaint when the clinics are closed is
    seen in 急诊 tonight; a long-standing one waits for a booking, and the departments
    open all night (发热门诊) stay."""
    if not facts.get("after_hours") or department is None:
        return False
    if any(d.always_open for d in load_departments() if d.name == department):
        return False
    days = facts.get("duration_days")
    lexicon = load_knowledge().lexicon
    return (days is None or days <= 3) and not all(lexicon.symptoms[s].background for s in used)


def _self_care(state: Mapping[str, Any], used: Sequence[str], age: Optional[float]) -> Optional[str]:
    lexicon = load_knowledge().lexicon
    facts = state["facts"]
    days = facts.get("duration_days")
    if days is None and facts.get("resolved"):
        days = 0.5  # "冲了冷水现在不疼了": just happened and already settling
    if days is None or facts.get("pregnant") or (age is not None and age < 36):
        return None
    if any(state["severity"].get(s) == "severe" for s in used):
        return None
    limits, texts = [], []
    for sid in used:
        sym = lexicon.symptoms[sid]
        if sym.self_care_days is None:
            if sym.generic:
                continue
            return None
        limits.append(sym.self_care_days)
        if sym.return_if and sym.return_if not in texts:
            texts.append(sym.return_if)
    if not limits or days > min(limits):
        return None
    # The chief complaint's advice; the others usually say the same in other words.
    return texts[0] if texts else wording()["self_care_return_if"]


def patient_ranking(state: Mapping[str, Any]) -> List[Tuple[str, float]]:
    """The department ranking moved for this patient (a newborn's goes to 新生儿科, a child's
    to 儿科, …), best first: two departments that land in one are no choice to ask about."""
    moved, _ = remap(dict(department_ranking(state)), state["facts"])
    return sorted(moved.items(), key=lambda kv: -kv[1])


def too_old_for(department: str, age_months: Optional[float]) -> bool:
    """A children's department for someone of 14 or more."""
    adult = load_knowledge().demographics.get("child_max_years", 14) * 12
    return department in CHILDREN_DEPARTMENTS and age_months is not None and age_months >= adult


def remap(scores: Dict[str, float], facts: Mapping[str, Any]) -> Tuple[Dict[str, float], Optional[str]]:
    demo = load_knowledge().demographics
    remap_reasons = wording()["remap"]
    age = facts.get("age_months")
    reason = None
    target: Dict[str, str] = {}
    bonus = None
    if age is not None and age * 30.4 <= demo.get("newborn_max_days", 28):
        target = {d: "新生儿科" for d in scores}
        reason = remap_reasons["newborn"]
    elif (age is not None and age < demo.get("child_max_years", 14) * 12) or (
        age is None and facts.get("child_patient") and not facts.get("pregnant")  # her 宝宝 is the baby she carries
    ):
        # "孩子哮喘，医生让一个月后复查": a parent speaking of 孩子/娃 without an age means a minor.
        target = {d: "儿科" for d in scores if d in demo.get("child_remap", [])}
        if target:
            reason = remap_reasons["child"]
            bonus = "儿科"  # a child's cold goes to 儿科 rather than 耳鼻喉科 on a tie
    elif facts.get("pregnant"):
        # Ending a pregnancy (人流, 药流) is 妇科's, whatever else she says.
        keep = {"妇科"} if facts.get("ending_pregnancy") else set()
        target = {d: "产科" for d in scores if d in demo.get("pregnancy_remap", []) and d not in keep}
        if target:
            reason = remap_reasons["pregnancy"]
    moved: Dict[str, float] = OrderedDict()
    for dept, score in scores.items():
        dest = target.get(dept, dept)
        moved[dest] = moved.get(dest, 0.0) + score
    if bonus in moved:
        moved[bonus] += CHILD_TIE_BREAK * sum(scores.values())
    if facts.get("sex") == "male":
        for dept in demo.get("female_only", []):
            moved.pop(dept, None)
    if set(moved) - CHILDREN_DEPARTMENTS:
        # "儿子15岁，不肯上学": someone of 14 or more is not seen in 儿科, whatever the words suggest.
        for dept in CHILDREN_DEPARTMENTS:
            if too_old_for(dept, age):
                moved.pop(dept, None)
    if reason and (not moved or max(moved, key=lambda d: moved[d]) not in set(target.values())):
        # "怀孕期间…要先请产科医生看" only when 产科 (儿科, 新生儿科) is the one now first
        reason = None
    return moved, reason
