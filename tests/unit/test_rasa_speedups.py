"""scripts/rasa_speedups.py: the action server's answers are checked as Rasa checks
them, without checking Rasa's schema again on every call; requests to an endpoint
reuse their connections; the model graph runs without dask, with the same results;
stored events are read back as the same events; slots are copied as copy.copy would."""

from __future__ import annotations

import copy
import gc
import json
import sys

import pytest
import rasa.core.processor
import rasa.core.run
from aiohttp import web
from jsonschema import ValidationError, validate, validators
from rasa.core.actions.action import RemoteAction
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from scripts import rasa_speedups
from scripts.serve import free_port
from tests.unit.action_harness import PROJECT_ROOT

VALID = {
    "events": [
        {"event": "slot", "name": "requested_slot", "value": "date"},
        {"event": "active_loop", "name": "booking_form"},
    ],
    "responses": [{"response": "utter_ask_date"}],
}


def test_the_worker_threads_wait_less_for_the_event_loop(action):
    assert (
        sys.getswitchinterval() == pytest.approx(rasa_speedups.SWITCH_INTERVAL)
        and rasa_speedups.SWITCH_INTERVAL < 0.005
    )


@pytest.fixture
def action(monkeypatch):
    interval = sys.getswitchinterval()
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    monkeypatch.setattr(Event, "resolve_by_type", Event.resolve_by_type)
    monkeypatch.setattr(
        TemplatedNaturalLanguageGenerator,
        "_random_response_for",
        TemplatedNaturalLanguageGenerator._random_response_for,
    )
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", rasa.core.processor.DaskGraphRunner)
    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", rasa.core.run.load_agent_on_start)
    monkeypatch.setattr(Slot, "__copy__", None, raising=False)
    monkeypatch.setattr(
        Domain, "states_for_tracker_history", Domain.states_for_tracker_history
    )  # (none in Rasa: copy.copy's default)
    rasa_speedups._action_result_validators.cache_clear()
    rasa_speedups.install()
    yield RemoteAction("validate_booking_form", None)
    sys.setswitchinterval(interval)


def test_a_slot_is_copied_as_copy_copy_copies_it(action):
    for slot in Domain.load(str(PROJECT_ROOT / "domain.yml")).slots:
        slot.value = slot.initial_value if slot.initial_value is not None else "值"
        assert type(slot).__copy__ is rasa_speedups._copy_slot
        fast = copy.copy(slot)
        usual = copy._reconstruct(slot, None, *slot.__reduce_ex__(4))
        assert type(fast) is type(usual) is type(slot) and fast is not slot and vars(fast) == vars(usual)
        fast.value = "另一个值"
        assert slot.value != "另一个值"


