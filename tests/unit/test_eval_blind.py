"""The blind set's report says which layer caught each emergency (scripts/eval_blind.py)."""

from __future__ import annotations

from typing import Optional

from safety import emergency_model
from scripts import eval_blind
from scripts import eval_triage as ev

NET_ONLY = "我爸在院子里干活后来就坐那不说话了眼神发直"


class _Net:
    """Scores NET_ONLY 0.9 and everything else 0.1."""

    def probability(self, text: str) -> float:
        return 0.9 if text == NET_ONLY else 0.1

    probability_where_heard = emergency_model.EmergencyModel.probability_where_heard

    def alarm(self, text: str, probability: Optional[float] = None) -> bool:
        return (probability or 0.0) >= emergency_model.THRESHOLD


def _result(text: str, urgency: str, questions: tuple = ()) -> ev.Result:
    case = ev.Case("e", text, [eval_blind.EMERGENCY_DEPARTMENT], "emergency", set="emergencies")
    department = eval_blind.EMERGENCY_DEPARTMENT if urgency == "emergency" else None
    return ev.Result(case, department, urgency, list(questions), 0.0)


def test_each_caught_emergency_counts_for_the_layer_that_raised_it(monkeypatch):
    monkeypatch.setattr(emergency_model, "load_model", _Net)
    caught = eval_blind.caught_by(
        [
            _result("我老公刚才突然倒在地上叫不醒", "emergency"),
            _result(NET_ONLY, "emergency"),
            _result("孩子发烧三天了", "emergency", ("孩子精神怎么样？",)),
            _result("肚子有点胀", "emergency"),
            _result("胸口有点闷", "routine"),  # missed: no layer
        ]
    )
    assert dict(caught["layers"]) == {"rules": 1, "net": 1, "questions": 1, "other": 1}
    assert caught["net_lowest"] == 0.9
    line = eval_blind._caught_line(caught)
    assert "the net 1 (lowest score 0.90, alarm at" in line and "the rules 1" in line


def test_in_process_the_net_is_not_counted_as_it_does_not_speak_there():
    caught = eval_blind.caught_by([_result(NET_ONLY, "emergency")], through_assistant=False)
    assert dict(caught["layers"]) == {"other": 1} and caught["net_lowest"] is None
