"""A stand-in for `rasa run` used by the browser tests.

It is the socketio input channel `rasa run` uses (channels/socketio.py, Rasa's own
channel with our fix, session_persistence on, as in credentials.yml) mounted on a Sanic
app exactly the way `rasa run` mounts it — only the agent is replaced by the scripted
`respond()` below, which answers through Rasa's real SocketIOOutput.send_response().
So the payload shapes the page sees (quick_replies, custom json unwrapped from
{"data": ...}, "\\n\\n" splitting, image attachments) are those of Rasa 3.6.

    python tests/browser/fake_rasa.py --port 5005

Test-only helper routes: GET /_log (what the page sent), POST /_reset, POST /_kick
(server-side disconnect of every client), GET /img.png.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import os
import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sanic import Sanic, response  # noqa: E402
from sanic_cors import CORS  # noqa: E402

from rasa.core.channels.channel import UserMessage, register  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from tests/browser
from channels.socketio import SocketIOInput  # noqa: E402

XSS = "<img src=x onerror=alert(1)>"

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

MENU = {
    "menu": {
        "categories": [
            {
                "title": "挂号与就诊",
                "questions": [
                    {"title": "怎么预约挂号？", "payload": "/ask_booking"},
                    {"title": "门诊时间是几点？", "payload": "/ask_hours"},
                ],
            },
            {
                "title": "检查与报告",
                "questions": [
                    {"title": "查询检验报告", "payload": "/lab"},
                    {"title": "我身体不舒服，该挂哪个科？", "payload": "/symptoms"},
                ],
            },
        ]
    }
}


def triage(urgency: str, department: str, reason: str, book_payload: str | None = None) -> dict:
    t = {"department": department, "urgency": urgency, "reason": reason}
    if book_payload:
        t["book_payload"] = book_payload
    return {"triage": t}


LAB = {
    "lab_report": {
        "title": "血常规 + 生化（示例）",
        "status": "已出报告",
        "reported_at": "2024-05-06 10:32",
        "results": [
            {"name": "白细胞计数", "value": "6.2", "unit": "×10⁹/L", "range": "3.5-9.5", "flag": "", "critical": False},
            {
                "name": "血红蛋白",
                "value": "98",
                "unit": "g/L",
                "range": "130-175",
                "flag": "↓",
                "critical": False,
                "note": "轻度贫血，请结合临床",
            },
            {
                "name": "血钾",
                "value": "6.8",
                "unit": "mmol/L",
                "range": "3.5-5.3",
                "flag": "↑",
                "critical": True,
                "note": "危急值，医院已电话通知，请尽快就医",
            },
            {"name": "空腹血糖", "value": "5.1", "unit": "mmol/L", "range": "3.9-6.1", "flag": "", "critical": False},
        ],
    }
}

EMERGENCY = {
    "emergency": {
        "title": "疑似脑卒中，请立即拨打120",
        "message": "您描述的症状可能是**急危重症**。\n请立即拨打120或就近前往急诊，不要等待。",
        "first_aid": ["让患者平躺或侧卧，保持呼吸通畅", "不要给患者喂水或喂药", "记下发病时间，告诉急救人员"],
        "phone": "120",
    }
}


def script(text: str) -> list[tuple[float, dict]]:
    """(delay seconds, Rasa bot message dict) for a user message."""
    t = text.strip()
    if t in ("/greet", "你好", "您好"):
        return [
            (
                0,
                {
                    "text": "您好！我是小安，安和市第一人民医院的智能导诊助手。\n请问有什么可以帮您？",
                    "buttons": [
                        {"title": "挂号预约", "payload": "/book"},
                        {"title": "科室导航", "payload": "/menu"},
                        {"title": "查看报告", "payload": "/lab"},
                    ],
                },
            )
        ]
    if t in ("/menu", "菜单"):
        return [(0, {"text": "请选择您想了解的问题："}), (0, {"custom": {"data": MENU}})]
    if t == "/book":
        return [(0, {"text": "好的，请问您要预约哪个科室？"})]
    if t == "/ask_hours":
        return [(0, {"text": "门诊时间：周一至周五 **8:00-12:00、14:00-17:30**。\n周末上午有普通门诊。"})]
    if t == "/triage":
        return [
            (
                0,
                {
                    "custom": {
                        "data": triage(
                            "today",
                            "神经内科",
                            "头晕伴手脚发麻两天，建议今日到神经内科就诊。",
                            '/book{"department":"神经内科"}',
                        )
                    }
                },
            )
        ]
    if t == "/triage_all":
        return [
            (0, {"custom": {"data": triage("emergency", "急诊科", "胸痛伴大汗，可能是急性心梗。", "/book_emergency")}}),
            (0, {"custom": {"data": triage("today", "神经内科", "头晕伴肢体麻木两天。")}}),
            (0, {"custom": {"data": triage("routine", "消化内科", "反复胃胀一个月。", "/book_gi")}}),
            (0, {"custom": {"data": triage("self_care", "全科医学科", "普通感冒症状轻微，可居家观察。")}}),
        ]
    if t == "/lab":
        return [(0, {"text": "这是您最近的检验报告："}), (0, {"custom": {"data": LAB}})]
    if t == "/emergency":
        return [(0, {"custom": {"data": EMERGENCY}})]
    if t == "/unknown":
        return [
            (0, {"custom": {"data": {"carousel": {"items": [1, 2, 3]}, "debug": '{"raw": true}'}}}),
            (0, {"text": "未知组件之后的文字"}),
        ]
    if t == "/image":
        return [(0, {"image": "__SELF__/img.png"})]
    if t == "/slow":
        return [(1.5, {"text": "让您久等了。"})]
    if t == "/multi":
        return [(0, {"text": "第一段：请**空腹**抽血。\n第二行说明。\n\n第二段：报告约**2小时**后可查。"})]
    if t == "/xss_all":
        return [
            (0, {"text": f"**{XSS}**", "buttons": [{"title": XSS, "payload": "/noop"}]}),
            (
                0,
                {
                    "custom": {
                        "data": {
                            "menu": {"categories": [{"title": XSS, "questions": [{"title": XSS, "payload": XSS}]}]}
                        }
                    }
                },
            ),
            (0, {"custom": {"data": triage("routine", XSS, XSS)}}),
            (
                0,
                {
                    "custom": {
                        "data": {
                            "lab_report": {
                                "title": XSS,
                                "status": XSS,
                                "reported_at": XSS,
                                "results": [
                                    {
                                        "name": XSS,
                                        "value": XSS,
                                        "unit": XSS,
                                        "range": XSS,
                                        "flag": "↑",
                                        "critical": True,
                                        "note": XSS,
                                    }
                                ],
                            }
                        }
                    }
                },
            ),
            (
                0,
                {
                    "custom": {
                        "data": {
                            "emergency": {
                                "title": XSS,
                                "message": XSS,
                                "first_aid": [XSS],
                                "phone": "javascript:alert(1)",
                            }
                        }
                    }
                },
            ),
        ]
    if "头晕" in t or "发麻" in t:
        return [
            (
                0,
                {
                    "text": "请问您现在有没有说话不清、口角歪斜或一侧肢体无力？",
                    "buttons": [{"title": "有", "payload": "/affirm"}, {"title": "没有", "payload": "/deny"}],
                },
            )
        ]
    if t == "/deny":
        return [
            (
                0,
                {
                    "custom": {
                        "data": triage(
                            "today",
                            "神经内科",
                            "头晕伴手脚发麻两天，没有中风的典型表现，建议今日到神经内科就诊。",
                            '/book{"department":"神经内科"}',
                        )
                    }
                },
            )
        ]
    return [(0, {"text": f"您说的是：{t}"})]


def create_app(name: str = "fake_rasa") -> Sanic:
    app = Sanic(name)
    app.config.MOTD = False
    app.config.CORS_AUTOMATIC_OPTIONS = True
    app.config.CORS_SUPPORTS_CREDENTIALS = True
    CORS(app, resources={r"/*": {"origins": "*"}}, automatic_options=True)  # as `rasa run --cors "*"`

    log: dict = {"messages": [], "session_requests": []}
    channel = SocketIOInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered", session_persistence=True)

    async def on_new_message(message: UserMessage) -> None:
        log["messages"].append({"session_id": message.sender_id, "text": message.text})
        base = f"http://{app.ctx.host}:{app.ctx.port}"
        for delay, msg in script(message.text or ""):
            if delay:
                await asyncio.sleep(delay)
            if "image" in msg:
                msg = {**msg, "image": msg["image"].replace("__SELF__", base)}
            await message.output_channel.send_response(message.sender_id, dict(msg))

    class Agent:  # what rasa.core.channels.channel.register's handler calls
        async def handle_message(self, message: UserMessage) -> None:
            await on_new_message(message)

    app.ctx.agent = Agent()
    register([channel], app, route="/webhooks/")
    # The pages under test come from any free port: no origin check here, as in Rasa's
    # own channel (the check is tested in tests/unit/test_socketio_channel.py).
    channel.sio.eio.cors_allowed_origins = []

    # Record session_request events too (wrap Rasa's own handler).
    handlers = channel.sio.handlers["/"]
    original = handlers["session_request"]

    async def session_request(sid, data):
        log["session_requests"].append(dict(data) if isinstance(data, dict) else data)
        await original(sid, data)

    handlers["session_request"] = session_request

    @app.get("/_log")
    async def get_log(_request):
        return response.json(log)

    @app.post("/_reset")
    async def reset(_request):
        log["messages"].clear()
        log["session_requests"].clear()
        return response.json({"ok": True})

    @app.post("/_kick")
    async def kick(_request):
        sids = list(channel.sio.manager.get_participants("/", None))
        for sid, _eio in sids:
            await channel.sio.disconnect(sid)
        return response.json({"kicked": len(sids)})

    @app.get("/img.png")
    async def img(_request):
        return response.raw(PNG_1PX, content_type="image/png")

    @app.get("/")
    async def root(_request):
        return response.text("Hello from Rasa: fake")

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5005)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = create_app()
    app.ctx.host, app.ctx.port = args.host, args.port
    app.run(host=args.host, port=args.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
