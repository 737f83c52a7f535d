"""The staff console's routes (staff/app.py) on a fresh hospital and a scripted chat
store: nothing without logging in, login limits, one taker per ticket, replies and
the hand-back going to the relay, analytics and pre-consultation summaries."""

import datetime as dt
import json
import os
import stat

import pytest

from staff import auth
from staff.app import StaffApp
from staff.relay import Relay
from tests.staff_script import bot, scripted, slot, store, user

PASSWORD = "correct horse"
HOST = "127.0.0.1:8080"


class FakeRelay(Relay):
    """Records what the real relay would post to the Rasa server."""

    def __init__(self):
        self.sent = []

    def send(self, conversation_id, text, hand_back=False):
        self.sent.append((conversation_id, text, hand_back))


@pytest.fixture
def chats_url(tmp_path):
    return f"sqlite:///{tmp_path / 'chats.db'}"


@pytest.fixture
def app(hospital, chats_url):
    console = StaffApp(lambda: hospital, chats_url, "http://127.0.0.1:5005", PASSWORD)
    console.relay = FakeRelay()
    return console


def call(app, method, path, body=None, cookie=None, client="10.0.0.1", headers=None):
    sent = {"Host": HOST}
    if body is not None:
        sent["Content-Type"] = "application/json"
    if cookie:
        sent["Cookie"] = f"{auth.COOKIE}={cookie}"
    sent.update(headers or {})
    data = json.dumps(body).encode("utf-8") if body is not None else b""
    return app.handle(method, path, sent, data, client)


def login(app, name="王护士", password=PASSWORD, client="10.0.0.1"):
    response = call(app, "POST", "/staff/api/login", {"name": name, "password": password}, client=client)
    cookie = dict(response.headers).get("Set-Cookie", "")
    return response, cookie.split(";")[0].split("=", 1)[1] if cookie else None


def as_json(response):
    return json.loads(response.body.decode("utf-8"))


PROTECTED_GETS = [
    "/staff/",
    "/staff/analytics",
    "/staff/summaries",
    "/staff/static/staff.js",
    "/staff/static/charts.js",
]
PROTECTED_API = [
    "/staff/api/me",
    "/staff/api/queue",
    "/staff/api/analytics",
    "/staff/api/analytics.csv",
    "/staff/api/summaries",
    "/staff/api/tickets/1/view",
]


def test_nothing_is_visible_without_logging_in(app):
    for path in PROTECTED_GETS:
        response = call(app, "GET", path)
        assert response.status == 303 and ("Location", "/staff/login") in response.headers, path
        assert response.body == b""
    for path in PROTECTED_API:
        assert call(app, "GET", path).status == 401, path
    for path in ["/staff/api/tickets/1/take", "/staff/api/tickets/1/reply", "/staff/api/tickets/1/hand-back"]:
        assert call(app, "POST", path, {"text": "hi"}).status == 401, path
    assert call(app, "GET", "/staff/api/queue", cookie="forged|9999999999|00").status == 401
    page = call(app, "GET", "/staff/login")
    assert page.status == 200 and b"login.js" in page.body
    assert any(name == "Content-Security-Policy" for name, _ in page.headers)


