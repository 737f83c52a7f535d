"""Nobody reads a report that is not theirs: every route tried, every one refused.

Patient A = demo card 1000001 (verified in these tests), B = 1000002, C = 1000003."""

from __future__ import annotations

import functools
import logging

import pytest
from rasa.shared.core.domain import Domain

from hospital.interface import NotFound, SystemUnavailable
from hospital.demo.scenario import demo_patients
from actions.identity.form import ValidateVerifyForm
from actions.identity.gated import AfterIdentity
from actions.identity.verification import identity_slots
from actions.reports.explaining import ExamPreparation, LabMeaning
from actions.reports.listing import ShowReports
from actions.reports.opening import ShowReport
from tests.unit.reports_harness import (
    PROJECT_ROOT,
    action,
    all_text,
    bot,
    loop,
    make_tracker,
    payloads,
    responses,
    run,
    slot,
    slot_events,
    texts,
    user,
)

A, B, C = demo_patients()[0], demo_patients()[1], demo_patients()[2]
NOT_FOUND = "没有找到这份报告。只能查看您本人的报告，请说“查报告”看看您的报告列表。"


def b_lab(hospital):
    return next(o for o in hospital.lab_orders(B.card_no) if o.status == "ready")


def b_exam(hospital):
    return hospital.imaging_exams(B.card_no)[0]


def as_a(text: str, intent: str, report_id: str = None, **slots):
    entities = [("report_id", report_id)] if report_id else []
    values = {"verified_card": A.card_no, "card_no": A.card_no, "identity_secret": "verified", **slots}
    return make_tracker(user(text, intent, entities), slots=values)


def shows_nothing_of(dispatcher, hospital, card: str) -> None:
    """No payload, no name, no card, no panel result of `card` in what was sent."""
    shown = all_text(dispatcher) + repr(dispatcher.messages)
    patient = hospital.patient(card)
    assert card not in shown
    assert patient.name not in shown and patient.name[0] + "*" not in shown
    assert not payloads(dispatcher, "lab_report") and not payloads(dispatcher, "emergency")
    for order in hospital.lab_orders(card):
        for result in order.results:
            assert f"{result.name} {result.value:g}" not in shown


# --- open_report with somebody else's id ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lab", "imaging"])
async def test_open_report_with_another_patients_id_is_refused(hospital, kind):
    foreign = b_lab(hospital).id if kind == "lab" else b_exam(hospital).id
    tracker = as_a("打开这份报告", "open_report", f"{kind}:{foreign}")

    dispatcher, events = await run(ShowReport(hospital=hospital), tracker)

    assert events == []
    assert texts(dispatcher) == [NOT_FOUND]
    shows_nothing_of(dispatcher, hospital, B.card_no)
    denied = [e for e in hospital.audit_entries(A.card_no) if e["outcome"] == "denied"]
    assert [e["target"] for e in denied] == [f"{'lab_order' if kind == 'lab' else 'imaging_exam'}:{foreign}"]


@pytest.mark.parametrize(
    "report_id",
    [
        "imaging:{lab}",  # a lab id passed as an exam
        "lab:{lab} ",  # padding
        "lab:{lab}' OR '1'='1",  # SQL in the id
        "lab:%",
        "lab:*",
    ],
)
async def test_tampered_report_ids_show_nothing(hospital, report_id):
    tracker = as_a("打开", "open_report", report_id.format(lab=b_lab(hospital).id))

    dispatcher, _ = await run(ShowReport(hospital=hospital), tracker)

    assert texts(dispatcher) == [NOT_FOUND]
    shows_nothing_of(dispatcher, hospital, B.card_no)


async def test_opening_by_name_only_looks_among_ones_own_reports(hospital):
    # A has no 甲功 order; B has one. Naming it must not reach B's.
    assert not any(o.panel == "甲功" for o in hospital.lab_orders(A.card_no))
    dispatcher, _ = await run(ShowReport(hospital=hospital), as_a("看下甲功的结果", "open_report"))

    assert texts(dispatcher) == ["请问想看哪一份报告？可以说“查报告”看看您的全部报告。"]
    shows_nothing_of(dispatcher, hospital, B.card_no)


