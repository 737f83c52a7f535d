"""The learned emergency net: trained from the project's labelled messages, cached by their hash."""

from __future__ import annotations

import pytest

from safety import emergency_model as em
from safety import red_flags


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return em.build_model(tmp_path_factory.mktemp("emergency_model"))


def test_it_learns_from_the_development_set_and_never_from_the_blind_set():
    assert em.DEV_DIR.name == "dev" and all(path.parent == em.DEV_DIR for path in em.DEV_FILES)
    assert not [path for path in em.source_files() if "blind" in path.parts]
    emergencies, calm = em.examples()
    assert len(emergencies) > 900 and len(calm) > 5000


@pytest.mark.parametrize(
    "text",
    [
        # written for this test, in words no rule has (the rules stay silent on each)
        "邻居家小孩把一整瓶驱蚊水当饮料喝了，小脸通红直哼哼",
        # (round 92 taught the rules bleeding just after a birth: "媳妇生完孩子第三天，下面血一直哗哗往外流" now fires by rule)
        # (round 26 taught the rules wild-picked plants: "自己采的野果子" now fires by rule)
        "外婆吃了一碗邻居送的野果，现在嘴巴发麻，心跳一会快一会慢",
        # (round 49 taught the rules a blow then belly pain with pallor: "打球被撞了…肚子越来越疼，脸煞白" now fires by rule)
    ],
)
def test_it_catches_emergencies_the_rules_miss(trained, text):
    model = trained
    assert not red_flags.assess(text)[0]
    assert model.alarm(text)


@pytest.mark.parametrize(
    "text",
    [
        "头皮痒，头屑多",
        "最近老是失眠，想挂个号",
        "手被门夹了一下，有点肿",
        "昨天体检说血压有点高要紧吗",
        "你好，在吗",
        # the seed's own scenario (神经内科 after its questions); rounds 52-54 had taken it to 0.855
        "我头晕，手脚发麻两天了",
    ],
)
def test_it_stays_quiet_on_calm_messages(trained, text):
    model = trained
    assert not model.alarm(text)


@pytest.mark.parametrize("text", ["肚子疼", "头晕", "想吐", "腿肿", "胸口闷", "肚子一阵阵疼"])
def test_a_bare_complaint_is_left_to_the_rules_and_triage(trained, text):
    """A few characters say too little for the net; triage asks its screening questions,
    and a complaint it scored high still ends with what to watch for."""
    assert not trained.alarm(text)
    assert trained.watch(text) == (trained.probability(text) >= em.WATCH)
