"""The reports actions against the real domain and a freshly seeded hospital.

Demo cards (data/hospital/demo_scenario.yml): 1000001 man 45 (血脂/肝功能 high, 血常规 pending,
abdominal ultrasound ready, CT scheduled), 1000002 woman 30 (HGB 102 low), 1000003
woman 76 (K 6.8 critical, head CT pending report), 1000004 boy 6 (child ranges)."""

from __future__ import annotations

import re

import pytest
from rasa_sdk.events import FollowupAction

from knowledge import find_analyte, find_exam, load_lab_tests
from actions.reports.explaining import ExamPreparation, LabMeaning
from actions.reports.listing import ShowReports
from actions.reports.opening import ShowReport
from tests.unit.reports_harness import all_text, make_tracker, payloads, run, texts, user

MAN, WOMAN, CRITICAL, CHILD = "1000001", "1000002", "1000003", "1000004"


def verified(card: str, text: str, intent: str, report_id: str = None):
    entities = [("report_id", report_id)] if report_id else []
    return make_tracker(user(text, intent, entities), slots={"verified_card": card})


def order_of(hospital, card: str, panel: str):
    return next(o for o in hospital.lab_orders(card) if o.panel == panel)


def exam_of(hospital, card: str, status: str):
    return next(e for e in hospital.imaging_exams(card) if e.status == status)


async def open_lab(hospital, card: str, panel: str):
    order = order_of(hospital, card, panel)
    return await run(ShowReport(hospital=hospital), verified(card, "打开这份报告", "open_report", f"lab:{order.id}"))


def row_for(dispatcher, name: str) -> dict:
    (report,) = payloads(dispatcher, "lab_report")
    return next(r for r in report["results"] if r["name"] == name)


# --- the list -------------------------------------------------------------------------------------


async def test_list_shows_labs_and_imaging_with_status(hospital):
    dispatcher, events = await run(ShowReports(hospital=hospital), verified(MAN, "查一下我的报告", "check_report"))

    assert events == []
    assert len(dispatcher.messages) == 1
    text = all_text(dispatcher)
    assert text.startswith("陈**近期的报告：")  # whose records these are, masked
    for order in hospital.lab_orders(MAN):
        assert order.panel in text
    assert "血脂（11月4日 08:10 开单）：已出结果，4 项异常" in text
    assert "肾功能（11月4日 08:10 开单）：已出结果，各项均在参考范围内" in text
    # pending: when it is expected
    assert "血常规（11月24日 08:20 开单）：检验中，预计 11月24日 10:20 出结果" in text
    assert "超声 肝胆胰脾：报告已出" in text
    assert "CT 上腹部：已预约，11月27日 14:30 在医技楼负1楼放射科检查" in text


async def test_list_buttons_open_only_ready_lab_orders(hospital):
    dispatcher, _ = await run(ShowReports(hospital=hospital), verified(MAN, "查报告", "check_report"))

    payloads_ = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    pending = order_of(hospital, MAN, "血常规")
    ready = [o for o in hospital.lab_orders(MAN) if o.status == "ready"]
    for order in ready:
        assert f'/open_report{{"report_id": "lab:{order.id}"}}' in payloads_
    assert not any(pending.id in p for p in payloads_)
    assert all(re.fullmatch(r'/open_report\{"report_id": "(lab|imaging):[A-Z0-9]+"\}', p) for p in payloads_)


@pytest.mark.parametrize(
    "text, labs, imaging",
    [
        ("我抽血的结果出来没", True, False),
        ("化验单出来了吗", True, False),
        ("我的B超报告好了没有", False, True),
        ("上次做的CT报告出了吗", False, True),
        ("查报告", True, True),
    ],
)
async def test_list_filters_by_the_kind_named(hospital, text, labs, imaging):
    dispatcher, _ = await run(ShowReports(hospital=hospital), verified(MAN, text, "check_report"))

    shown = all_text(dispatcher)
    assert ("血脂" in shown) is labs
    assert ("肝胆胰脾" in shown) is imaging


async def test_list_uses_the_message_that_asked_not_the_last_one(hospital):
    # After the identity form the latest message is the phone digits; the kind comes
    # from the check_report message that started it.
    tracker = make_tracker(
        user("我的B超报告好了没有", "check_report"),
        user("1000001", "provide_identity"),
        user("5678", "provide_identity"),
        slots={"verified_card": MAN},
    )
    dispatcher, _ = await run(ShowReports(hospital=hospital), tracker)

    assert "肝胆胰脾" in all_text(dispatcher)
    assert "血脂" not in all_text(dispatcher)


