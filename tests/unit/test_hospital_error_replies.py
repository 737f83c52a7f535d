"""A hospital error's reply is a domain response named by the error's key."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.common import say_hospital_error
from hospital.facts import facts
from hospital.interface import ERROR_KEYS, BookingRejected, HospitalError, NotFound, SystemUnavailable
from tests.unit.hospital_replies import error_responses, reply_to


def test_every_error_key_has_a_reply_and_every_reply_a_key():
    assert set(error_responses()) == {f"utter_hospital_error_{key}" for key in ERROR_KEYS}


@pytest.mark.parametrize(
    "error, key",
    [
        (NotFound("no such card", reason="card"), "not_found_card"),
        (NotFound("no such thing", reason="unheard_of"), "not_found"),
        (BookingRejected("stopped", "session_closed"), "session_closed"),
        (BookingRejected("cancelled", "not_cancellable", reason="cancelled"), "not_cancellable_cancelled"),
        (BookingRejected("odd", "odd_code"), "error"),
        (SystemUnavailable("database down"), "unavailable"),
        (HospitalError(), "error"),
    ],
)
def test_the_key_is_the_most_specific_one_known(error, key):
    assert error.key == key


def test_say_hospital_error_sends_the_response_with_its_parameters():
    dispatcher = CollectingDispatcher()
    error = BookingRejected("not released", "not_released", number_type="专家号", policy=facts().release_policy())
    say_hospital_error(dispatcher, error)
    [message] = dispatcher.messages
    assert message["response"] == "utter_hospital_error_not_released"
    assert message["number_type"] == "专家号" and message["hotline"] == facts().hotline_with_hours
    assert (
        reply_to(error)
        == "这个专家号还没有放号（专家号提前7天于15:00放号；普通号提前14天于8:00放号。），请到时再约或选择其他号。"
    )


def test_the_unavailable_reply_gives_the_hotline():
    assert reply_to(SystemUnavailable()) == (
        "系统暂时无法连接医院信息系统，本次没有办理成功，请稍后再试，或拨打咨询电话 0000-88881200（每天 8:00-20:00）。"
    )
