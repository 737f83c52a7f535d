"""The WeChat channel as WeChat's servers call it: a real Sanic server on a free port
with the channel's blueprint, a fake WeChat on both sides (tests/wechat_fake.py), and
a scripted bot in place of Rasa's agent."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import Any, Callable, Dict, List, Optional

import pytest
from sanic import Sanic

from channels.wechat import WeChatInput
from channels.wechat.bindings import Bindings
from channels.wechat.config import WeChatConfig
from rasa.core.channels.channel import UserMessage
from scripts.serve import free_port
from tests.wechat_fake import AES_KEY, APPID, APPSECRET, FakeWeChatApi, FakeWeChatServer

TOKEN = "xiaoan-test-token"
REPLY_WITHIN = 1.0  # seconds; WeChat's own limit is 5, the tests need not wait that long
_apps = itertools.count()


class ScriptedBot:
    """Stands in for Rasa: `reply(text) -> [(seconds to wait, message dict)]`; keeps
    what it was told and the buttons of its last turn, like the tracker would."""

    def __init__(self) -> None:
        self.heard: List[UserMessage] = []
        self.last: Dict[str, List[Dict[str, Any]]] = {}
        self.script: Callable[[str], List[tuple]] = lambda text: [(0, {"text": f"收到：{text}"})]
        self.emergency_words = ("胸口剧痛",)
        self.cards: Dict[str, Optional[str]] = {}
        self.restored: List[str] = []

    async def handle(self, message: UserMessage) -> None:
        self.heard.append(message)
        said = []
        for delay, reply in self.script(message.text):
            await asyncio.sleep(delay)
            said.append(reply)
            await message.output_channel.send_response(message.sender_id, dict(reply))
        self.last[message.sender_id] = said

    # the Backend interface
    async def parse(self, text: str) -> Dict[str, Any]:
        name = "emergency" if any(w in text for w in self.emergency_words) else "other"
        return {"text": text, "intent": {"name": name, "confidence": 1.0}, "entities": []}

    async def last_bot_messages(self, sender: str) -> List[Dict[str, Any]]:
        return self.last.get(sender, [])

    async def verified_card(self, sender: str) -> Optional[str]:
        return self.cards.get(sender)

    async def restore_card(self, sender: str, card: str) -> None:
        self.restored.append(sender)
        self.cards[sender] = card

    async def forget_card(self, sender: str) -> None:
        self.cards[sender] = None


class Running:
    def __init__(self, channel: WeChatInput, bot: ScriptedBot, api: FakeWeChatApi, wechat: FakeWeChatServer):
        self.channel, self.bot, self.api, self.wechat = channel, bot, api, wechat

    async def call(self, method: str, *args, **kwargs):
        # The fake WeChat blocks (urllib), the server runs on this loop: use a thread.
        return await asyncio.to_thread(getattr(self.wechat, method), *args, **kwargs)

    async def say(self, openid: str, text: str, msg_id: Optional[str] = None):
        return await self.call("text", openid, text, msg_id)


async def _serve(config: Optional[WeChatConfig], bot: ScriptedBot, bindings: Optional[Bindings] = None):
    Sanic.test_mode = True
    app = Sanic(f"wechat_test_{next(_apps)}")
    channel = WeChatInput(config, backend=lambda _app: bot, bindings=bindings)
    app.blueprint(channel.blueprint(bot.handle), url_prefix="/webhooks/wechat")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    return channel, server, f"http://127.0.0.1:{port}/webhooks/wechat/webhook"


@pytest.fixture
def fake_api():
    api = FakeWeChatApi().start()
    yield api
    api.stop()


@pytest.fixture
def bindings(tmp_path):
    return Bindings.from_url(f"sqlite:///{tmp_path / 'bindings.db'}")


def _config(api: FakeWeChatApi, safe: bool = False) -> WeChatConfig:
    return WeChatConfig(
        token=TOKEN,
        appid=APPID,
        appsecret=APPSECRET,
        aes_key=AES_KEY if safe else "",
        api_base=api.base_url,
        reply_within=REPLY_WITHIN,
    )


@pytest.fixture(params=["plaintext", "safe"])
async def running(request, fake_api, bindings):
    safe = request.param == "safe"
    bot = ScriptedBot()
    channel, server, url = await _serve(_config(fake_api, safe), bot, bindings)
    yield Running(channel, bot, fake_api, FakeWeChatServer(url, TOKEN, AES_KEY if safe else None))
    await channel.turns.drain()
    server.close()
    await server.wait_closed()


def openid() -> str:
    return f"o{uuid.uuid4().hex[:27]}"


# -- server verification and signatures -------------------------------------------------


async def test_server_verification_echoes_echostr(running):
    answer = await running.call("verify", "echo-4711")
    assert (answer.status, answer.body) == (200, "echo-4711")


async def test_verification_with_a_bad_signature_is_refused(running):
    answer = await running.call("verify", "echo-4711", bad_signature=True)
    assert answer.status == 403 and "echo-4711" not in answer.body


async def test_message_with_a_bad_signature_is_refused_and_not_handled(running):
    xml = running.wechat.message_xml(openid(), "text", Content="你好")
    answer = await running.call("post", xml, bad_signature=True)
    assert answer.status == 403
    assert running.bot.heard == []


async def test_text_message_gets_the_bot_reply_passively(running):
    user = openid()
    answer = await running.say(user, "你好")
    assert answer.passive and answer.text == "收到：你好"
    assert answer.fields["ToUserName"] == user and answer.fields["FromUserName"] == "gh_xiaoan_test"
    assert answer.seconds < REPLY_WITHIN
    heard = running.bot.heard[0]
    assert (heard.sender_id, heard.input_channel, heard.text) == (user, "wechat", "你好")


async def test_several_bot_messages_are_joined_in_order(running):
    running.bot.script = lambda text: [(0, {"text": "第一句"}), (0, {"text": "第二句"})]
    answer = await running.say(openid(), "你好")
    assert answer.text == "第一句\n\n第二句"


async def test_safe_mode_refuses_plaintext_and_bad_msg_signature(fake_api):
    bot = ScriptedBot()
    channel, server, url = await _serve(_config(fake_api, safe=True), bot)
    wechat = FakeWeChatServer(url, TOKEN, AES_KEY)
    try:
        xml = wechat.message_xml(openid(), "text", Content="你好")
        plain = await asyncio.to_thread(wechat.post, xml, plaintext=True)
        forged = await asyncio.to_thread(wechat.post, xml, bad_msg_signature=True)
        assert (plain.status, forged.status) == (403, 403)
        assert bot.heard == []
        good = await asyncio.to_thread(wechat.post, xml)
        assert good.passive and good.text == "收到：你好"  # the reply came back encrypted and signed
        assert "收到" not in good.body
    finally:
        server.close()
        await server.wait_closed()


async def test_encrypted_message_for_another_account_is_refused(fake_api):
    bot = ScriptedBot()
    channel, server, url = await _serve(_config(fake_api, safe=True), bot)
    stranger = FakeWeChatServer(url, TOKEN, AES_KEY, appid="wxsomebodyelse00000")
    try:
        answer = await asyncio.to_thread(stranger.text, openid(), "你好")
        assert answer.status == 403 and bot.heard == []
    finally:
        server.close()
        await server.wait_closed()


async def test_channel_is_off_without_token(monkeypatch, fake_api):
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    channel = WeChatInput.from_credentials(None)
    assert channel.config is None
    Sanic.test_mode = True
    app = Sanic(f"wechat_off_{next(_apps)}")
    app.blueprint(channel.blueprint(ScriptedBot().handle), url_prefix="/webhooks/wechat")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        wechat = FakeWeChatServer(f"http://127.0.0.1:{port}/webhooks/wechat/webhook", TOKEN)
        assert (await asyncio.to_thread(wechat.verify)).status == 404
        assert (await asyncio.to_thread(wechat.text, openid(), "你好")).status == 404
    finally:
        server.close()
        await server.wait_closed()


def test_channel_reads_its_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("WECHAT_TOKEN", "t0ken")
    monkeypatch.setenv("WECHAT_AES_KEY", AES_KEY)
    monkeypatch.setenv("WECHAT_APPID", APPID)
    monkeypatch.setenv("WECHAT_APPSECRET", APPSECRET)
    monkeypatch.setenv("WECHAT_API_BASE", "http://127.0.0.1:9")
    channel = WeChatInput.from_credentials(None)
    assert channel.config.token == "t0ken" and channel.config.safe_mode and channel.config.can_send
    assert channel.config.api_base == "http://127.0.0.1:9"
    assert WeChatInput.name() == "wechat"


def test_reply_deadline_must_be_within_wechats_five_seconds():
    with pytest.raises(ValueError):
        WeChatConfig.from_env({"WECHAT_TOKEN": "t", "WECHAT_REPLY_WITHIN": "6"})
    assert WeChatConfig.from_env({"WECHAT_TOKEN": "t"}).reply_within == 4.5


# -- 5 seconds, retries, customer-service messages -------------------------------------


async def test_slow_turn_answers_success_and_arrives_through_the_customer_service_api(running):
    user = openid()
    running.bot.script = lambda text: [
        (REPLY_WITHIN + 0.5, {"text": "查好了：明天上午有号"}),
        (0, {"text": "要预约吗？", "buttons": [{"title": "预约", "payload": "好的"}]}),
    ]
    answer = await running.say(user, "明天有号吗")
    assert (answer.status, answer.body) == (200, "success")
    assert answer.seconds < REPLY_WITHIN + 0.4
    sent = await asyncio.to_thread(running.api.wait_for, user, 1, 10)
    assert sent == ["查好了：明天上午有号\n\n要预约吗？\n回复 1 预约"]
    assert running.api.token_requests == 1


async def test_access_token_is_cached_and_fetched_again_when_expired(running):
    running.bot.script = lambda text: [(REPLY_WITHIN + 0.2, {"text": f"慢回复：{text}"})]
    user = openid()
    for n in range(2):
        await running.say(user, f"问题{n}")
        await asyncio.to_thread(running.api.wait_for, user, n + 1, 10)
    assert running.api.token_requests == 1
    running.api.expire_next_send = True
    await running.say(user, "问题2")
    sent = await asyncio.to_thread(running.api.wait_for, user, 3, 10)
    assert sent[-1] == "慢回复：问题2"
    assert running.api.token_requests == 2


async def test_retried_message_is_handled_and_answered_once(running):
    user = openid()
    answers = [await running.say(user, "你好", msg_id="6000000000000000001") for _ in range(3)]
    assert answers[0].passive and answers[0].text == "收到：你好"
    assert [(a.status, a.body) for a in answers[1:]] == [(200, "success")] * 2
    assert len(running.bot.heard) == 1
    assert running.api.messages_to(user) == []


async def test_retry_while_the_first_request_waits_is_not_handled_twice(running):
    user = openid()
    running.bot.script = lambda text: [(REPLY_WITHIN + 0.3, {"text": "慢慢来"})]
    first = asyncio.ensure_future(running.say(user, "你好", msg_id="6000000000000000002"))
    await asyncio.sleep(0.3)
    retry = await running.say(user, "你好", msg_id="6000000000000000002")
    assert retry.body == "success"
    assert (await first).body == "success"
    assert await asyncio.to_thread(running.api.wait_for, user, 1, 10) == ["慢慢来"]
    await asyncio.sleep(0.3)
    assert len(running.bot.heard) == 1 and running.api.messages_to(user) == ["慢慢来"]


async def test_events_are_deduplicated_by_sender_and_create_time(running):
    user = openid()
    xml = running.wechat.message_xml(user, "event", Event="CLICK", EventKey="BOOK")
    first = await running.call("post", xml)
    again = await running.call("post", xml)
    assert first.passive and again.body == "success"
    assert [m.text for m in running.bot.heard] == ["我要挂号"]


# -- emergencies -----------------------------------------------------------------------

EMERGENCY = [
    (0, {"text": "您说的胸痛可能是心梗，请马上拨打120。"}),
    (
        0,
        {
            "custom": {
                "data": {
                    "emergency": {
                        "title": "疑似心梗",
                        "message": "您说的胸痛可能是心梗，请马上拨打120。",
                        "phone": "120",
                    }
                }
            }
        },
    ),
]


async def test_emergency_reply_is_passive_at_once_even_when_the_turn_goes_on(running):
    user = openid()
    running.bot.script = lambda text: EMERGENCY + [(REPLY_WITHIN + 1, {"text": "另外，您还可以…"})]
    answer = await running.say(user, "胸口剧痛喘不上气")
    assert answer.passive and answer.text.startswith("您说的胸痛可能是心梗，请马上拨打120。")
    assert answer.seconds < 0.5  # not held back until the rest of the turn
    assert await asyncio.to_thread(running.api.wait_for, user, 1, 10) == ["另外，您还可以…"]


async def test_emergency_gets_a_passive_reply_even_when_the_bot_is_slow(running):
    user = openid()
    running.bot.script = lambda text: [(REPLY_WITHIN + 0.5, EMERGENCY[0][1]), EMERGENCY[1]]
    answer = await running.say(user, "胸口剧痛")
    assert answer.passive and "马上拨打120" in answer.text and "急诊" in answer.text
    assert answer.seconds < REPLY_WITHIN + 0.4
    # the full reply follows as soon as it is ready
    assert await asyncio.to_thread(running.api.wait_for, user, 1, 10) == ["您说的胸痛可能是心梗，请马上拨打120。"]


# -- numbered choices, voice, events, menu ----------------------------------------------


async def test_buttons_are_numbered_and_a_number_picks_the_button(running):
    user = openid()
    running.bot.script = lambda text: [
        (
            0,
            {
                "text": "想约上午还是下午？",
                "buttons": [
                    {"title": "上午", "payload": "上午"},
                    {"title": "下午", "payload": '/inform{"period": "下午"}'},
                ],
            },
        )
    ]
    answer = await running.say(user, "我要挂号")
    assert answer.text == "想约上午还是下午？\n回复 1 上午\n回复 2 下午"
    await running.say(user, "２")  # full-width, as Chinese keyboards type it
    assert running.bot.heard[-1].text == '/inform{"period": "下午"}'
    await running.say(user, "3")  # no third choice: the text goes to the bot as it is
    assert running.bot.heard[-1].text == "3"


async def test_voice_message_uses_wechats_recognition(running):
    user = openid()
    xml = running.wechat.message_xml(user, "voice", MediaId="m1", Format="amr", Recognition="我要挂号。")
    answer = await running.call("post", xml)
    assert answer.passive and running.bot.heard[-1].text == "我要挂号。"
    unclear = await running.call("post", running.wechat.message_xml(user, "voice", MediaId="m2", Format="amr"))
    assert "没有听清" in unclear.text and len(running.bot.heard) == 1


async def test_other_message_types_get_a_polite_answer(running):
    answer = await running.call(
        "post", running.wechat.message_xml(openid(), "image", PicUrl="http://x/1.jpg", MediaId="m")
    )
    assert answer.passive and "文字和语音" in answer.text and running.bot.heard == []


async def test_subscribe_welcomes_with_the_menu(running):
    user = openid()
    running.bot.script = lambda text: [
        (0, {"text": "小安可以帮您挂号…", "buttons": [{"title": "我要挂号", "payload": "我要挂号"}]})
    ]
    answer = await running.call("post", running.wechat.message_xml(user, "event", Event="subscribe"))
    assert answer.text.startswith("您好，欢迎关注")
    assert "小安可以帮您挂号…\n回复 1 我要挂号" in answer.text
    assert running.bot.heard[-1].text == "菜单"
    gone = await running.call("post", running.wechat.message_xml(user, "event", Event="unsubscribe"))
    assert gone.body == "success" and len(running.bot.heard) == 1


@pytest.mark.parametrize(
    "key, says", [("BOOK", "我要挂号"), ("REPORTS", "查报告"), ("TRIAGE", "不知道挂什么科"), ("CONSULT", "菜单")]
)
async def test_menu_clicks_speak_for_the_patient(running, key, says):
    await running.call("post", running.wechat.message_xml(openid(), "event", Event="CLICK", EventKey=key))
    assert running.bot.heard[-1].text == says


# -- binding a card ---------------------------------------------------------------------


async def test_binding_needs_the_identity_check_then_holds_until_removed(running, bindings):
    user = openid()
    answer = await running.say(user, "绑定就诊卡")
    assert "先核实" in answer.text
    assert running.bot.heard[-1].text == "/list_appointments"  # the bot's own identity check starts
    assert bindings.card(user) is None
    running.bot.cards[user] = "1000001"  # the patient passed the check in the next turn
    answer = await running.say(user, "5678")
    assert "已把就诊卡（尾号01）和您的微信绑定" in answer.text
    assert bindings.card(user) == "1000001"
    running.bot.cards[user] = None  # a new conversation session
    await running.say(user, "我的预约")
    assert running.bot.restored == [user] and running.bot.cards[user] == "1000001"
    answer = await running.call(
        "post", running.wechat.message_xml(user, "event", Event="CLICK", EventKey="UNBIND_CARD")
    )
    assert "已解除" in answer.text
    assert bindings.card(user) is None and running.bot.cards[user] is None
    assert "还没有绑定" in (await running.say(user, "解除绑定")).text


async def test_binding_when_already_verified_is_immediate(running, bindings):
    user = openid()
    running.bot.cards[user] = "1000002"
    answer = await running.say(user, "绑定就诊卡")
    assert "尾号02" in answer.text and bindings.card(user) == "1000002"
    assert running.bot.heard == []


async def test_lab_report_arrives_as_one_readable_table(running):
    report = {
        "title": "生化",
        "results": [
            {"name": "钾", "value": "6.8", "unit": "mmol/L", "range": "3.5-5.3", "flag": "↑", "critical": True}
        ],
    }
    running.bot.script = lambda text: [
        (0, {"text": "生化（11-24 报告）\n钾 6.8 mmol/L ↑（参考 3.5-5.3）", "custom": {"data": {"lab_report": report}}})
    ]
    answer = await running.say(openid(), "看下生化")
    assert answer.text.splitlines()[:2] == ["生化（11-24 报告）", "· 钾：6.8 mmol/L ↑（参考 3.5-5.3） 【危急值】"]
    assert answer.text.count("钾") == 1