# --- one lab order ---------------------------------------------------------------------------------


async def test_lab_report_gives_every_analyte_with_value_unit_range_and_flag(hospital):
    order = order_of(hospital, WOMAN, "血常规")
    dispatcher, events = await open_lab(hospital, WOMAN, "血常规")

    assert events == []
    table = texts(dispatcher)[0]
    assert table.startswith("林**的血常规（11月19日 10:30 报告，妇科开单）")  # whose, masked
    for result in order.results:
        assert result.name in table
        assert f"{result.value:g} {result.unit}" in table
    assert "血红蛋白 102 g/L ↓（参考 115-150）" in table
    # a normal value has no arrow (the value itself is the demo data's draw)
    wbc = next(r for r in order.results if r.name == "白细胞计数")
    line = f"白细胞计数 {wbc.value:g} ×10^9/L"
    assert f"{line} （参考 3.5-9.5）" in table or f"{line}（参考 3.5-9.5）" in table

    (report,) = payloads(dispatcher, "lab_report")
    assert report["title"] == "血常规" and report["status"] == "ready"
    assert [r["name"] for r in report["results"]] == [r.name for r in order.results]
    assert row_for(dispatcher, "血红蛋白") == {
        "name": "血红蛋白",
        "value": "102",
        "unit": "g/L",
        "range": "115-150",
        "flag": "↓",
        "critical": False,
    }
    assert row_for(dispatcher, "血小板计数")["flag"] == ""


async def test_lab_report_explains_abnormal_values_in_plain_words_with_next_step(hospital):
    dispatcher, _ = await open_lab(hospital, WOMAN, "血常规")

    notes = texts(dispatcher)[1]
    hgb = load_lab_tests().get("HGB")
    assert "不能代替医生诊断" in notes
    assert f"· 血红蛋白偏低：{hgb.when_low}{hgb.next_step}" in notes
    assert hgb.when_high not in notes
    assert "请把报告给开单的妇科医生看" in notes
    assert "血小板" not in notes  # normal values get no note
    assert not payloads(dispatcher, "emergency")


async def test_all_normal_lab_report_says_so(hospital):
    dispatcher, _ = await open_lab(hospital, MAN, "肾功能")

    assert texts(dispatcher)[-1] == "各项结果都在参考范围内。具体请以医生解读为准。"
    assert all(r["flag"] == "" for r in payloads(dispatcher, "lab_report")[0]["results"])


def _male_adult_with_blood_count(hospital):
    for n in range(1000007, 1000065):
        card = str(n)
        patient = hospital.patient(card)
        if patient.sex == "男" and patient.age_on(hospital.today) >= 18:
            orders = [o for o in hospital.lab_orders(card) if o.panel == "血常规" and o.status == "ready"]
            if orders:
                return card, orders[0]
    raise AssertionError("the seed has no adult man with a blood count")


async def test_haemoglobin_range_is_the_mans_for_a_man_and_the_womans_for_a_woman(hospital):
    card, order = _male_adult_with_blood_count(hospital)
    man, _ = await run(ShowReport(hospital=hospital), verified(card, "打开", "open_report", f"lab:{order.id}"))
    woman, _ = await open_lab(hospital, WOMAN, "血常规")

    assert row_for(man, "血红蛋白")["range"] == "130-175"
    assert row_for(woman, "血红蛋白")["range"] == "115-150"
    # the same value reads differently: 120 is low for a man, normal for a woman
    hgb = load_lab_tests().get("HGB")
    assert hgb.evaluate(120, "男", 40).flag == "↓" and hgb.evaluate(120, "女", 40).flag == ""


async def test_child_gets_child_ranges(hospital):
    child, _ = await open_lab(hospital, CHILD, "血常规")
    adult, _ = await open_lab(hospital, WOMAN, "血常规")

    assert row_for(child, "白细胞计数")["range"] == "4.3-11.3"
    assert row_for(adult, "白细胞计数")["range"] == "3.5-9.5"
    # 420 platelets: normal for a 6-year-old (167-453), would be high for an adult (125-350)
    assert row_for(child, "血小板计数") == {
        "name": "血小板计数",
        "value": "420",
        "unit": "×10^9/L",
        "range": "167-453",
        "flag": "",
        "critical": False,
    }
    assert row_for(child, "白细胞计数")["flag"] == "↑"