# --- before any verification -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lab", "imaging"])
async def test_open_report_before_verification_shows_nothing(hospital, kind):
    own = hospital.lab_orders(A.card_no)[1].id if kind == "lab" else hospital.imaging_exams(A.card_no)[0].id
    tracker = make_tracker(
        user("打开", "open_report", [("report_id", f"{kind}:{own}")]), slots={"card_no": A.card_no}
    )  # a typed card is not a verified one

    before = len(hospital.audit_entries())
    dispatcher, events = await run(ShowReport(hospital=hospital), tracker)

    assert events == [] and dispatcher.messages == []
    assert len(hospital.audit_entries()) == before  # no record was even looked up


async def test_report_list_before_verification_shows_nothing(hospital):
    before = len(hospital.audit_entries())
    dispatcher, events = await run(
        ShowReports(hospital=hospital), make_tracker(user("查报告", "check_report"), slots={"card_no": A.card_no})
    )

    assert events == [] and dispatcher.messages == []
    assert len(hospital.audit_entries()) == before


async def test_after_identity_does_nothing_without_verification(hospital):
    tracker = make_tracker(
        user("查报告", "check_report"), slots={"card_no": A.card_no, "identity_secret": "phone4:5678"}
    )

    dispatcher, events = await run(AfterIdentity(hospital=hospital), tracker)

    assert events == [] and dispatcher.messages == []


async def test_after_identity_runs_the_gated_task_once_verified(hospital):
    dispatcher, _ = await run(AfterIdentity(hospital=hospital), as_a("查报告", "check_report"))

    assert all_text(dispatcher).startswith("陈**近期的报告：")


def test_the_identity_form_asks_until_verified_card_is_set():
    assert identity_slots(make_tracker()) == ["card_no", "identity_secret"]
    assert identity_slots(make_tracker(slots={"card_no": A.card_no, "identity_secret": "verified"})) == [
        "card_no",
        "identity_secret",
    ]
    assert identity_slots(make_tracker(slots={"verified_card": A.card_no})) == []


def test_no_message_can_fill_the_identity_slots_directly():
    # `/check_report{"verified_card": "1000002"}` typed by hand must not verify anyone:
    # only the form's validation (custom mappings) may set these slots.
    slots = Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()["slots"]
    for name in ("verified_card", "verified_at", "card_no", "identity_secret"):
        assert slots[name]["mappings"] == [{"type": "custom"}], name
        assert slots[name]["influence_conversation"] is False


# --- verified_card is set only by a successful hospital.verify -----------------------------------------------


def form_turn(text: str, requested: str, **slots):
    """The verify form mid-way: `requested` was asked, the patient answered `text`."""
    return make_tracker(
        user("查报告", "check_report"),
        action("verify_form"),
        loop("verify_form"),
        slot("requested_slot", requested),
        action("action_listen"),
        user(text, "provide_identity"),
        slots={"requested_slot": requested, **slots},
        active_loop="verify_form",
    )


async def test_right_phone_digits_set_verified_card(hospital):
    tracker = form_turn(A.phone_last4, "identity_secret", card_no=A.card_no)

    dispatcher, events = await run(ValidateVerifyForm(hospital=hospital), tracker)

    slots = slot_events(events)
    assert slots.pop("verified_at")  # the server's stamp (see test_identity_actions)
    assert slots == {"identity_secret": "verified", "verified_card": A.card_no, "requested_slot": None}
    assert [(m["response"], m["name"]) for m in dispatcher.messages] == [("utter_identity_verified", "陈**")]


@pytest.mark.parametrize("secret", ["0000", "发验证码", "我不知道", "123456", B.phone_last4])
async def test_anything_but_a_verified_secret_leaves_verified_card_unset(hospital, secret):
    tracker = form_turn(secret, "identity_secret", card_no=A.card_no)

    dispatcher, events = await run(ValidateVerifyForm(hospital=hospital), tracker)

    assert "verified_card" not in slot_events(events)
    assert slot_events(events).get("identity_secret") is None
    assert A.name not in all_text(dispatcher)


async def test_a_code_sent_to_one_card_does_not_verify_another(hospital):
    hospital.send_otp(A.card_no)
    code = hospital.sms_outbox(A.card_no)[-1]["code"]
    hospital.send_otp(B.card_no)

    _, events = await run(
        ValidateVerifyForm(hospital=hospital), form_turn(f"验证码{code}", "identity_secret", card_no=B.card_no)
    )

    assert "verified_card" not in slot_events(events)


