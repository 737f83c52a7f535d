import pytest

from hospital.interface import NotFound
from knowledge import load_lab_tests


def results(hospital, card, panel):
    order = next(o for o in hospital.lab_orders(card) if o.panel == panel and o.status == "ready")
    return {r.code: r for r in order.results}


def test_critical_potassium(hospital):
    k = results(hospital, "1000003", "电解质")["K"]
    assert k.value >= 6.5 and k.flag == "↑" and k.critical
    assert (k.ref_low, k.ref_high, k.unit) == (3.5, 5.3, "mmol/L")


def test_critical_glucose(hospital):
    glu = results(hospital, "1000006", "血糖/糖化")["GLU"]
    assert glu.critical and glu.flag == "↑"


def test_reference_ranges_by_sex(hospital):
    woman = results(hospital, "1000002", "血常规")
    assert (woman["HGB"].ref_low, woman["HGB"].ref_high, woman["HGB"].flag) == (115, 150, "↓")
    assert woman["RBC"].flag == ""  # 4.05 is normal for a woman, low for a man
    man = results(hospital, "1000001", "肾功能")["CREA"]  # man, 45
    older_woman = results(hospital, "1000003", "肾功能")["CREA"]  # woman, 76
    assert (man.ref_low, man.ref_high) == (57, 97)
    assert (older_woman.ref_low, older_woman.ref_high, older_woman.flag) == (41, 81, "↑")


def test_reference_ranges_by_age(hospital):
    child = results(hospital, "1000004", "血常规")
    assert (child["WBC"].ref_low, child["WBC"].ref_high) == (4.3, 11.3)
    assert child["WBC"].flag == "↑"
    assert child["PLT"].value == 420 and child["PLT"].flag == ""  # above the adult 350
    alp = results(hospital, "1000004", "肝功能")["ALP"]
    assert alp.flag == "" and alp.ref_high == 420


def test_every_seeded_result_agrees_with_the_knowledge_table(hospital):
    catalogue = load_lab_tests()
    seen_flags, critical = set(), 0
    for card in [str(1000001 + i) for i in range(64)]:
        patient = hospital.patient(card)
        for order in hospital.lab_orders(card):
            if order.status != "ready":
                assert order.results == () and order.reported_at is None and order.expected_at > order.ordered_at
                continue
            assert order.reported_at and {r.code for r in order.results} == {
                a.code for a in catalogue.in_panel(order.panel, patient.sex)
            }
            age = patient.age_on(order.ordered_at.date())
            for r in order.results:
                ev = catalogue.get(r.code).evaluate(r.value, patient.sex, age)
                assert (r.ref_low, r.ref_high, r.flag, r.critical) == (ev.ref_low, ev.ref_high, ev.flag, ev.critical)
                seen_flags.add(r.flag)
                critical += r.critical
    assert seen_flags == {"", "↑", "↓"}
    assert critical >= 2


def test_pending_and_ready_orders(hospital, today):
    orders = hospital.lab_orders("1000001")
    pending = [o for o in orders if o.status == "pending"]
    assert [o.panel for o in pending] == ["血常规"]
    assert pending[0].results == () and pending[0].expected_at.date() == today
    assert all(o.results for o in orders if o.status == "ready")
    assert [o.ordered_at for o in orders] == sorted((o.ordered_at for o in orders), reverse=True)


def test_imaging_statuses_and_preparation(hospital):
    exams = {e.modality: e for e in hospital.imaging_exams("1000001")}
    ct = exams["CT"]
    assert ct.status == "scheduled" and "二甲双胍" in ct.preparation and ct.conclusion is None
    assert ct.location == "医技楼负1楼放射科"
    us = exams["超声"]
    assert us.status == "ready" and us.conclusion
    waiting = [e for e in hospital.imaging_exams("1000003") if e.status == "pending_report"]
    assert waiting and waiting[0].conclusion is None and waiting[0].expected_at


def test_single_records_are_checked_against_the_card(hospital):
    mine = hospital.lab_orders("1000001")[0]
    assert hospital.lab_order("1000001", mine.id) == mine
    with pytest.raises(NotFound):
        hospital.lab_order("1000002", mine.id)
    with pytest.raises(NotFound):
        hospital.lab_order("1000001", "JY999999")
    exam = hospital.imaging_exams("1000001")[0]
    assert hospital.imaging_exam("1000001", exam.id) == exam
    with pytest.raises(NotFound):
        hospital.imaging_exam("1000002", exam.id)
    with pytest.raises(NotFound):
        hospital.lab_orders("9999999")


def test_every_record_read_is_audited(hospital):
    card = "1000002"
    order = hospital.lab_orders(card)[0]
    hospital.lab_order(card, order.id)
    exam = hospital.imaging_exams(card)[0]
    hospital.imaging_exam(card, exam.id)
    hospital.appointments(card)
    hospital.patient(card)
    with pytest.raises(NotFound):
        hospital.lab_order(card, hospital.lab_orders("1000001")[0].id)
    entries = hospital.audit_entries(card)
    assert [e["action"] for e in entries] == [
        "read_lab_orders",
        "read_lab_order",
        "read_imaging_exams",
        "read_imaging_exam",
        "read_appointments",
        "read_patient",
        "read_lab_order",
    ]
    assert [e["outcome"] for e in entries][-1] == "denied"
    assert entries[1]["target"] == f"lab_order:{order.id}"
    assert all(e["actor"] == "小安" and e["at"] == hospital.clock() and e["card_no"] == card for e in entries)
    assert hospital.audit_entries("1000003") == []