async def test_every_range_shown_matches_the_knowledge_for_the_patients_sex_and_age(hospital):
    catalogue = load_lab_tests()
    for card in (MAN, WOMAN, CRITICAL, CHILD):
        patient = hospital.patient(card)
        age = patient.age_on(hospital.today)
        for order in hospital.lab_orders(card):
            if order.status != "ready":
                continue
            dispatcher, _ = await run(
                ShowReport(hospital=hospital), verified(card, "打开", "open_report", f"lab:{order.id}")
            )
            rows = {r["name"]: r for r in payloads(dispatcher, "lab_report")[0]["results"]}
            for result in order.results:
                analyte = catalogue.get(result.code)
                expected = analyte.evaluate(result.value, patient.sex, age)
                low, high = expected.ref_low, expected.ref_high
                assert (result.ref_low, result.ref_high) == (low, high), (card, result.code)
                assert rows[result.name]["flag"] == expected.flag, (card, result.code)


async def test_critical_potassium_gives_the_emergency_message_and_payload(hospital):
    dispatcher, _ = await open_lab(hospital, CRITICAL, "电解质")

    k = row_for(dispatcher, "钾")
    assert float(k["value"]) >= 6.5 and k["flag"] == "↑" and k["critical"] is True
    (emergency,) = payloads(dispatcher, "emergency")
    assert emergency["phone"] == "120"
    assert emergency["title"] == "危急值提醒"
    assert "钾达到危急值" in emergency["message"]
    assert "120" in texts(dispatcher)[-1] and "急诊" in texts(dispatcher)[-1]
    assert texts(dispatcher)[-1] == emergency["message"]


async def test_pending_lab_order_says_when_it_is_expected(hospital):
    dispatcher, _ = await open_lab(hospital, MAN, "血常规")

    assert texts(dispatcher) == ["陈**的血常规还在检验中，预计 11月24日 10:20 出结果。出结果后可以再来问我。"]
    assert not payloads(dispatcher, "lab_report")


async def test_open_by_naming_the_panel(hospital):
    tracker = make_tracker(user("看一下血常规的结果", "open_report"), slots={"verified_card": WOMAN})
    dispatcher, _ = await run(ShowReport(hospital=hospital), tracker)

    assert payloads(dispatcher, "lab_report")[0]["title"] == "血常规"


async def test_open_without_saying_which_asks_back(hospital):
    dispatcher, _ = await run(ShowReport(hospital=hospital), verified(WOMAN, "打开最新的那份报告", "open_report"))

    assert texts(dispatcher) == ["请问想看哪一份报告？可以说“查报告”看看您的全部报告。"]


# --- imaging ----------------------------------------------------------------------------------------


async def test_ready_imaging_gives_the_conclusion(hospital):
    exam = exam_of(hospital, MAN, "ready")
    dispatcher, _ = await run(ShowReport(hospital=hospital), verified(MAN, "打开", "open_report", f"imaging:{exam.id}"))

    assert texts(dispatcher) == [
        "陈**的超声 肝胆胰脾 报告结论：\n轻度脂肪肝。\n检查报告需要结合症状由医生解读，请带着报告复诊。"
    ]


async def test_imaging_waiting_for_its_report_says_when(hospital):
    exam = exam_of(hospital, CRITICAL, "pending_report")
    dispatcher, _ = await run(
        ShowReport(hospital=hospital), verified(CRITICAL, "打开", "open_report", f"imaging:{exam.id}")
    )

    assert texts(dispatcher) == ["王**的CT 头颅已经做完，报告预计 11月24日 16:00 出。"]


async def test_scheduled_imaging_gives_time_place_and_preparation(hospital):
    exam = exam_of(hospital, MAN, "scheduled")
    dispatcher, _ = await run(ShowReport(hospital=hospital), verified(MAN, "打开", "open_report", f"imaging:{exam.id}"))

    text = all_text(dispatcher)
    assert text.startswith("陈**的CT 上腹部预约在 11月27日 14:30，地点：医技楼负1楼放射科。")
    assert "检查前准备：" in text and exam.preparation in text
    assert "二甲双胍" in text  # an enhanced CT: the metformin advice reaches the patient


@pytest.mark.parametrize("text", ["把B超的结论给我看看", "看看超声报告", "给我看下彩超的结果"])
async def test_open_imaging_by_the_patients_word_for_it(hospital, text):
    dispatcher, _ = await run(ShowReport(hospital=hospital), verified(MAN, text, "open_report"))

    assert "轻度脂肪肝" in all_text(dispatcher)


# --- general questions: no identity, no personal data ---------------------------------------------


async def test_lab_meaning_low_answers_low_only():
    dispatcher, events = await run(LabMeaning(), make_tracker(user("血红蛋白偏低说明什么", "ask_lab_meaning")))

    hgb = load_lab_tests().get("HGB")
    text = all_text(dispatcher)
    assert events == []
    assert hgb.when_low in text and hgb.next_step in text
    assert hgb.when_high not in text and "偏高" not in text
    assert "不能代替医生诊断" in text


