"""Work Rasa 3.6 repeats on every turn for nothing, removed in the Rasa server process
(scripts/rasa_server.py installs this before Rasa starts). Same results, less time;
`python -m scripts.benchmark --load` measures the difference (README, Serving under load).

- Every answer of the action server is checked against Rasa's response schema with
  `jsonschema.validate`, which first checks the *schema* against its meta-schema and
  builds a new validator: about 180 ms of CPU per custom action call on this machine.
  Here the schema is checked once. The check of an answer then still took about 1 ms:
  each event is tried against all 23 event kinds (`oneOf`). Every kind requires its own
  `event` name, so only the kind the event names can match: each event is checked
  against that kind alone (0.1 ms an answer), which accepts exactly the same answers.
  An answer that fails is checked again by Rasa's own code, for the same error (the
  best match) and the same message.
- Rasa runs its model graph (the NLU pipeline for every message, the policies for every
  action) through dask, which builds and orders a task graph on every run: about 1.5 ms
  of a turn. The graph of a prediction is fixed, so here its order is worked out once
  per set of targets and the nodes are called in that order, with the same inputs.
- Reading a stored event looks its class up among all subclasses of Event, found anew
  by walking the class tree each time; here each name is looked up once.
- Python's garbage collector walks every tracked object at each full collection, and
  after loading the model that is millions of them (spaCy, jieba's dictionary, the
  classifiers), none of which ever become garbage: a pause for any turn it falls in. Once
  the model is loaded they are moved out of its sight (`gc.freeze`).
- A response is picked among its variations with `numpy.random.choice`, which first
  makes an array of them: about 0.1 ms for each bot message. Most responses have one
  variation, which is then taken as it is; among several, numpy still draws the index.
- Every request to an endpoint (the action server's /webhook, several per turn) opens a
  new aiohttp session and TCP connection and closes it after the answer. Here the
  sessions share one connector per event loop, so connections are kept and reused; it
  lets an idle connection go after 4 s, before the action server (Sanic, 5 s) would.
  The request body (the whole conversation, for every custom action) is written with
  ujson (Sanic's own JSON library), about three times as fast as the json module.
- Every tracker made in a turn (a copy before each action, one for each step of the
  history each policy reads) copies all slots with `copy.copy`, which goes through
  `__reduce_ex__`: half of making a tracker. Slots are plain objects, so a copy is a new
  object with the same attributes, made directly (the same copy, about twice as fast).
- Each policy, for every action it predicts, replays the whole conversation session event
  by event to work out the state before each action (`Domain.states_for_tracker_history`):
  about 0.6 ms at 20 turns, several times a turn, and growing with every turn. Here the
  states worked out for a conversation are kept with its tracker and only the events
  appended since are replayed; the policy's own treatment of them (rule-only turns) runs
  as in Rasa. A tracker whose applied events are not the kept ones followed by new ones
  (a restart, a rewind, another copy) is replayed from the start.
- The rule policy finds the rules that fit a conversation by checking every rule against
  each state of the session, newest first, several times a turn (about 0.18 ms each
  time with 154 rules). A rule whose last state names the action before it, or the
  intent, fits only a conversation whose last state names the same, so here the rules
  are indexed by those once and only the rules that can fit are checked (0.02 ms);
  checking stops after the longest rule's length, or when no rule is left. The same
  rules.
- The conversations store reads and writes in worker threads, which then wait for the
  event loop to let go of the GIL: up to 5 ms each time by default. With 1 ms, p95 at 20
  conversations fell from about 590 to 490 ms and at 5 from 153 to 123 ms, the same
  turns/s (2026-12-04, five runs each).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import gc
import sys
from typing import Any, Dict, List, Optional, Set, Text, Tuple, Type

import aiohttp
import numpy as np
import ujson
import rasa.core.processor
import rasa.core.run
from jsonschema import validators
from rasa.core.actions.action import RemoteAction
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET
from rasa.shared.nlu.constants import ACTION_NAME, INTENT
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core import constants as core_constants
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

KEEP_IDLE_CONNECTION_SECONDS = 4.0

_ORIGINAL = RemoteAction._validate_action_result


@functools.lru_cache(maxsize=1)
def _action_result_validators() -> Tuple[Any, Dict[Text, Any]]:
    """A validator for the answer without the choice of event kind, and one per kind."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    without_kinds = copy.deepcopy(schema)
    kinds = without_kinds["properties"]["events"]["items"].pop("oneOf")
    return cls(without_kinds), {kind["properties"]["event"]["const"]: cls(kind) for kind in kinds}


def _is_valid(result: Any) -> bool:
    answer, kinds = _action_result_validators()
    if not answer.is_valid(result):
        return False
    for event in result.get("events") or []:
        kind = kinds.get(event["event"])
        if kind is None or not kind.is_valid(event):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    if _is_valid(result):
        return True
    # An invalid answer (rare): Rasa's own check raises its error with its message.
    return _ORIGINAL(self, result)