def _conversations(domain):
    """Event sequences of the project's stories, rules and test stories; each also with
    every other action predicted by a rule (hidden from ML policies), and a few with a
    restart, a new session and rewinds."""
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.training_data.loading import load_data_from_files
    from rasa.shared.core.training_data.structures import StoryGraph

    files = sorted(
        str(p) for p in [*(PROJECT_ROOT / "data").glob("[rs][ut]*/*.yml"), *PROJECT_ROOT.glob("tests/test_*.yml")]
    )
    steps = load_data_from_files(files, domain)
    trackers = TrainingDataGenerator(
        StoryGraph(steps), domain, remove_duplicates=False, augmentation_factor=0
    ).generate()
    for tracker in trackers[:: max(1, len(trackers) // 120)]:
        events = list(tracker.events)
        yield events
        yield [
            ActionExecuted(e.action_name, e.policy, e.confidence, hide_rule_turn=i % 2 == 0, action_text=e.action_text)
            if isinstance(e, ActionExecuted) and e.action_name != "action_listen"
            else e
            for i, e in enumerate(events)
        ]
        middle = len(events) // 2
        for rewind in ([UserUtteranceReverted()], [ActionReverted()], [Restarted(), SessionStarted()]):
            yield events[:middle] + rewind + events[middle:]


@pytest.mark.parametrize("omit_unset_slots", [False, True])
def test_prior_states_kept_with_the_tracker_are_the_states_rasa_replays(action, omit_unset_slots):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    rule_only = {"rule_only_slots": [s.name for s in domain.slots][:3], "rule_only_loops": list(domain.form_names)[:2]}
    original = rasa_speedups._ORIGINAL_STATES_FOR_TRACKER_HISTORY
    assert Domain.states_for_tracker_history is rasa_speedups._states_for_tracker_history
    compared = 0
    for events in _conversations(domain):
        tracker = DialogueStateTracker("patient", domain.slots)
        for i, event in enumerate(events):
            tracker.update(event)
            if i % 4 and i < len(events) - 1:
                continue  # several events between two predictions, as in a turn
            for ignore, rule_only_data in ((False, None), (True, None), (True, rule_only)):
                kept = domain.states_for_tracker_history(tracker, omit_unset_slots, ignore, rule_only_data)
                assert kept == original(domain, tracker, omit_unset_slots, ignore, rule_only_data)
                compared += 1
    assert compared > 2000


def test_the_schema_is_checked_once_not_on_every_answer(action, monkeypatch):
    cls = validators.validator_for(RemoteAction.action_response_format_spec())
    checks = []
    original = cls.check_schema
    monkeypatch.setattr(
        cls, "check_schema", classmethod(lambda c, schema, **kw: checks.append(1) or original(schema, **kw))
    )
    for _ in range(3):
        assert action._validate_action_result(VALID) is True
    assert len(checks) == 1


INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot", "name": 5}]},
    {"events": [{"event": "slot", "name": "date"}]},  # a slot event without its value
    {"events": [{"name": "date", "value": 1}]},  # no event kind
    {"events": [{"event": "no_such_kind"}]},
    {"events": [{"event": 3}]},
    {"events": ["slot"]},
    {"events": [{"event": "active_loop", "timestamp": "now"}]},
    {"events": [VALID["events"][0], {"event": "user", "parse_data": {"entities": "x"}}]},
    {"responses": "utter_greet"},
    "not an answer",
]


@pytest.mark.parametrize("answer", INVALID)
def test_an_invalid_answer_is_refused_with_rasas_error(action, answer):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(answer)


def test_valid_answers_pass_as_before(action):
    assert action._validate_action_result(VALID) is True
    assert action._validate_action_result({}) is True


@pytest.mark.parametrize(
    "answer",
    [
        VALID,
        {},
        {"events": [], "responses": []},
        {"events": [{"event": "bot", "text": "好的", "data": {"buttons": []}, "metadata": {}, "timestamp": None}]},
        {"events": [{"event": "user", "text": "/greet", "parse_data": {"intent": {"name": "greet"}, "entities": []}}]},
        {"events": [{"event": "followup", "name": "action_listen"}, {"event": "restart"}]},
        *INVALID,
    ],
)
def test_the_check_by_event_kind_accepts_exactly_what_rasas_schema_accepts(answer):
    try:
        validate(answer, RemoteAction.action_response_format_spec())
        expected = True
    except ValidationError:
        expected = False
    assert rasa_speedups._is_valid(answer) is expected


class _Add(GraphComponent):
    """x + y + the node's own number; counts its runs."""

    runs: list = []

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "_Add":
        return cls(config["n"], execution_context.node_name)

    def __init__(self, n: int, name: str) -> None:
        self.n, self.name = n, name

    def add(self, x: int, y: int = 0) -> int:
        self.runs.append(self.name)
        return x + y + self.n


def _graph(runner_class, tmp_path):
    def node(n, **needs):
        return SchemaNode(needs=needs, uses=_Add, constructor_name="create", fn="add", config={"n": n}, eager=True)

    schema = GraphSchema(
        {
            "__start__": node(0),  # replaced by the run's input of that name
            "a": node(1, x="__start__"),
            "b": node(10, x="a"),
            "c": node(100, x="a", y="b"),
            "unused": node(1000, x="a"),
        }
    )
    return runner_class(schema, LocalModelStorage(tmp_path), ExecutionContext(schema, "test"))


def test_the_graph_runs_in_order_with_the_results_of_dask(tmp_path):
    results = {}
    for runner_class in (DaskGraphRunner, rasa_speedups.InOrderGraphRunner):
        runner = _graph(runner_class, tmp_path / runner_class.__name__)
        _Add.runs.clear()
        results[runner_class] = [runner.run(inputs={"__start__": start}, targets=["c", "b"]) for start in (5, 7)]
        assert sorted(_Add.runs) == ["a", "a", "b", "b", "c", "c"]  # each needed node once a run, no other
    assert results[DaskGraphRunner] == results[rasa_speedups.InOrderGraphRunner]
    assert results[DaskGraphRunner][0] == {"c": 5 + 1 + (5 + 1 + 10) + 100, "b": 16}


def test_an_input_named_like_a_node_is_refused(tmp_path):
    with pytest.raises(Exception, match="clashes with a node name"):
        _graph(rasa_speedups.InOrderGraphRunner, tmp_path).run(inputs={"__start__": "a"}, targets=["c"])


def test_rasa_builds_its_model_graph_with_the_in_order_runner(action):
    assert rasa.core.processor.DaskGraphRunner is rasa_speedups.InOrderGraphRunner


def test_stored_events_are_read_back_as_the_same_events(action):
    events = [
        UserUttered("头疼", {"name": "triage", "confidence": 0.9}),
        ActionExecuted("action_listen"),
        SlotSet("department", "神经内科"),
        BotUttered("好的", {"buttons": []}),
    ]
    for _ in range(2):
        assert [Event.from_parameters(event.as_dict()) for event in events] == events
    assert Event.resolve_by_type("no_such_kind", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_kind")


async def test_requests_to_an_endpoint_share_one_connection_and_send_the_same_json(action):
    connections, bodies = set(), []

    async def webhook(request: web.Request) -> web.Response:
        connections.add(request.transport.get_extra_info("peername"))
        bodies.append(json.loads(await request.read()))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"Authorization": "Bearer x"})
        sent = {"next_action": "action_triage", "tracker": {"events": [{"text": "头疼/发烧", "t": 1.5}]}}
        for _ in range(3):
            assert await endpoint.request(json=sent, method="post") == {"events": [], "responses": []}
    finally:
        await runner.cleanup()
    assert bodies == [sent] * 3
    assert len(connections) == 1