async def test_lab_meaning_high_answers_high_only():
    dispatcher, _ = await run(LabMeaning(), make_tracker(user("转氨酶高了要紧吗", "ask_lab_meaning")))

    alt = load_lab_tests().get("ALT")
    text = all_text(dispatcher)
    assert alt.when_high in text and alt.next_step in text
    assert alt.when_low not in text


@pytest.mark.parametrize(
    "text, code, flag",
    [
        # the analyte's own name holds a direction word (血小板 小, 低密度 低, 高密度 高)
        ("血小板偏高是怎么一回事", "PLT", "↑"),
        ("血小板低有什么问题", "PLT", "↓"),
        ("低密度脂蛋白高有什么影响", "LDL-C", "↑"),
        ("高密度脂蛋白低了不好吗", "HDL-C", "↓"),
    ],
)
async def test_lab_meaning_direction_ignores_words_inside_the_analyte_name(text, code, flag):
    dispatcher, _ = await run(LabMeaning(), make_tracker(user(text, "ask_lab_meaning")))

    analyte = load_lab_tests().get(code)
    other = "↓" if flag == "↑" else "↑"
    shown = all_text(dispatcher)
    assert analyte.meaning(flag) in shown
    assert analyte.meaning(other) is None or analyte.meaning(other) not in shown


async def test_lab_meaning_without_direction_gives_both():
    dispatcher, _ = await run(LabMeaning(), make_tracker(user("肌酐是什么意思", "ask_lab_meaning")))

    crea = load_lab_tests().get("CREA")
    assert crea.when_high in all_text(dispatcher) and crea.when_low in all_text(dispatcher)


async def test_lab_meaning_for_an_unknown_analyte_asks_back():
    dispatcher, _ = await run(LabMeaning(), make_tracker(user("那个指标高了怎么办", "ask_lab_meaning")))

    assert texts(dispatcher) == ["请问是哪一项指标？比如“白细胞偏高”“转氨酶高”“血钾低”。想看自己的报告，说“查报告”。"]


async def test_a_temperature_read_as_a_lab_value_goes_to_triage():
    dispatcher, events = await run(LabMeaning(), make_tracker(user("低烧37.6好几天了", "ask_lab_meaning")))

    assert texts(dispatcher) == [] and events == [FollowupAction("triage_form")]


async def test_exam_preparation_for_enhanced_ct_mentions_metformin():
    dispatcher, events = await run(ExamPreparation(), make_tracker(user("做增强CT前要停二甲双胍吗", "ask_exam_prep")))

    text = all_text(dispatcher)
    assert events == []
    assert text.startswith("增强CT\n")
    assert "二甲双胍" in text and "48 小时" in text
    assert find_exam("增强CT").location in text


async def test_exam_preparation_for_gastroscopy_covers_fasting():
    dispatcher, _ = await run(ExamPreparation(), make_tracker(user("胃镜前要空腹吗", "ask_exam_prep")))

    text = all_text(dispatcher)
    assert text.startswith("胃镜\n")
    assert find_exam("胃镜").fasting is True
    assert "禁食 8 小时" in text
    for line in find_exam("胃镜").preparation:
        assert line in text


async def test_exam_preparation_for_an_unknown_exam_asks_back():
    dispatcher, _ = await run(ExamPreparation(), make_tracker(user("那个检查要准备啥", "ask_exam_prep")))

    assert texts(dispatcher) == ["请问是哪项检查？比如“胃镜”“腹部B超”“增强CT”“抽血”。"]


@pytest.mark.parametrize(
    "action, text, intent",
    [
        (LabMeaning(), "血钾高是什么原因", "ask_lab_meaning"),
        (LabMeaning(), "血红蛋白偏低说明什么", "ask_lab_meaning"),
        (ExamPreparation(), "做增强CT前要停二甲双胍吗", "ask_exam_prep"),
        (ExamPreparation(), "胃镜前要空腹吗", "ask_exam_prep"),
    ],
)
async def test_general_answers_carry_no_personal_data_even_when_verified(hospital, action, text, intent):
    # Verified as the critical-potassium patient: the general answer must not turn
    # into her report, and must not read any record.
    before = len(hospital.audit_entries())
    tracker = make_tracker(user(text, intent), slots={"verified_card": CRITICAL, "card_no": CRITICAL})
    dispatcher, _ = await run(action, tracker)

    shown = all_text(dispatcher)
    patient = hospital.patient(CRITICAL)
    assert CRITICAL not in shown and patient.name not in shown and patient.name[0] + "*" not in shown
    assert "6.8" not in shown and "您的" not in shown
    assert not payloads(dispatcher, "lab_report") and not payloads(dispatcher, "emergency")
    assert len(hospital.audit_entries()) == before + 1  # only the patient() lookup above


