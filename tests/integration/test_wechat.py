"""小安 on WeChat end to end: the real Rasa and action servers, called the way WeChat's
servers call an official account in safe mode (signed, AES-encrypted, 5-second limit,
retries), with WeChat's API faked on loopback (tests/wechat_fake.py)."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from typing import List

import pytest

from tests.wechat_fake import AES_KEY, TEST_TOKEN, WECHAT_TIMEOUT, Answer, FakeWeChatApi, FakeWeChatServer

CARD, PHONE4 = "1000001", "5678"  # demo patient 陈建国 (README)


class WeChatPatient:
    def __init__(self, assistant, api: FakeWeChatApi):
        self.assistant, self.api = assistant, api
        self.wechat = FakeWeChatServer(f"{assistant.rasa_url}/webhooks/wechat/webhook", TEST_TOKEN, AES_KEY)
        self.openid = f"o{uuid.uuid4().hex[:27]}"
        self.transcript: List[str] = []

    def post(self, xml: str) -> Answer:
        answer = self.wechat.post(xml)
        assert answer.status == 200, answer.body
        assert answer.seconds < WECHAT_TIMEOUT
        return answer

    def reply_to(self, answer: Answer) -> str:
        """The bot's reply: passive, or else as customer-service messages."""
        if answer.passive:
            return answer.text
        seen = len(self.api.messages_to(self.openid))
        self.api.wait_for(self.openid, seen + 1, timeout=60)
        time.sleep(0.5)  # a long reply comes as several messages
        return "\n\n".join(self.api.messages_to(self.openid)[seen:])

    def say_without_reply(self, text: str) -> None:
        """For messages the bot answers with nothing (such as /restart)."""
        self.post(self.wechat.message_xml(self.openid, "text", Content=text))

    def say(self, text: str) -> str:
        reply = self.reply_to(self.post(self.wechat.message_xml(self.openid, "text", Content=text)))
        self.transcript += [f"> {text}", reply]
        return reply

    def tracker(self) -> dict:
        url = f"{self.assistant.rasa_url}/conversations/{self.openid}/tracker?token={self.assistant.token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))

    def user_events(self, wait_s: float = 10) -> List[dict]:
        """The patient's messages in the stored conversation. A passive reply leaves
        before Rasa has saved the turn, so wait a moment for it."""
        deadline = time.time() + wait_s
        while True:
            events = [e for e in self.tracker()["events"] if e["event"] == "user"]
            if events or time.time() > deadline:
                return events
            time.sleep(0.2)


@pytest.fixture
def patient(assistant, wechat_api) -> WeChatPatient:
    return WeChatPatient(assistant, wechat_api)


def test_server_verification_and_bad_signatures(patient):
    assert (patient.wechat.verify("echo-2026").body) == "echo-2026"
    assert patient.wechat.verify("echo-2026", bad_signature=True).status == 403
    xml = patient.wechat.message_xml(patient.openid, "text", Content="你好")
    assert patient.wechat.post(xml, bad_signature=True).status == 403
    assert patient.wechat.post(xml, plaintext=True).status == 403  # safe mode takes only encrypted bodies


def test_greeting_is_answered_passively_in_safe_mode(patient):
    # On a busy machine one turn may miss the 4.5 s; one of three must not.
    for _ in range(3):
        answer = patient.post(patient.wechat.message_xml(patient.openid, "text", Content="你好"))
        if answer.passive:
            break
    assert answer.passive and answer.text
    assert "<Encrypt>" in answer.body and "小安" not in answer.body  # the reply went back encrypted
    assert answer.seconds < 4.6


def test_subscribe_welcomes_with_the_menu_and_a_number_picks_from_it(patient):
    welcome = patient.reply_to(patient.post(patient.wechat.message_xml(patient.openid, "event", Event="subscribe")))
    assert welcome.startswith("您好，欢迎关注")
    assert "回复 1 我要挂号" in welcome
    reply = patient.say("1")  # the first of the menu's choices: booking
    assert "科室" in reply or "就诊卡号" in reply, patient.transcript
    user_texts = [e["text"] for e in patient.tracker()["events"] if e["event"] == "user"]
    assert user_texts[-1] == "我要挂号"


def test_booking_conversation_end_to_end(patient):
    """Driven by the bot's prompts (their exact wording may change): department, the
    identity check, then the first numbered choice each time, until booked."""
    reply = patient.reply_to(
        patient.post(patient.wechat.message_xml(patient.openid, "event", Event="CLICK", EventKey="BOOK"))
    )
    patient.transcript.append(reply)
    for _ in range(14):
        if "预约成功" in reply:
            break
        if "就诊卡号" in reply:
            answer = CARD
        elif "后4位" in reply:
            answer = PHONE4
        elif "回复 1 " in reply:
            answer = "1"
        elif "科室" in reply:
            answer = "呼吸内科"
        else:
            pytest.fail("unexpected prompt:\n" + "\n".join(patient.transcript))
        reply = patient.say(answer)
    assert "预约成功" in reply, "\n".join(patient.transcript)
    assert "呼吸" in reply
    listing = patient.say("我的预约")
    assert "呼吸" in listing, "\n".join(patient.transcript)


def test_retried_message_is_answered_once(patient, wechat_api):
    xml = patient.wechat.message_xml(
        patient.openid, "text", msg_id=str(7 * 10**18 + uuid.uuid4().int % 10**15), Content="你好"
    )
    answers = [patient.post(xml) for _ in range(3)]
    assert [a.body for a in answers[1:]] == ["success", "success"]
    if not answers[0].passive:  # a slow turn: its reply comes as a customer-service message
        wechat_api.wait_for(patient.openid, 1, timeout=60)
    time.sleep(1)
    assert int(answers[0].passive) + len(wechat_api.messages_to(patient.openid)) == 1
    user_events = [e for e in patient.tracker()["events"] if e["event"] == "user"]
    assert [e["text"] for e in user_events] == ["你好"]


def test_emergency_reply_is_passive_within_the_limit(patient, wechat_api):
    answer = patient.post(
        patient.wechat.message_xml(patient.openid, "text", Content="我爸突然胸口剧痛，喘不上气，一直出冷汗")
    )
    assert answer.passive, answer.body
    assert answer.seconds < 4.6
    assert "120" in answer.text
    first_event = patient.user_events()[-1]
    assert first_event["parse_data"]["intent"]["name"] == "emergency"


def test_binding_a_card_spares_the_identity_check_until_removed(patient):
    reply = patient.say("绑定就诊卡")
    assert "核实" in reply and "就诊卡号" in reply, patient.transcript
    patient.say(CARD)
    reply = patient.say(PHONE4)
    assert "尾号01" in reply and "绑定" in reply, patient.transcript
    patient.say_without_reply("/restart")  # a new conversation: nothing proven in it yet
    reply = patient.say("我的预约")
    assert "就诊卡号" not in reply and "预约" in reply, patient.transcript
    assert "已解除" in patient.say("解除绑定")
    patient.say_without_reply("/restart")
    assert "就诊卡号" in patient.say("我的预约"), patient.transcript


def test_report_picked_by_number_reads_as_a_table_with_the_critical_value(patient):
    """Demo patient 1000003 has potassium 6.8, a critical value (README)."""
    patient.say("查报告")
    patient.say("1000003")
    listing = patient.say("7832")
    pick = re.search(r"回复 (\d+) 查看电解质", listing)
    assert pick, patient.transcript
    report = patient.say(pick.group(1))
    assert re.search(r"· 钾：6\.8 mmol/L ↑（参考 [\d.]+-[\d.]+） 【危急值】", report), patient.transcript
    assert "急诊" in report