RESPONSES = {
    "utter_one": [{"text": "您好"}],
    "utter_two": [{"text": "好的"}, {"text": "明白了"}],
    "utter_by_channel": [{"text": "网页版", "channel": "rest"}, {"text": "通用"}],
    "utter_by_slot": [
        {"text": "已核实", "condition": [{"type": "slot", "name": "verified", "value": True}]},
        {"text": "未核实"},
    ],
}


@pytest.mark.parametrize(
    "action_name, channel, slots, allowed",
    [
        ("utter_one", "rest", {}, ["您好"]),
        ("utter_two", "rest", {}, ["好的", "明白了"]),
        ("utter_by_channel", "rest", {}, ["网页版"]),
        ("utter_by_channel", "socketio", {}, ["通用"]),
        ("utter_by_slot", "rest", {"verified": True}, ["已核实"]),
        ("utter_by_slot", "rest", {"verified": False}, ["未核实"]),
        ("utter_missing", "rest", {}, [None]),
    ],
)
def test_a_response_is_picked_among_the_variations_rasa_would_pick_from(action, action_name, channel, slots, allowed):
    nlg = TemplatedNaturalLanguageGenerator(RESPONSES)
    picked = {(nlg._random_response_for(action_name, channel, slots) or {}).get("text") for _ in range(40)}
    assert picked == set(allowed)


async def test_what_the_model_loaded_is_kept_out_of_the_garbage_collectors_sight(action, monkeypatch):
    loaded = []

    async def load(*args, **kwargs):
        loaded.append([object() for _ in range(100)])
        return "agent"

    monkeypatch.setattr(rasa_speedups, "_ORIGINAL_LOAD_AGENT", load)
    try:
        assert await rasa.core.run.load_agent_on_start("model", None, None, None, None) == "agent"
        assert gc.get_freeze_count() > 0 and loaded
    finally:
        gc.unfreeze()


def test_the_rule_policy_finds_the_rules_rasa_finds(action):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    histories = []
    for events in _conversations(domain):
        tracker = DialogueStateTracker("patient", domain.slots)
        for event in events:
            tracker.update(event)
        histories.append(rasa_speedups._ORIGINAL_STATES_FOR_TRACKER_HISTORY(domain, tracker))
    # and some ending after a bot's text rather than a named action (end-to-end rules)
    histories += [
        [*states[:-1], {**states[-1], "prev_action": {"action_text": "好的"}}]
        for states in histories[::10]
        if states[-1].get("prev_action")
    ]
    # Rules as RulePolicy keys them: the last one to five states of a conversation, some
    # from its start (the rule applies only there), and each also with its oldest state
    # taken from elsewhere (it fits all but that one),
    rules = [
        states[start:end]
        for states in histories[::10]
        for end in {*range(1, len(states), 3), len(states)}
        for start in {max(0, end - length) for length in (1, 2, 3, 5)}
    ]
    rules += [[histories[i % len(histories)][-1], *rule[1:]] for i, rule in enumerate(rules) if len(rule) > 1]
    # and with a last state that names no action or no intent (only its slots and form)
    rules += [
        [*rule[:-1], {k: v for k, v in rule[-1].items() if k not in drop}]
        for i, rule in enumerate(rules[::4])
        for drop in ({"user"}, {"prev_action"}, {"user", "prev_action"})
    ]
    lookup = {json.dumps(rule, sort_keys=True): "action" for rule in rules}
    policy = RulePolicy.__new__(RulePolicy)
    assert RulePolicy._get_possible_keys is rasa_speedups._get_possible_keys
    original = rasa_speedups._ORIGINAL_GET_POSSIBLE_KEYS
    found = 0
    for states in histories[1::4]:
        for end in {*range(1, len(states), 2), len(states)}:
            keys = policy._get_possible_keys(lookup, states[:end])
            assert keys == original(policy, lookup, states[:end])
            found += len(keys)
    assert len(lookup) > 250 and found > 500
