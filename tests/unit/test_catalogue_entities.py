"""Departments and number types come from the hospital catalogue, not from training:
every name and alias is found with the catalogue name as its value, the longest
name wins, FAQ questions carry no entities, and every entity the held-out set
annotates is found."""

from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from hospital.interface import NUMBER_TYPES
from hospital.reference import load_departments
from components.catalogue_entities import CatalogueEntityExtractor
from language.catalogue_entities import DEPARTMENTS_FILE, EXTRACTOR, entity_words, find_entities
from tests.unit.test_nlu_annotations import ROOT


def found(text):
    return [(text[e["start"] : e["end"]], e["entity"], e["value"]) for e in find_entities(text)]


def test_every_department_name_is_found_by_its_catalogue_name():
    for department in load_departments(DEPARTMENTS_FILE):
        assert found(f"我想挂{department.name}的号") == [(department.name, "department", department.name)]


def test_short_forms_and_aliases_map_to_the_catalogue_name():
    assert found("看心内") == [("心内", "department", "心血管内科")]
    assert found("帮我约个呼吸科") == [("呼吸科", "department", "呼吸内科")]
    assert found("挂普外") == [("普外", "department", "普通外科")]


def test_the_longest_name_wins():
    assert found("心血管内科明天有号吗") == [("心血管内科", "department", "心血管内科")]
    assert found("耳鼻咽喉头颈外科") == [("耳鼻咽喉头颈外科", "department", "耳鼻喉科")]


def test_number_types_and_department_in_one_sentence():
    assert found("后天心内科的专家号") == [("心内科", "department", "心血管内科"), ("专家号", "number_type", "专家号")]
    for number_type in NUMBER_TYPES:
        assert found(f"要{number_type}") == [(number_type, "number_type", number_type)]
    assert found("要专家的") == [("专家", "number_type", "专家号")]
    assert found("看普通外科") == [("普通外科", "department", "普通外科")]


def test_every_alias_in_the_catalogue_is_recognised():
    words = entity_words()
    for department in load_departments(DEPARTMENTS_FILE):
        for alias in department.aliases:
            assert words[alias] == ("department", department.name)


def test_entities_name_the_component_that_rasa_reports():
    assert EXTRACTOR == CatalogueEntityExtractor.__name__
    assert {e["extractor"] for e in find_entities("挂心内科专家号")} == {EXTRACTOR}


def process(text, intent):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}})
    CatalogueEntityExtractor({"ignore_intents": ["faq"]}).process([message])
    return message.get("entities")


def test_a_booking_message_gets_entities_a_faq_question_does_not():
    assert [e["value"] for e in process("约心内科专家号", "book_appointment")] == ["心血管内科", "专家号"]
    assert process("专家号几点放号", "faq") is None


def test_every_entity_annotated_in_the_held_out_set_is_found():
    missed = []
    for message in load_data(str(ROOT / "tests" / "nlu")).nlu_examples:
        text = message.get("text")
        for entity in message.get("entities") or []:
            want = (text[entity["start"] : entity["end"]], entity["entity"], entity["value"])
            if want not in found(text):
                missed.append((text, want))
    assert missed == []