async def test_verification_failing_in_the_hospital_leaves_verified_card_unset(hospital, monkeypatch):
    def down(*args, **kwargs):
        raise SystemUnavailable("医院系统暂时连接不上。")

    monkeypatch.setattr(hospital, "verify", down)
    dispatcher, events = await run(
        ValidateVerifyForm(hospital=hospital), form_turn(A.phone_last4, "identity_secret", card_no=A.card_no)
    )

    assert "verified_card" not in slot_events(events)
    assert events[-1] == {"event": "active_loop", "name": None, "timestamp": None}
    assert responses(dispatcher) == ["utter_hospital_error_unavailable"]


async def test_a_typed_card_number_alone_verifies_nothing(hospital):
    _, events = await run(ValidateVerifyForm(hospital=hospital), form_turn(B.card_no, "card_no"))

    assert slot_events(events)["card_no"] == B.card_no
    assert "verified_card" not in slot_events(events)
    assert slot_events(events)["requested_slot"] if "requested_slot" in slot_events(events) else True


# --- naming another card while verified -------------------------------------------------------------------------


def activation_with_prefilled(text: str, intent: str):
    """What Rasa sends validate_verify_form when the form starts while A is verified:
    the conversation so far, then the identity slots it holds as candidates."""
    return make_tracker(
        user("查报告", "check_report"),
        action("verify_form"),
        loop("verify_form"),
        slot("requested_slot", "card_no"),
        action("action_listen"),
        user(A.card_no, "provide_identity"),
        slot("card_no", A.card_no),
        action("action_listen"),
        user(A.phone_last4, "provide_identity"),
        slot("identity_secret", "verified"),
        slot("verified_card", A.card_no),
        slot("requested_slot", None),
        loop(None),
        action("action_after_identity"),
        bot("您近期的报告：…"),
        action("action_listen"),
        user(text, intent),
        loop("verify_form"),
        slot("card_no", A.card_no),
        slot("identity_secret", "verified"),
        slots={"verified_card": A.card_no, "card_no": A.card_no, "identity_secret": "verified"},
        active_loop="verify_form",
    )


async def test_asking_for_another_cards_reports_drops_verification_and_asks_for_that_card(hospital):
    tracker = activation_with_prefilled(f"帮我查下{C.card_no}的报告", "check_report")

    dispatcher, events = await run(ValidateVerifyForm(hospital=hospital), tracker)

    slots = slot_events(events)
    assert slots["verified_card"] is None
    # The form must ask for a card again: nothing of A's verification may be left to
    # satisfy it, or the form ends at once and A's reports come back.
    assert slots.get("card_no", "kept") is None and slots.get("identity_secret", "kept") is None
    assert slots.get("requested_slot") in (None, "card_no")
    assert {"event": "active_loop", "name": None, "timestamp": None} not in events
    assert dispatcher.messages == []
    # what follows sees no verified card
    after = make_tracker(user(f"帮我查下{C.card_no}的报告", "check_report"), slots={**tracker.slots, **slots})
    shown, _ = await run(AfterIdentity(hospital=hospital), after)
    assert shown.messages == []


async def test_naming_ones_own_card_keeps_verification(hospital):
    tracker = activation_with_prefilled(f"帮我查下{A.card_no}的报告", "check_report")

    _, events = await run(ValidateVerifyForm(hospital=hospital), tracker)

    assert "verified_card" not in slot_events(events)
    assert slot_events(events).get("requested_slot") is None  # nothing to ask: the form ends


async def test_naming_another_card_in_an_open_report_message_also_drops_verification(hospital):
    tracker = activation_with_prefilled(f"打开{B.card_no}的血常规", "open_report")

    _, events = await run(ValidateVerifyForm(hospital=hospital), tracker)

    assert slot_events(events)["verified_card"] is None


# --- giving up inside the form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("requested", ["card_no", "identity_secret"])
@pytest.mark.parametrize("text, intent", [("算了", "stop"), ("转人工", "human_handoff")])
async def test_leaving_words_are_not_taken_as_a_wrong_card_or_secret(hospital, requested, text, intent):
    # The form must reject (extract nothing) so the "give up identity check" and
    # handoff rules can run; otherwise the patient is told their card is invalid.
    tracker = make_tracker(
        user("查报告", "check_report"),
        action("verify_form"),
        loop("verify_form"),
        slot("requested_slot", requested),
        action("action_listen"),
        user(text, intent),
        slots={"requested_slot": requested, "card_no": A.card_no if requested == "identity_secret" else None},
        active_loop="verify_form",
    )

    dispatcher, events = await run(ValidateVerifyForm(hospital=hospital), tracker)

    assert requested not in slot_events(events)
    assert dispatcher.messages == []