def test_knowledge_finds_what_these_tests_ask_about():
    assert find_analyte("血红蛋白偏低说明什么").code == "HGB"
    assert find_analyte("转氨酶高了要紧吗").code == "ALT"
    assert find_exam("做增强CT前要停二甲双胍吗").code == "CT_ENHANCED"
    assert find_exam("胃镜前要空腹吗").code == "GASTROSCOPY"


# --- a value the patient types (issue 13) ---------------------------------------------------------


async def test_a_typed_value_is_compared_with_the_range():
    dispatcher, _ = await run(LabMeaning(), make_tracker(user("我的白细胞12是不是很严重", "ask_lab_meaning")))

    said, pointer, payload = dispatcher.messages
    wbc = load_lab_tests().get("WBC")
    assert "血液内科" in pointer["text"] and pointer["buttons"]  # the analyte's department, to book
    assert payload["custom"]["data"]["triage"]["department"] == "血液内科"
    assert said["response"] == "utter_lab_value_high"
    assert said["value"].startswith("12 ") and said["range"].startswith("3.5-9.5") and said["degree"] == "轻度偏高"
    assert said["meaning"] == wbc.when_high and said["next_step"] == wbc.next_step
    assert wbc.when_low not in str(said)


async def test_a_typed_value_uses_the_age_and_sex_the_message_gives():
    dispatcher, _ = await run(LabMeaning(), make_tracker(user("孩子5岁白细胞12", "ask_lab_meaning")))
    assert dispatcher.messages[0]["range"].startswith("4.4-11.9")
    assert dispatcher.messages[0]["whom"] == "5 岁儿童"

    dispatcher, _ = await run(LabMeaning(), make_tracker(user("我是女的，血红蛋白125", "ask_lab_meaning")))
    assert [m["response"] for m in dispatcher.messages] == ["utter_lab_value_normal"]  # nothing to book

    dispatcher, _ = await run(LabMeaning(), make_tracker(user("血红蛋白125正常吗", "ask_lab_meaning")))
    said = dispatcher.messages[0]
    assert said["response"] == "utter_lab_value_by_sex"
    assert said["male_verdict"] == "轻度偏低" and said["female_verdict"] == "在参考范围内"


async def test_a_typed_critical_value_sends_to_the_emergency_room():
    dispatcher, _ = await run(LabMeaning(), make_tracker(user("血钾6.8要紧吗", "ask_lab_meaning")))
    assert dispatcher.messages[0]["response"] == "utter_lab_value_critical"


def test_lab_value_responses_exist_with_their_variables():
    from tests.unit.action_harness import domain
    import re

    responses = domain()["responses"]
    for name in (
        "utter_lab_value_high",
        "utter_lab_value_low",
        "utter_lab_value_normal",
        "utter_lab_value_critical",
        "utter_lab_value_by_sex",
    ):
        text = responses[name][0]["text"]
        assert "诊断" in text or "急诊" in text, name
        assert set(re.findall(r"{(\w+)}", text)) <= {
            "analyte",
            "value",
            "range",
            "whom",
            "degree",
            "meaning",
            "next_step",
            "male_range",
            "female_range",
            "male_verdict",
            "female_verdict",
        }, name


async def test_an_ordinal_opens_the_report_at_that_place_in_the_list(hospital):
    """Issue 13: "看第一份" after the list."""
    listed = [("lab", o) for o in hospital.lab_orders(MAN)[:6]] + [
        ("imaging", e) for e in hospital.imaging_exams(MAN)[:6]
    ]
    dispatcher, _ = await run(ShowReports(hospital=hospital), verified(MAN, "查报告", "check_report"))
    first_line = all_text(dispatcher).split("\n")[1]
    kind, first = listed[0]
    assert (first.panel if kind == "lab" else first.body_part) in first_line

    dispatcher, _ = await run(ShowReport(hospital=hospital), verified(MAN, "看第一份", "open_report"))
    assert (first.panel if kind == "lab" else first.body_part) in all_text(dispatcher)
    kind, second = listed[1]
    dispatcher, _ = await run(ShowReport(hospital=hospital), verified(MAN, "第二份", "open_report"))
    assert (second.panel if kind == "lab" else second.body_part) in all_text(dispatcher)