class InOrderGraphRunner(DaskGraphRunner):
    """DaskGraphRunner without dask: the nodes a run needs, called in an order fixed once
    per set of targets, each with the outputs of the nodes it needs (an input given to
    the run replaces the node of its name, as in DaskGraphRunner)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: Dict[Tuple[Text, ...], Dict[Text, Tuple[Text, ...]]] = {}

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        wanted = tuple(targets if targets else self._graph_schema.target_names)
        order = self._order(wanted)
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in order:
                raise GraphRunError(f"Input value '{value}' clashes with a node name.")
            results[name] = (name, value)
        try:
            for name, needs in order.items():
                if name not in results:
                    # A need nothing provides is passed by name, as dask does.
                    results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in wanted)

    def _order(self, targets: Tuple[Text, ...]) -> Dict[Text, Tuple[Text, ...]]:
        if targets not in self._orders:
            nodes = self._graph_schema.minimal_graph_schema(list(targets)).nodes
            order: Dict[Text, Tuple[Text, ...]] = {}

            def visit(name: Text) -> None:
                if name in nodes and name not in order:
                    needs = tuple(nodes[name].needs.values())
                    for need in needs:
                        visit(need)
                    order[name] = needs

            for target in targets:
                visit(target)
            self._orders[targets] = order
        return self._orders[targets]


_ORIGINAL_RESOLVE = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    cls = _event_classes.get(type_name)
    if cls is None:
        cls = _ORIGINAL_RESOLVE(type_name, default)
        if cls is not None and cls is not default:
            _event_classes[type_name] = cls
    return cls


_connectors: Dict[asyncio.AbstractEventLoop, aiohttp.TCPConnector] = {}


def _shared_connector() -> aiohttp.TCPConnector:
    loop = asyncio.get_running_loop()
    connector = _connectors.get(loop)
    if connector is None or connector.closed:
        connector = _connectors[loop] = aiohttp.TCPConnector(keepalive_timeout=KEEP_IDLE_CONNECTION_SECONDS)
    return connector


def _session(self: EndpointConfig) -> aiohttp.ClientSession:
    # EndpointConfig.session, on the shared connector: closing the session keeps it.
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    return aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=_shared_connector(),
        connector_owner=False,
        json_serialize=ujson.dumps,
    )


def _random_response_for(
    self: TemplatedNaturalLanguageGenerator, utter_action: Text, output_channel: Text, filled_slots: Dict[Text, Any]
) -> Optional[Dict[Text, Any]]:
    if utter_action not in self.responses:
        return None
    suitable = ResponseVariationFilter(self.responses).responses_for_utter_action(
        utter_action, output_channel, filled_slots
    )
    if len(suitable) > 1:
        return suitable[np.random.randint(len(suitable))]
    return suitable[0] if suitable else None


def _copy_slot(self: Slot) -> Slot:
    # What copy.copy does for an object without __slots__ or __getstate__, directly.
    new = object.__new__(type(self))
    new.__dict__.update(self.__dict__)
    return new


class _PriorStates:
    """What `Domain.states_for_tracker_history` reads of each tracker it replays (the
    tracker before each action, then after the last event), for one tracker's applied
    events so far, with one `omit_unset_slots`."""

    def __init__(self, tracker: DialogueStateTracker, domain: Domain, omit_unset_slots: bool) -> None:
        self.domain, self.omit_unset_slots = domain, omit_unset_slots
        self.replay = tracker.init_copy()
        self.applied: List[Event] = []
        # (state, hide_rule_turn, followup action or loop action?, previous action)
        self.turns: List[Tuple[State, bool, bool, Any]] = []

    def _turn(self, hide_rule_turn: bool) -> Tuple[State, bool, bool, Any]:
        replay = self.replay
        keeps_hiding = bool(replay.followup_action) or replay.latest_action_name == replay.active_loop_name
        state = self.domain.get_active_state(replay, omit_unset_slots=self.omit_unset_slots)
        return state, hide_rule_turn, keeps_hiding, self.domain._get_prev_action_sub_state(replay)

    def extend(self, applied: List[Event]) -> bool:
        """Replay the events after the kept ones; False if `applied` does not start with them."""
        kept = len(self.applied)
        if len(applied) < kept or any(a is not b for a, b in zip(applied, self.applied)):
            return False
        for event in applied[kept:]:
            if isinstance(event, ActionExecuted):
                self.turns.append(self._turn(event.hide_rule_turn))
            self.replay.update(event)
            self.applied.append(event)
        return True

    def states(self, ignore_rule_only_turns: bool, rule_only_data: Optional[Dict[Text, Any]]) -> List[State]:
        # The loop of Domain.states_for_tracker_history, over the kept turns (copied: the
        # caller may change the states it gets).
        domain = self.domain
        states: List[State] = []
        last_ml_action_sub_state, turn_was_hidden = None, False
        for state, hide_rule_turn, keeps_hiding, prev_action in self.turns + [self._turn(False)]:
            if ignore_rule_only_turns:
                if not turn_was_hidden:
                    last_ml_action_sub_state = _copied(prev_action)
                if not keeps_hiding:
                    turn_was_hidden = hide_rule_turn
                if turn_was_hidden:
                    continue
            state = {kind: _copied(sub_state) for kind, sub_state in state.items()}
            if ignore_rule_only_turns:
                domain._remove_rule_only_features(state, rule_only_data)
                if states:
                    domain._substitute_rule_only_user_input(state, states[-1])
                if last_ml_action_sub_state:
                    state[core_constants.PREVIOUS_ACTION] = last_ml_action_sub_state
            states.append(domain._clean_state(state))
        return states


def _copied(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


_KEPT_STATES = "_xiaoan_prior_states"
_ORIGINAL_STATES_FOR_TRACKER_HISTORY = Domain.states_for_tracker_history


def _states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    if type(tracker) is not DialogueStateTracker:  # training's trackers keep their own states
        return _ORIGINAL_STATES_FOR_TRACKER_HISTORY(
            self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    kept: Dict[bool, _PriorStates] = tracker.__dict__.setdefault(_KEPT_STATES, {})
    prior = kept.get(omit_unset_slots)
    applied = tracker.applied_events()
    if prior is None or prior.domain is not self or not prior.extend(applied):
        prior = kept[omit_unset_slots] = _PriorStates(tracker, self, omit_unset_slots)
        prior.extend(applied)
    return prior.states(ignore_rule_only_turns, rule_only_data)


_ORIGINAL_GET_POSSIBLE_KEYS = RulePolicy._get_possible_keys


_RULE_INDEX = "_xiaoan_rule_index"
_Named = Optional[Tuple[Optional[Text], Optional[Text]]]  # see _named


def _named(state: State, required: bool) -> _Named:
    """None for a conversation's start (a state with no action before it, which fits
    only such a state, whatever else it holds); else the action before and the intent
    of the state, and of a rule's state (`required`) only those it requires (a name
    other than SHOULD_NOT_BE_SET), else None."""
    if not state.get(core_constants.PREVIOUS_ACTION):
        return None
    action = state[core_constants.PREVIOUS_ACTION].get(ACTION_NAME)
    intent = state.get(core_constants.USER, {}).get(INTENT)
    if required:
        action, intent = (n if isinstance(n, str) and n != SHOULD_NOT_BE_SET else None for n in (action, intent))
    return action, intent


def _rules_by_last_state(policy: RulePolicy, lookup: Dict[Text, Text]) -> Tuple[Dict[_Named, Set[Text]], int]:
    """The lookup's rules by what their last state requires, and the longest rule's
    length; worked out once per lookup."""
    indexes = policy.__dict__.setdefault(_RULE_INDEX, {})
    kept = indexes.get(id(lookup))
    if kept is None or kept[0] is not lookup:
        by_named: Dict[_Named, Set[Text]] = {}
        for key in lookup:
            by_named.setdefault(_named(policy._rule_key_to_state(key)[-1], required=True), set()).add(key)
        longest = max((len(policy._rule_key_to_state(key)) for key in lookup), default=0)
        kept = indexes[id(lookup)] = (lookup, by_named, longest)
    return kept[1], kept[2]


def _get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    if not states:
        return set(lookup)
    by_named, longest = _rules_by_last_state(self, lookup)
    named = _named(states[-1], required=False)
    if named is None:
        possible_keys = set(by_named.get(None, ()))
    else:
        action, intent = named
        possible_keys = set()
        for fits in {(None, None), (action, None), (None, intent), (action, intent)}:
            possible_keys |= by_named.get(fits, set())
    for turn_index, state in enumerate(reversed(states)):
        if turn_index >= longest or not possible_keys:
            break  # every rule left fits: none is that long
        possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, turn_index, state)}
    return possible_keys


_ORIGINAL_LOAD_AGENT = rasa.core.run.load_agent_on_start


async def _load_agent_then_freeze(*args: Any, **kwargs: Any) -> Any:
    agent = await _ORIGINAL_LOAD_AGENT(*args, **kwargs)
    gc.collect()
    gc.freeze()
    return agent


SWITCH_INTERVAL = 0.001  # seconds


def install() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
    RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _session
    rasa.core.processor.DaskGraphRunner = InOrderGraphRunner
    TemplatedNaturalLanguageGenerator._random_response_for = _random_response_for
    rasa.core.run.load_agent_on_start = _load_agent_then_freeze
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    Slot.__copy__ = _copy_slot
    Domain.states_for_tracker_history = _states_for_tracker_history
    RulePolicy._get_possible_keys = _get_possible_keys