def test_login_gives_a_session_cookie_that_opens_the_console(app):
    response, cookie = login(app)
    assert response.status == 200
    set_cookie = dict(response.headers)["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/staff/" in set_cookie
    assert as_json(call(app, "GET", "/staff/api/me", cookie=cookie)) == {"name": "王护士"}
    assert call(app, "GET", "/staff/", cookie=cookie).status == 200
    tampered = cookie.replace(cookie.split("|")[0], auth.session_cookie("李医生").split("|")[0])
    assert call(app, "GET", "/staff/api/me", cookie=tampered).status == 401


def test_wrong_passwords_are_limited_per_client(app):
    for _ in range(auth.MAX_FAILURES):
        assert login(app, password="guess")[0].status == 401
    assert login(app)[0].status == 429  # even the right password, from that client
    assert login(app, client="10.0.0.2")[0].status == 200


def test_login_needs_a_name(app):
    assert login(app, name="  ")[0].status == 401


def test_posts_must_be_json_from_our_origin(app):
    _, cookie = login(app)
    form = call(
        app,
        "POST",
        "/staff/api/tickets/1/take",
        cookie=cookie,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status == 403
    elsewhere = call(
        app, "POST", "/staff/api/tickets/1/take", {}, cookie=cookie, headers={"Origin": "http://evil.example"}
    )
    assert elsewhere.status == 403


def test_cookies_expire():
    cookie = auth.session_cookie("王护士", now=1000.0)
    assert auth.staff_of(cookie, now=1000.0 + auth.SESSION_SECONDS - 1) == "王护士"
    assert auth.staff_of(cookie, now=1000.0 + auth.SESSION_SECONDS + 1) is None
    assert auth.staff_of("not a cookie") is None


def test_password_from_the_environment_or_generated_once_owner_only(tmp_path):
    assert auth.password({auth.PASSWORD_ENV: "from-env"}, tmp_path / "pw") == ("from-env", None)
    first, path = auth.password({}, tmp_path / "pw")
    assert path == tmp_path / "pw" and len(first) >= 12
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert auth.password({}, tmp_path / "pw")[0] == first


def _handed_off(hospital, chats_url, conversation="web-1"):
    now = dt.datetime.now().timestamp()
    store(
        chats_url,
        {
            conversation: [
                user("我头疼三天了", "describe_symptoms", now - 60),
                slot("triage_summary", {"chief_complaint": "头疼", "duration": "3天"}, now - 59),
                user("转人工，我的卡号1000001", "human_handoff", now - 30),
                slot("handoff_active", True, now - 29),
            ]
        },
    )
    return hospital.create_handoff(conversation, "患者要求人工服务", "转人工，我的卡号*******")


def test_two_staff_cannot_take_the_same_ticket(app, hospital, chats_url):
    ticket = _handed_off(hospital, chats_url)
    _, nurse = login(app, "王护士")
    _, doctor = login(app, "李医生")
    taken = call(app, "POST", f"/staff/api/tickets/{ticket.id}/take", {}, cookie=nurse)
    assert taken.status == 200 and as_json(taken)["taken_by"] == "王护士"
    assert call(app, "POST", f"/staff/api/tickets/{ticket.id}/take", {}, cookie=doctor).status == 409
    assert call(app, "POST", f"/staff/api/tickets/{ticket.id}/reply", {"text": "我来"}, cookie=doctor).status == 409
    assert call(app, "GET", f"/staff/api/tickets/{ticket.id}/view", cookie=doctor).status == 409
    assert app.relay.sent == []


def test_queue_shows_reason_masked_conversation_and_triage_summary(app, hospital, chats_url):
    ticket = _handed_off(hospital, chats_url)
    _, cookie = login(app)
    (queued,) = as_json(call(app, "GET", "/staff/api/queue", cookie=cookie))["tickets"]
    assert queued["id"] == ticket.id and queued["reason"] == "患者要求人工服务" and queued["taken_by"] is None
    assert [m["text"] for m in queued["messages"]] == ["我头疼三天了", "转人工，我的卡号*******"]
    assert queued["triage_summary"] == {"chief_complaint": "头疼", "duration": "3天"}
    assert queued["emergency"] is False
    assert "1000001" not in call(app, "GET", "/staff/api/queue", cookie=cookie).body.decode("utf-8")


def test_reply_and_hand_back_go_to_the_patient_and_close_the_ticket(app, hospital, chats_url):
    ticket = _handed_off(hospital, chats_url)
    _, cookie = login(app)
    call(app, "POST", f"/staff/api/tickets/{ticket.id}/take", {}, cookie=cookie)
    assert (
        call(
            app, "POST", f"/staff/api/tickets/{ticket.id}/reply", {"text": "  您好，我是王护士  "}, cookie=cookie
        ).status
        == 200
    )
    assert call(app, "POST", f"/staff/api/tickets/{ticket.id}/reply", {"text": " "}, cookie=cookie).status == 400
    assert call(app, "POST", f"/staff/api/tickets/{ticket.id}/hand-back", {}, cookie=cookie).status == 200
    (first, second) = app.relay.sent
    assert first == ("web-1", "您好，我是王护士", False)
    assert second[0] == "web-1" and second[2] is True and "小安继续为您服务" in second[1]
    assert hospital.handoff_tickets("open") == []
    assert as_json(call(app, "GET", "/staff/api/queue", cookie=cookie))["tickets"] == []


def test_an_emergency_during_the_takeover_is_highlighted(app, hospital, chats_url):
    ticket = _handed_off(hospital, chats_url)
    now = dt.datetime.now().timestamp() + 1
    store(chats_url, {"web-1": [user("突然胸口剧痛喘不上气", "emergency", now), bot("请立即拨打120", now + 1)]})
    _, cookie = login(app)
    call(app, "POST", f"/staff/api/tickets/{ticket.id}/take", {}, cookie=cookie)
    view = as_json(call(app, "GET", f"/staff/api/tickets/{ticket.id}/view", cookie=cookie))
    assert view["emergency"] is True
    assert [m["text"] for m in view["messages"] if m["emergency"]] == ["突然胸口剧痛喘不上气"]


def test_analytics_api_and_csv_over_a_period(app, hospital, chats_url):
    day1 = dt.date(2026, 11, 24)
    store(chats_url, scripted(day1))
    _, cookie = login(app)
    report = as_json(call(app, "GET", "/staff/api/analytics?start=2026-11-24&end=2026-11-25", cookie=cookie))
    assert report["totals"]["conversations"] == 5 and report["totals"]["messages"] == 9
    only_first = as_json(call(app, "GET", "/staff/api/analytics?start=2026-11-24&end=2026-11-24", cookie=cookie))
    assert only_first["totals"]["conversations"] == 2
    csv = call(app, "GET", "/staff/api/analytics.csv?start=2026-11-24&end=2026-11-25", cookie=cookie)
    assert csv.content_type.startswith("text/csv") and "totals,conversations,5," in csv.body.decode("utf-8-sig")
    assert call(app, "GET", "/staff/api/analytics?start=2026-11-25&end=2026-11-24", cookie=cookie).status == 400


def test_summaries_show_the_days_appointments_with_triage_and_no_full_name(app, hospital, today):
    _, cookie = login(app)
    days = [today + dt.timedelta(days=i) for i in range(8)]
    answers = {day: as_json(call(app, "GET", f"/staff/api/summaries?day={day}", cookie=cookie)) for day in days}
    rows = [row for answer in answers.values() for row in answer["appointments"]]
    with_precheck = [row for row in rows if row["precheck"]]
    assert with_precheck and with_precheck[0]["precheck"]["chief_complaint"]
    body = json.dumps(list(answers.values()), ensure_ascii=False)
    for appointment, patient in [pair for day in days for pair in hospital.appointments_on(day)]:
        assert patient.name not in body and appointment.card_no not in body
    assert all(row["patient"].endswith("**") for row in rows)
