"""safety/red_flags.py is where "is this an emergency now?" is decided for the NLU
component, the triage engine and the emergency action alike."""

from __future__ import annotations

from actions.triage import flow
from actions.triage import state as triage_state
from components import red_flag_detector
from language.knowledge_files import knowledge
from safety import red_flags as rf


def test_what_triage_knows_is_the_context_of_a_later_message():
    context = rf.context_from_facts({"age_months": 2, "hypertension": True, "pregnant": None})
    assert context == rf.RedFlagContext(age_months=2, hypertension=True, newborn=False, pregnant=None)
    assert rf.context_from_facts({"age_months": 0.5}).newborn is True
    assert rf.context_from_facts({}).newborn is None  # left to the words of the message
    # The age told earlier makes a plain fever an infant's fever.
    assert rf.detect("发烧了", rf.context_from_facts({"age_months": 2})).id == "infant_fever"
    assert rf.detect("发烧了", rf.context_from_facts({"age_months": 60})) is None


def test_a_conversation_is_an_emergency_when_a_message_its_facts_or_an_answer_say_so():
    assert rf.emergency_now([], [], {}) == []
    assert rf.emergency_now(["stroke"], [], {}, ["stroke"]) == ["stroke"]  # each once, in order
    assert rf.emergency_now([], ["fever"], {"age_months": 2}) == ["infant_fever"]
    assert rf.emergency_now(["stroke"], ["fever"], {"age_months": 2}, ["chest_pain_acs"]) == [
        "stroke",
        "infant_fever",
        "chest_pain_acs",
    ]


def test_the_triage_engine_takes_its_emergency_decision_from_safety():
    state = flow.update(triage_state.start(), "宝宝两个月")
    state = flow.update(state, "发烧了")
    step = flow.next_step(state)
    assert step.urgency == "emergency" and [f["id"] for f in step.red_flags] == rf.emergency_now(
        state["red_flags"], state["present"], state["facts"]
    )


def test_the_emergency_turn_names_the_flag_the_nlu_named_else_the_texts_else_the_one_seen_before():
    assert rf.find("快不行了", {}, named="stroke").id == "stroke"
    assert rf.find("我爸突然嘴歪了", {}, named="no_such_flag").id == "stroke"
    assert rf.find("发烧了", {"age_months": 2}).id == "infant_fever"
    assert rf.find("快不行了", {}, seen=["chest_pain_acs"]).id == "chest_pain_acs"
    assert rf.find("快不行了", {}, seen=["no_such_flag"]) is None
    assert rf.find("", {}) is None


def test_unknown_ids_from_an_old_conversation_are_left_out():
    assert [f.id for f in rf.known(["no_such_flag", "stroke"])] == ["stroke"]


def test_words_for_babies_come_from_red_flags_yml():
    babies = knowledge("red_flags")["babies"]
    assert "宝宝" in babies["baby"] and "刚出生" in babies["newborn"]
    # Jaundice with poor feeding: an emergency for a baby of unknown age, not for an adult.
    assert rf.detect("宝宝皮肤发黄，不吃奶").id == "newborn_jaundice_unwell"
    assert rf.detect("我皮肤发黄，不吃奶") is None


def test_the_emergency_intent_is_the_domains_and_the_rules_read_the_knowledge_file():
    import yaml

    from safety import EMERGENCY_INTENT
    from tests.unit.action_harness import PROJECT_ROOT

    assert EMERGENCY_INTENT in yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]
    assert red_flag_detector.RED_FLAGS_FILE == rf.RED_FLAGS_FILE and rf.RED_FLAGS_FILE.is_file()
