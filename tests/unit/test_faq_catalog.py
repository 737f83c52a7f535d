"""The FAQ catalogue: data/nlu/faq/*.yml, data/knowledge/faq_categories.yml,
tests/nlu/faq.yml and actions/faq/catalog.py.

Besides the loader, menu, suggestions and validator, these tests hold the answers to
the hospital's facts (data/hospital/facts.yml, data/hospital/faq_facts.yml): one
hotline, one set of fees, floors, windows and times everywhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions.faq import catalog as fc

ROOT = Path(__file__).resolve().parents[2]
FAQ_DIR = ROOT / "data" / "nlu" / "faq"
CATEGORIES = ROOT / "data" / "knowledge" / "faq_categories.yml"
HELD_OUT = ROOT / "tests" / "nlu" / "faq.yml"
FACTS = yaml.safe_load((ROOT / "data" / "hospital" / "facts.yml").read_text(encoding="utf-8"))
FAQ_FACTS = yaml.safe_load((ROOT / "data" / "hospital" / "faq_facts.yml").read_text(encoding="utf-8"))

HOTLINE = FACTS["hospital"]["hotline"].split("（")[0].strip()  # 0000-88881200
CRISIS = re.search(r"\d{3}-\d{3}-\d{4}", FACTS["hospital"]["crisis_hotline"]).group(0)
EMERGENCY = FACTS["hospital"]["emergency_phone"]

EXPECTED_CATEGORIES = [
    "挂号与就诊流程",
    "医保与费用",
    "互联网医院",
    "药品配送与自提",
    "检查与检验",
    "住院与探视",
    "交通与停车",
    "证明与病历复印",
    "发热门诊",
    "健康咨询",
]


@pytest.fixture(scope="module")
def catalog() -> fc.FaqCatalog:
    return fc.get_catalog()


def _examples(block: str) -> list:
    return [line.strip()[1:].strip() for line in block.splitlines() if line.strip().startswith("-")]


def _held_out() -> dict:
    data = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))
    return {item["intent"]: _examples(item["examples"]) for item in data["nlu"]}


def _compact(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)


def _answers(catalog) -> dict:
    return {key: e.answer for key, e in catalog.entries.items()}


# ---- Rasa accepts the files ------------------------------------------------------


def test_faq_files_are_valid_rasa_training_data(catalog):
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(FAQ_DIR))
    keys = {ex.get("intent_response_key") for ex in data.training_examples}
    assert keys == {e.intent_response_key for e in catalog.entries.values()}
    assert {ex.get("intent") for ex in data.training_examples} == {"faq"}
    assert set(data.responses) == {e.response_name for e in catalog.entries.values()}
    assert len(data.training_examples) == sum(len(e.examples) for e in catalog.entries.values())


def test_held_out_set_is_valid_rasa_test_data(catalog):
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(HELD_OUT))
    keys = {ex.get("intent_response_key") for ex in data.training_examples}
    assert keys == {e.intent_response_key for e in catalog.entries.values()}


# ---- content ---------------------------------------------------------------------


def test_validator_finds_nothing_to_fix(catalog):
    assert catalog.validate() == []
    assert fc.validate() == []


def test_at_least_80_questions_in_the_ten_categories(catalog):
    assert len(catalog.entries) >= 80
    assert [c.title for c in catalog.categories] == EXPECTED_CATEGORIES
    for cat in catalog.categories:
        assert len(catalog.in_category(cat.key)) >= 4, cat.key
    # one training-data file per category
    assert sorted(c.file for c in catalog.categories) == sorted(p.name for p in FAQ_DIR.glob("*.yml"))


def test_every_question_is_trained_and_answered(catalog):
    for key, e in catalog.entries.items():
        assert len(e.examples) >= 8, key
        assert e.answer.strip(), key
        assert len(e.answer.splitlines()) <= 6, key
        assert e.question == e.examples[0]
        assert key.split("_")[0] in {
            "reg",
            "ins",
            "online",
            "drug",
            "exam",
            "inpt",
            "traffic",
            "record",
            "fever",
            "health",
        }


def test_canonical_questions_are_short_and_unique(catalog):
    questions = [e.question for e in catalog.entries.values()]
    assert len(set(questions)) == len(questions)
    assert all(len(q) <= 14 for q in questions)


def test_canonical_questions_are_never_treated_as_vague(catalog):
    # actions/faq/ sends a suggestion button's question back as the user's text:
    # it must then be answered, not suggested again.
    for e in catalog.entries.values():
        assert not catalog.is_vague(e.question), e.question
        assert catalog.suggest(e.question, limit=1)[0].key == e.key


def test_no_stray_spaces_in_chinese_examples(catalog):
    for e in catalog.entries.values():
        for text in e.examples:
            assert not re.search(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]", text), text
            assert text == text.strip()


def test_no_example_trains_two_questions(catalog):
    seen = {}
    for key, e in catalog.entries.items():
        for text in e.examples:
            assert seen.setdefault(_compact(text), key) == key, text


# ---- held-out set ------------------------------------------------------------------


def test_held_out_covers_every_question_with_new_wording(catalog):
    held_out = _held_out()
    assert set(held_out) == {e.intent_response_key for e in catalog.entries.values()}
    training = {_compact(t) for e in catalog.entries.values() for t in e.examples}
    for intent, examples in held_out.items():
        assert len(examples) >= 3, intent
        for text in examples:
            assert _compact(text) not in training, f"{text} is a training example"
            assert not re.search(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]", text), text


def test_vague_inputs_are_listed_and_never_trained(catalog):
    assert len(catalog.vague_inputs) >= 15
    training = {_compact(t) for e in catalog.entries.values() for t in e.examples}
    held_out = {_compact(t) for examples in _held_out().values() for t in examples}
    for text in catalog.vague_inputs:
        assert _compact(text) not in training | held_out, text
        assert catalog.is_vague(text)
        assert len(text) <= 4


# ---- loader --------------------------------------------------------------------------


def test_loader_is_cached(catalog):
    assert fc.load_catalog() is catalog
    assert fc.get_catalog() is catalog


def test_import_does_no_work():
    code = (
        "import sys, actions.faq.catalog as m;"
        "print(m.load_catalog.cache_info().currsize, any(n == 'rasa' or n.startswith('rasa.') for n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False"]


def test_entry_lookup_accepts_every_label_form(catalog):
    e = catalog.entry("faq/ins_online_payment")
    assert e is catalog.entry("utter_faq/ins_online_payment") is fc.entry("ins_online_payment")
    assert e.category == "insurance"
    assert e.intent_response_key == "faq/ins_online_payment"
    assert e.response_name == "utter_faq/ins_online_payment"
    assert e.to_dict()["question"] == e.question
    assert catalog.entry("faq/no_such_question") is None
    assert len(fc.entries()) == len(catalog.entries)


# ---- menu ------------------------------------------------------------------------------


def test_menu_lists_categories_with_their_hot_questions(catalog):
    menu = fc.menu()
    assert [m["title"] for m in menu] == EXPECTED_CATEGORIES
    reachable = set()
    for item in menu:
        assert item["description"]
        assert 3 <= len(item["hot"]) <= 5
        assert item["count"] == len(catalog.in_category(item["key"]))
        for button in item["hot"]:
            entry = catalog.entry(button["key"])
            assert entry.category == item["key"]
            assert button["question"] == entry.question
            assert button["intent_response_key"] == f"faq/{button['key']}"
        reachable.update(e.key for e in catalog.in_category(item["key"]))
    assert reachable == set(catalog.entries)


# ---- suggestions -------------------------------------------------------------------


def test_suggest_follows_the_response_selector_ranking(catalog):
    ranking = [
        {"intent_response_key": "faq/drug_return", "confidence": 0.31},
        {"intent_response_key": "faq/ins_refund", "confidence": 0.42},
        {"intent_response_key": "greet", "confidence": 0.9},  # not an FAQ: ignored
        {"intent_response_key": "faq/no_such_key", "confidence": 0.8},  # unknown: ignored
        {"intent_response_key": "faq/reg_cancel_rules", "confidence": 0.12},
        {"intent_response_key": "faq/traffic_address", "confidence": 0.01},
    ]
    keys = [e.key for e in fc.suggest("xyz", ranking=ranking)]
    assert keys == ["ins_refund", "drug_return", "reg_cancel_rules"]
    assert [e.key for e in fc.suggest("xyz", ranking=ranking, limit=1)] == ["ins_refund"]
    assert fc.suggest("xyz", ranking=ranking, limit=0) == []


def test_suggest_blends_ranking_with_the_text(catalog):
    # Two near-equal model guesses: the message's own words tip the balance.
    ranking = [
        {"intent_response_key": "faq/exam_report_time", "confidence": 0.36},
        {"intent_response_key": "faq/exam_report_collect", "confidence": 0.34},
    ]
    keys = [e.key for e in fc.suggest("报告在哪里打印", ranking=ranking)]
    assert keys[0] == "exam_report_collect"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("医保", ["ins_how_to_pay", "ins_online_payment", "ins_out_of_town"]),
        ("停车", ["traffic_parking_location", "traffic_parking_fee", "traffic_drop_off"]),
        ("药", ["drug_pickup", "drug_delivery", "drug_pharmacist"]),
        ("检查？", ["exam_where", "exam_booking", "exam_report_time"]),
        ("发票", ["ins_invoice"]),
    ],
)
def test_suggest_uses_keyword_hints_for_a_bare_topic(text, expected):
    assert [e.key for e in fc.suggest(text)] == expected


@pytest.mark.parametrize(
    "text, key",
    [
        ("医保卡丢了怎么办", "ins_lost_card"),
        ("抽血报告多久能出来", "exam_report_time"),
        ("专家号几点放", "reg_expert_release"),
        ("孩子发烧了", "fever_children"),
    ],
)
def test_suggest_without_ranking_finds_the_question(text, key):
    assert fc.suggest(text)[0].key == key


def test_suggest_finds_every_question_by_its_canonical_text(catalog):
    for key, e in catalog.entries.items():
        assert catalog.suggest(e.question)[0].key == key


def test_suggest_without_evidence_suggests_nothing():
    assert fc.suggest("在哪里") == []
    assert fc.suggest("怎么办") == []
    assert fc.suggest("") == []


def test_no_suggestions_for_a_message_without_words_whatever_the_ranking():
    ranking = [{"intent_response_key": "faq/reg_add_number", "confidence": 0.4}]
    assert [e.key for e in fc.suggest("号满了", ranking)] != []
    assert fc.suggest("🙂🙂🙂", ranking) == []
    assert fc.suggest("？？。。", ranking) == []


def test_every_vague_input_gets_at_most_three_known_suggestions(catalog):
    for text in catalog.vague_inputs:
        found = fc.suggest(text)
        assert len(found) <= 3
        assert all(e.key in catalog.entries for e in found)


def test_character_fallback_is_useful_on_held_out_questions(catalog):
    hits = total = 0
    for intent, examples in _held_out().items():
        for text in examples:
            total += 1
            hits += fc.normalize_key(intent) in [e.key for e in catalog.suggest(text)]
    assert hits / total >= 0.85  # top-3 hit rate 0.93 when written


# ---- validator catches mistakes -------------------------------------------------------


def _broken_copy(tmp_path: Path) -> tuple:
    faq_dir = tmp_path / "faq"
    shutil.copytree(FAQ_DIR, faq_dir)
    menu = yaml.safe_load(CATEGORIES.read_text(encoding="utf-8"))

    reg = faq_dir / "registration.yml"
    text = reg.read_text(encoding="utf-8")
    # a long canonical question, a stray space, and a missing response
    text = text.replace("    - 有哪些挂号方式\n", "    - 请问你们医院到底有哪些挂号方式呀\n", 1)
    text = text.replace("    - 门诊几点到几点\n", "    - 门诊 几点到几点\n", 1)
    text = re.sub(r"  utter_faq/reg_add_number:\n  - text: \|-\n(      .*\n)+", "", text)
    reg.write_text(text, encoding="utf-8")

    ins = faq_dir / "insurance.yml"
    text = ins.read_text(encoding="utf-8")
    # an empty answer and a canonical question copied from registration
    text = re.sub(r"(  utter_faq/ins_online_payment:\n  - text: )\|-\n(      .*\n)+", r'\1""\n', text)
    text = text.replace("    - 看病怎么交费\n", "    - 门诊几点上班\n", 1)
    ins.write_text(text, encoding="utf-8")

    (faq_dir / "extra.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: faq/extra_thing\n  examples: |\n    - 一个问题\n'
        "responses:\n  utter_faq/extra_thing:\n  - text: 回答\n  utter_faq/orphan_answer:\n  - text: 没有问题的回答\n",
        encoding="utf-8",
    )
    menu["categories"][1]["hot"] = ["ins_invoice", "no_such_question"]
    menu["keywords"]["医保"].append("missing_key")
    categories = tmp_path / "faq_categories.yml"
    categories.write_text(yaml.safe_dump(menu, allow_unicode=True), encoding="utf-8")
    return str(faq_dir), str(categories)


def test_validator_reports_each_kind_of_mistake(tmp_path):
    broken = fc.load_catalog(*_broken_copy(tmp_path))
    problems = "\n".join(broken.validate())
    expected = [
        "faq/reg_add_number has no response utter_faq/reg_add_number",
        "utter_faq/orphan_answer has no intent faq/orphan_answer",
        "faq/ins_online_payment: empty answer",
        "longer than 14 characters",
        "canonical question '门诊几点上班' also used by",
        "example '门诊几点上班' also trains",
        "stray space in example '门诊 几点到几点'",
        "faq/extra_thing: 1 examples, need at least 8",
        "data/nlu/faq/extra.yml belongs to no category in the menu",
        "faq/extra_thing: not reachable from the menu",
        "category insurance: 2 hot questions, need 3-5",
        "category insurance: hot question no_such_question does not exist",
        "keyword 医保: question missing_key does not exist",
    ]
    for message in expected:
        assert message in problems, message


def test_validator_checks_hot_questions_stay_in_their_category(tmp_path):
    menu = yaml.safe_load(CATEGORIES.read_text(encoding="utf-8"))
    menu["categories"][0]["hot"][0] = "ins_invoice"
    categories = tmp_path / "faq_categories.yml"
    categories.write_text(yaml.safe_dump(menu, allow_unicode=True), encoding="utf-8")
    problems = fc.load_catalog(str(FAQ_DIR), str(categories)).validate()
    assert problems == ["category registration: hot question ins_invoice belongs to insurance"]


# ---- the answers agree with the hospital's facts ----------------------------------------

PHONE = re.compile(r"(?<![\d.:])(\d{3,4}-\d{7,8}|\d{3}-\d{3}-\d{4}|1\d{10}|\d{7,})(?![\d:])")


def test_only_the_hospital_phone_numbers_appear(catalog):
    allowed = {HOTLINE, CRISIS}
    assert HOTLINE == "0000-88881200"
    for key, answer in _answers(catalog).items():
        for number in PHONE.findall(answer):
            assert number in allowed, f"{key}: unknown phone number {number}"
        for number in re.findall(r"(?:拨打|打|电话)\s*(\d[\d-]*)", answer):
            assert number in allowed | {EMERGENCY}, f"{key}: {number}"
        if HOTLINE in answer and "（" in answer.split(HOTLINE, 1)[1][:2]:
            assert answer.split(HOTLINE, 1)[1].startswith("（每天 8:00-20:00）"), key
    # the invented facts use the same hotline
    assert HOTLINE in FAQ_FACTS["channels"]["phone_booking"]


def test_registration_rules_match_facts(catalog):
    text = "\n".join(_answers(catalog).values())
    for days, time in re.findall(r"专家号：提前 (\d+) 天，每天 (\d+:\d+)", text):
        assert (days, time) == ("7", "15:00")
    for days, time in re.findall(r"普通号：提前 (\d+) 天，每天 (\d+:\d+)", text):
        assert (days, time) == ("14", "8:00")
    assert re.findall(r"专家号：提前 (\d+) 天", text) and re.findall(r"普通号：提前 (\d+) 天", text)
    fees = FACTS["registration"]["fees"]
    for kind, fee in re.findall(r"(普通号|专家号|特需号)\s*(\d+)\s*元", text):
        assert int(fee) == fees[kind], kind
    for days in re.findall(r"普通号可提前 (\d+) 天约", text):
        assert int(days) == FACTS["registration"]["booking_window_days"]
    assert "提前 15 分钟" in catalog.entry("reg_check_in").answer
    hours = catalog.entry("reg_outpatient_hours").answer
    for part in ("8:00-12:00", "13:30-17:30", "18:00-21:00", "24 小时"):
        assert part in hours


def test_places_and_floors_match_facts(catalog):
    floors = {"检验科": "1", "超声科": "2", "内镜中心": "3", "放射科": "负 1"}
    for key, answer in _answers(catalog).items():
        for floor, place in re.findall(r"医技楼\s*(负\s*1|\d)\s*楼\s*(检验科|超声科|内镜中心|放射科)", answer):
            assert floor == floors[place], f"{key}: {place} on {floor}"
        for place, floor in re.findall(r"(检验科|超声科|内镜中心|放射科)在医技楼\s*(负\s*1|\d)\s*楼", answer):
            assert floor == floors[place], f"{key}: {place} on {floor}"
        for floor in re.findall(r"医技楼\s*(负\s*\d|\d)\s*楼", answer):
            assert floor in floors.values(), key
        for floor in re.findall(r"急诊楼\s*(\d)\s*楼", answer):
            assert floor == "1", key
        if "发热门诊" in answer and "门进" in answer:
            assert not re.search(r"[南北西]门进", answer), key
        assert "住院楼 A 栋 1 楼" in answer or "住院办理处" not in answer, key
    assert "健康路 88 号" in catalog.entry("traffic_address").answer
    assert "2 号线健康路站，B 口" in catalog.entry("traffic_public_transport").answer


def test_windows_exist_in_faq_facts(catalog):
    numbers = set()
    for label in FAQ_FACTS["windows"]:
        low, _, high = str(label).partition("-")
        numbers.update(range(int(low), int(high or low) + 1))
    meaning = {"9": "医保", "15": "盖章", "29": "自提", "30": "用药咨询"}
    for key, answer in _answers(catalog).items():
        for low, high in re.findall(r"(\d+)(?:-(\d+))?\s*号(?:[^\d\n，。]{0,8})?窗口", answer):
            assert int(low) in numbers and (not high or int(high) in numbers), f"{key}: window {low}"
        for word, number in (("医保服务窗口", "9"), ("用药咨询窗口", "30")):
            for found in re.findall(r"(\d+)\s*号" + word, answer):
                assert found == number, key
    for number, word in meaning.items():
        assert word in str(FAQ_FACTS["windows"][int(number)])


def test_visiting_parking_and_fever_clinic_match_facts(catalog):
    answers = _answers(catalog)
    assert "15:00-19:00" in answers["inpt_visiting"] and "1 名" in answers["inpt_visiting"]
    for key, answer in answers.items():
        for fee in re.findall(r"每小时 (\d+) 元", answer):
            assert fee == "5", key
        if "探视时间：" in answer:
            assert "15:00-19:00" in answer, key
    assert "首小时免费" in answers["traffic_parking_fee"]
    assert "P1-P2" in answers["traffic_parking_location"] and "南门" in answers["traffic_parking_location"]
    assert "24 小时" in answers["fever_location"] and "东门" in answers["fever_location"]


def test_health_answers_give_no_personal_dose_and_name_who_to_ask(catalog):
    departments = {
        d["name"]
        for d in yaml.safe_load((ROOT / "data" / "hospital" / "departments.yml").read_text(encoding="utf-8"))[
            "departments"
        ]
    }
    for e in catalog.in_category("health"):
        assert not re.search(r"\d+\s*(mg|毫克|克|片|粒|袋|毫升|ml)", e.answer, re.I), e.key
        names = [d for d in departments if d in e.answer]
        assert names or "药师" in e.answer or "医生" in e.answer, e.key
        assert any(w in e.answer for w in ("请", "就医", "120")), e.key