# --- locked cards ------------------------------------------------------------------------------------------------------


async def test_a_locked_card_stays_locked_even_with_the_right_secret(hospital):
    for _ in range(5):
        _, events = await run(
            ValidateVerifyForm(hospital=hospital), form_turn("0000", "identity_secret", card_no=B.card_no)
        )
    assert events[-1] == {"event": "active_loop", "name": None, "timestamp": None}

    dispatcher, events = await run(
        ValidateVerifyForm(hospital=hospital), form_turn(B.phone_last4, "identity_secret", card_no=B.card_no)
    )

    assert "verified_card" not in slot_events(events)
    assert slot_events(events)["card_no"] is None
    assert responses(dispatcher) == ["utter_identity_locked"] and B.name not in repr(dispatcher.messages)
    assert hospital.verify(B.card_no, "phone4", B.phone_last4).reason == "locked"
    # an SMS code cannot get round the lock either
    assert hospital.send_otp(B.card_no).reason == "locked" and not hospital.sms_outbox(B.card_no)
    hospital.clock.advance(minutes=16)
    assert hospital.verify(B.card_no, "phone4", B.phone_last4).ok


# --- a new session forgets who you are --------------------------------------------------------------------------------------


def test_domain_does_not_carry_slots_into_a_new_session():
    config = Domain.load(str(PROJECT_ROOT / "domain.yml")).session_config
    assert config.carry_over_slots is False
    assert 0 < config.session_expiration_time <= 60


def test_verified_card_is_not_kept_across_sessions():
    """A new session resets every slot: what the default session start does when
    carry-over is off. (A custom action_session_start would have to be tested here.)"""
    domain_obj = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet as CoreSlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(
        "s",
        [
            ActionExecuted("action_listen"),
            UserUttered("查报告"),
            CoreSlotSet("verified_card", A.card_no),
            CoreSlotSet("card_no", A.card_no),
            CoreSlotSet("verified_at", "1800000000.x"),
        ],
        domain_obj.slots,
    )
    assert tracker.get_slot("verified_card") == A.card_no
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    assert tracker.get_slot("verified_card") is None and tracker.get_slot("card_no") is None
    assert tracker.get_slot("verified_at") is None


@functools.lru_cache(maxsize=None)
def _registered_actions() -> frozenset:
    """What `rasa run actions` registers: the package scan of the action server."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    return frozenset(executor.actions)


def test_the_action_server_starts_and_serves_every_gating_action():
    # An abstract base that is not marked abstract crashes this scan (and the server).
    registered = _registered_actions()
    for name in (
        "validate_verify_form",
        "action_after_identity",
        "action_logout",
        "action_show_reports",
        "action_show_report",
        "action_lab_meaning",
        "action_exam_preparation",
    ):
        assert name in registered


def test_session_start_is_rasas_own_unless_the_action_server_implements_it():
    """Listing action_session_start in domain.yml makes Rasa call the action server
    for it; with no such action there the call fails (404), no SessionStarted is
    written, slots are not reset and every conversation's first message falls back."""
    listed = "action_session_start" in Domain.load(str(PROJECT_ROOT / "domain.yml")).user_actions
    assert not listed or "action_session_start" in _registered_actions()


# --- the hospital layer itself -------------------------------------------------------------------------------------------


def test_hospital_refuses_cross_patient_ids(hospital):
    lab, exam = b_lab(hospital), b_exam(hospital)
    with pytest.raises(NotFound):
        hospital.lab_order(A.card_no, lab.id)
    with pytest.raises(NotFound):
        hospital.imaging_exam(A.card_no, exam.id)
    with pytest.raises(NotFound):
        hospital.lab_order("", lab.id)
    with pytest.raises(NotFound):
        hospital.lab_orders("9999999")
    assert hospital.lab_order(B.card_no, lab.id).id == lab.id
    assert {o.id for o in hospital.lab_orders(A.card_no)}.isdisjoint({o.id for o in hospital.lab_orders(B.card_no)})


def test_every_record_read_is_audited_with_who_what_when(hospital):
    now = hospital.clock()
    before = len(hospital.audit_entries())
    lab, exam = hospital.lab_orders(A.card_no)[1], hospital.imaging_exams(A.card_no)[0]
    hospital.lab_order(A.card_no, lab.id)
    hospital.imaging_exam(A.card_no, exam.id)
    hospital.patient(A.card_no)
    with pytest.raises(NotFound):
        hospital.lab_order(A.card_no, b_lab(hospital).id)

    entries = hospital.audit_entries()[before:]
    mine = [e for e in entries if e["card_no"] == A.card_no]
    assert [(e["action"], e["target"], e["outcome"]) for e in mine] == [
        ("read_lab_orders", "lab_orders", "ok"),
        ("read_imaging_exams", "imaging_exams", "ok"),
        ("read_lab_order", f"lab_order:{lab.id}", "ok"),
        ("read_imaging_exam", f"imaging_exam:{exam.id}", "ok"),
        ("read_patient", "patient", "ok"),
        ("read_lab_order", f"lab_order:{b_lab(hospital).id}", "denied"),
    ]
    assert all(e["actor"] and e["at"] == now for e in mine)


async def test_the_dialogue_audits_what_it_shows(hospital):
    before = len(hospital.audit_entries(A.card_no))
    lab = hospital.lab_orders(A.card_no)[1]
    await run(ShowReports(hospital=hospital), as_a("查报告", "check_report"))
    await run(ShowReport(hospital=hospital), as_a("打开", "open_report", f"lab:{lab.id}"))

    entries = hospital.audit_entries(A.card_no)[before + 1 :]
    # read_patient: the masked name that says whose records these are
    assert [e["action"] for e in entries] == [
        "read_lab_orders",
        "read_imaging_exams",
        "read_patient",
        "read_lab_order",
        "read_patient",
    ]
    assert {e["conversation_id"] for e in entries} == {"qa2-user"}


# --- logs -------------------------------------------------------------------------------------------------------------------


async def test_logs_of_a_full_report_flow_hold_no_personal_data(hospital, caplog):
    caplog.set_level(logging.DEBUG)
    card = C.card_no  # the critical-potassium patient: the richest flow
    await run(ValidateVerifyForm(hospital=hospital), form_turn(card, "card_no"))
    await run(
        ValidateVerifyForm(hospital=hospital), form_turn("1111", "identity_secret", card_no=card)
    )  # one wrong try
    await run(ValidateVerifyForm(hospital=hospital), form_turn("发验证码", "identity_secret", card_no=card))
    await run(ValidateVerifyForm(hospital=hospital), form_turn(C.phone_last4, "identity_secret", card_no=card))
    verified = {"verified_card": card, "card_no": card, "identity_secret": "verified"}
    await run(AfterIdentity(hospital=hospital), make_tracker(user("查报告", "check_report"), slots=verified))
    for order in hospital.lab_orders(card):
        await run(
            ShowReport(hospital=hospital),
            make_tracker(user("打开", "open_report", [("report_id", f"lab:{order.id}")]), slots=verified),
        )
    for exam in hospital.imaging_exams(card):
        await run(
            ShowReport(hospital=hospital),
            make_tracker(user("打开", "open_report", [("report_id", f"imaging:{exam.id}")]), slots=verified),
        )
    await run(LabMeaning(), make_tracker(user("血钾高是什么原因", "ask_lab_meaning"), slots=verified))
    await run(ExamPreparation(), make_tracker(user("做CT要准备什么", "ask_exam_prep"), slots=verified))

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert caplog.records, "the flow logged nothing at all: is logging wired?"
    patient = hospital.patient(card)
    code = hospital.sms_outbox(card)[-1]["code"]
    secrets_ = [card, patient.name, C.phone, C.phone_last4, C.phone[:7], code]
    for value in secrets_:
        assert value not in logged, value
    for order in hospital.lab_orders(card):
        for result in order.results:
            assert f"{result.value:g} {result.unit}" not in logged
            assert f"{result.name}" not in logged
    for exam in hospital.imaging_exams(card):
        if exam.conclusion:
            assert exam.conclusion not in logged
