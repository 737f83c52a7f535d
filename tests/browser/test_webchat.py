"""Browser tests of the 小安 web chat page against a fake Rasa socketio server.

    pytest -m browser tests/browser/test_webchat.py
Screenshots go to results/screenshots/.
"""

from __future__ import annotations

import re
import sys
import time

import pytest

pytest.importorskip("playwright.sync_api", reason="pip install playwright")
from playwright.sync_api import expect  # noqa: E402

from xiaoan_servers import DIST, ROOT, served
from test_real_assistant import run_journey
from xiaoan_page import ChatPage

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
RGB = {
    "emergency": "rgb(183, 28, 28)",
    "today": "rgb(168, 74, 0)",
    "routine": "rgb(29, 78, 216)",
    "self_care": "rgb(20, 115, 58)",
}


@pytest.fixture
def chat(page, page_url, rasa) -> ChatPage:
    c = ChatPage(page, page_url).open()
    c.wait_bot_count(1)  # the automatic /greet of a new conversation
    return c


def _style(locator, prop: str) -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).{prop}")


# ------------------------------------------------------------------ loading
def test_page_loads_without_console_errors(page, page_url, rasa):
    c = ChatPage(page, page_url).open()
    c.wait_bot_count(1)
    header = page.locator("header").inner_text()
    assert "安和市第一人民医院" in header and "智能导诊 小安" in header
    assert "急危重症请立即拨打120" in header and "0000-88881200" in header
    expect(page.locator('header a[href="tel:120"]')).to_be_visible()
    expect(page.locator('header a[href="tel:0000-88881200"]')).to_be_visible()
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.locator("script:not([src])").count() == 0
    # every script and stylesheet comes from the page's own origin
    for src in page.eval_on_selector_all("script[src], link[href]", "els => els.map(e => e.src || e.href)"):
        assert src.startswith(page_url), src
    # the automatic greeting went out as /greet and is not shown as a user bubble
    assert rasa.texts() == ["/greet"]
    assert c.user_bubbles.count() == 0
    assert rasa.log()["session_requests"] == [{"session_id": None}]
    assert c.stored_session_id() == c.session_id()
    time.sleep(0.5)
    assert page.watch.console_errors == []
    c.screenshot("01_loaded_greeting")


def test_greeting_reply_rendered(chat, rasa):
    chat.send("你好")
    expect(chat.user_bubbles.last).to_have_text("你好")
    chat.wait_bot_count(2)
    last = chat.bot_rows.last
    expect(last.locator(".msg-text")).to_contain_text("我是小安")
    # single line breaks are kept
    assert "\n" in last.locator(".msg-text").inner_text()
    expect(last.locator("button.choice")).to_have_count(3)
    assert rasa.texts() == ["/greet", "你好"]
    assert {m["session_id"] for m in rasa.log()["messages"]} == {chat.session_id()}


def test_button_click_sends_payload_and_shows_title(chat, rasa):
    first = chat.bot_rows.first
    first.get_by_role("button", name="科室导航").click()
    expect(chat.user_bubbles.last).to_have_text("科室导航")
    expect(chat.page.locator(".menu-card")).to_be_visible()
    assert rasa.texts()[-1] == "/menu"
    # the chosen button is marked, the group is used up
    expect(first.locator("button.choice.chosen")).to_have_text("科室导航")
    for b in first.locator("button.choice").all():
        expect(b).to_be_disabled()


def test_menu_renders_and_question_sends_payload(chat, rasa):
    chat.send("/menu")
    menu = chat.page.locator(".menu-card")
    expect(menu).to_be_visible()
    expect(menu.locator(".menu-category-title")).to_have_text(["挂号与就诊", "检查与报告"])
    expect(menu.locator("button.menu-question")).to_have_count(4)
    chat.screenshot("02_menu")
    menu.get_by_role("button", name="门诊时间是几点？").click()
    expect(chat.user_bubbles.last).to_have_text("门诊时间是几点？")
    chat.wait_bot_text("门诊时间")
    assert rasa.texts()[-1] == "/ask_hours"
    # **emphasis** became a <strong>, not literal asterisks
    strong = chat.bot_rows.last.locator("strong")
    expect(strong).to_have_text("8:00-12:00、14:00-17:30")
    assert "**" not in chat.bot_rows.last.inner_text()


def test_triage_cards_colours_and_booking(chat, rasa):
    chat.send("/triage_all")
    cards = chat.page.locator(".triage-card")
    expect(cards).to_have_count(4)
    for card, urgency in zip(cards.all(), ["emergency", "today", "routine", "self_care"]):
        assert card.get_attribute("data-urgency") == urgency
        badge = card.locator(".urgency")
        expect(badge).to_be_visible()
        assert _style(badge, "backgroundColor") == RGB[urgency], urgency
        assert _style(badge, "color") == "rgb(255, 255, 255)"
        expect(card.get_by_role("button", name=re.compile("预约该科室"))).to_be_visible()
    expect(cards.nth(1).locator(".triage-department")).to_have_text("神经内科")
    expect(cards.nth(1).locator(".triage-reason-text")).to_have_text("头晕伴肢体麻木两天。")
    # with book_payload: payload sent, 预约<科室> shown
    cards.nth(0).locator(".book-button").click()
    expect(chat.user_bubbles.last).to_have_text("预约急诊科")
    _wait(lambda: rasa.texts()[-1] == "/book_emergency")
    # without book_payload: the text 预约<科室> is sent
    cards.nth(1).locator(".book-button").click()
    expect(chat.user_bubbles.last).to_have_text("预约神经内科")
    _wait(lambda: rasa.texts()[-1] == "预约神经内科")
    chat.page.set_viewport_size({"width": 390, "height": 1700})
    chat.screenshot("03_triage_all")


def _wait(cond, timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    assert cond()


def test_lab_report_table_highlights(chat):
    chat.send("/lab")
    table = chat.page.locator(".lab-card table")
    expect(table).to_be_visible()
    card = chat.page.locator(".lab-card")
    expect(card.locator(".card-title")).to_have_text("血常规 + 生化（示例）")
    expect(card.locator(".lab-status")).to_have_text("已出报告")
    expect(card.locator(".lab-time")).to_contain_text("2024-05-06 10:32")
    rows = table.locator("tbody tr.lab-row")
    expect(rows).to_have_count(4)
    names = [r.locator("th").inner_text() for r in rows.all()]
    assert names == ["白细胞计数", "血红蛋白", "血钾", "空腹血糖"]
    normal, low, critical, normal2 = rows.all()
    for r in (normal, normal2):
        assert "abnormal" not in r.get_attribute("class")
        assert _style(r, "backgroundColor") == "rgba(0, 0, 0, 0)"
    assert "abnormal" in low.get_attribute("class") and "critical" not in low.get_attribute("class")
    assert _style(low, "backgroundColor") != "rgba(0, 0, 0, 0)"
    expect(low.locator(".lab-flag")).to_have_text("↓")
    assert "critical" in critical.get_attribute("class")
    value = critical.locator(".lab-number")
    assert int(_style(value, "fontWeight")) >= 700
    assert _style(value, "color") == RGB["emergency"]
    assert int(_style(critical.locator("th"), "fontWeight")) >= 700
    expect(critical.locator(".critical-tag")).to_have_text("危急值")
    expect(table.locator(".lab-note")).to_have_text(["轻度贫血，请结合临床", "危急值，医院已电话通知，请尽快就医"])
    chat.page.set_viewport_size({"width": 390, "height": 1200})
    card.scroll_into_view_if_needed()
    chat.screenshot("04_lab")
    chat.page.get_by_role("button", name="大字").click()
    card.scroll_into_view_if_needed()
    chat.screenshot("04_lab_large_text")


def test_emergency_banner_with_tel_120(chat):
    chat.send("/emergency")
    banner = chat.page.locator(".emergency-banner")
    expect(banner).to_be_visible()
    assert banner.get_attribute("role") == "alert"
    expect(banner.locator(".emergency-title")).to_contain_text("疑似脑卒中")
    assert _style(banner, "backgroundColor") == RGB["emergency"]
    call = banner.locator('a[href="tel:120"]')
    expect(call).to_be_visible()
    expect(call).to_contain_text("120")
    box = call.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 200
    expect(banner.locator(".first-aid-list li")).to_have_count(3)
    expect(banner.locator("strong")).to_have_text("急危重症")
    chat.screenshot("05_emergency")


def test_xss_from_user_and_bot_is_literal_text(chat, rasa):
    chat.send(XSS)
    expect(chat.user_bubbles.last).to_have_text(XSS)
    chat.wait_bot_text("您说的是：" + XSS)
    assert rasa.texts()[-1] == XSS
    chat.send("/xss_all")  # the string in every field of every payload type
    expect(chat.page.locator(".emergency-banner")).to_be_visible()
    expect(chat.page.locator(".lab-card")).to_be_visible()
    chat.settle(quiet_s=1.0)
    time.sleep(0.5)
    log = chat.page.locator("#log")
    assert log.locator("img").count() == 0
    text = chat.log_text()
    assert text.count(XSS) >= 12, text
    # the bogus phone number never reaches a link
    hrefs = chat.page.eval_on_selector_all("#log a", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs == ["tel:120"]
    assert chat.page.evaluate("window.__alerted === undefined")
    assert chat.page.watch.dialogs == []
    chat.page.locator("#log .bot-bubble .msg-text", has_text="您说的是").last.scroll_into_view_if_needed()
    chat.screenshot("06_xss_literal")


def test_reload_keeps_history_and_session(chat, rasa):
    chat.send("你好")
    chat.wait_bot_count(2)
    chat.bot_rows.last.get_by_role("button", name="查看报告").click()
    expect(chat.page.locator(".lab-card")).to_be_visible()
    sid = chat.session_id()
    before_user = chat.user_texts()
    before_bot = chat.bot_rows.count()
    before_text = chat.log_text()
    chat.page.reload()
    assert chat.wait_ready() == sid
    assert chat.stored_session_id() == sid
    assert chat.user_texts() == before_user == ["你好", "查看报告"]
    assert chat.bot_rows.count() == before_bot
    assert chat.log_text() == before_text
    # the used button group stays used, the lab table is still a table
    expect(chat.bot_rows.nth(1).locator("button.choice.chosen")).to_have_text("查看报告")
    expect(chat.page.locator(".lab-card tr.lab-row.critical")).to_have_count(1)
    assert rasa.log()["session_requests"][-1] == {"session_id": sid}
    # no second greeting, and the conversation goes on in the same session
    assert rasa.texts().count("/greet") == 1
    chat.send("/ask_hours")
    chat.wait_bot_text("门诊时间")
    assert rasa.log()["messages"][-1] == {"session_id": sid, "text": "/ask_hours"}
    stored = chat.page.evaluate("Object.keys(sessionStorage).sort()")
    assert stored == ["xiaoan.history.v1", "xiaoan.session_id"]
    assert chat.page.evaluate("Object.keys(localStorage).filter(k => k !== 'xiaoan.large_text')") == []


def test_new_conversation_clears(chat, rasa):
    chat.send("你好")
    chat.wait_bot_count(2)
    old = chat.session_id()
    chat.page.get_by_role("button", name="新对话").click()
    dialog = chat.page.locator("#confirm-new")
    expect(dialog).to_be_visible()
    chat.screenshot("09_new_conversation_confirm")
    chat.page.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert chat.bot_rows.count() == 2
    chat.page.get_by_role("button", name="新对话").click()
    chat.page.get_by_role("button", name="开始新对话").click()
    expect(chat.user_bubbles).to_have_count(0)
    new = chat.wait_ready()
    assert new and new != old
    assert chat.stored_session_id() == new
    chat.wait_bot_count(1)  # greeted again, in the new session
    assert rasa.log()["messages"][-1] == {"session_id": new, "text": "/greet"}
    chat.page.reload()
    assert chat.wait_ready() == new
    assert chat.bot_rows.count() == 1 and chat.user_bubbles.count() == 0


def test_end_and_clear_for_kiosks(chat, rasa):
    """One tap ends the verification on the server (/restart to the old session),
    clears what the page stored and starts a fresh session for the next person."""
    chat.send("我的就诊卡是1000003")
    chat.wait_bot_count(2)
    old = chat.session_id()
    button = chat.page.get_by_role("button", name="结束并清除")
    expect(button).to_be_visible()
    chat.screenshot("09b_end_and_clear_button")
    button.click()
    expect(chat.page.locator("#confirm-new")).to_be_hidden()
    expect(chat.user_bubbles).to_have_count(0)
    new = chat.wait_ready()
    assert new and new != old
    chat.wait_bot_count(1)  # the fresh session's greeting only
    _wait(lambda: {"session_id": old, "text": "/restart"} in rasa.log()["messages"])
    messages = rasa.log()["messages"]
    assert messages.index({"session_id": old, "text": "/restart"}) < messages.index(
        {"session_id": new, "text": "/greet"}
    )
    stored = chat.page.evaluate("JSON.stringify(sessionStorage)")
    assert "1000003" not in stored and old not in stored and chat.stored_session_id() == new
    chat.page.reload()
    assert chat.wait_ready() == new
    assert chat.user_bubbles.count() == 0 and "1000003" not in chat.log_text()


def test_disconnect_shows_message_and_reconnects(chat, rasa):
    sid = chat.session_id()
    status = chat.page.locator("#status")
    rasa.stop()
    expect(status).to_be_visible(timeout=10000)
    expect(status).to_have_text("连接已断开，正在重新连接…")
    # a message typed while offline is shown at once and sent after reconnecting
    chat.send("/ask_hours")
    expect(chat.user_bubbles.last).to_have_text("/ask_hours")
    chat.screenshot("07_disconnected")
    rasa.start()
    expect(status).to_be_hidden(timeout=20000)
    assert chat.session_id() == sid
    chat.wait_bot_text("门诊时间", timeout=10000)
    assert rasa.log()["session_requests"] == [{"session_id": sid}]
    assert rasa.log()["messages"] == [{"session_id": sid, "text": "/ask_hours"}]
    # a server-side disconnect (socket.io does not retry those by itself) also recovers
    assert rasa.kick() == 1
    expect(status).to_be_hidden(timeout=10000)
    _wait(lambda: len(rasa.log()["session_requests"]) == 2)
    chat.send("你好")
    chat.wait_bot_count(3)
    assert rasa.log()["messages"][-1] == {"session_id": sid, "text": "你好"}


def test_large_text_toggle(chat):
    toggle = chat.page.get_by_role("button", name="大字")
    bubble = chat.bot_rows.first.locator(".msg-text")
    small = float(_style(bubble, "fontSize").rstrip("px"))
    assert small >= 18
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    large = float(_style(bubble, "fontSize").rstrip("px"))
    assert large >= small * 1.2
    chat.screenshot("08_large_text")
    chat.page.reload()
    chat.wait_ready()
    assert float(_style(chat.bot_rows.first.locator(".msg-text"), "fontSize").rstrip("px")) == large
    chat.page.get_by_role("button", name="大字").click()
    assert float(_style(chat.bot_rows.first.locator(".msg-text"), "fontSize").rstrip("px")) == small


def test_enter_while_composing_does_not_send(chat, rasa, context):
    inp = chat.input
    inp.click()
    inp.fill("nihao")
    # 1) keydown carrying isComposing (Chrome, Firefox)
    inp.dispatch_event("compositionstart", {"data": ""})
    inp.evaluate(
        "el => el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', isComposing: true, bubbles: true, cancelable: true}))"
    )
    # 2) Enter after compositionstart whose keydown does not say so
    inp.evaluate(
        "el => el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}))"
    )
    inp.dispatch_event("compositionend", {"data": "你好"})
    # 3) Safari: compositionend first, then keydown with keyCode 229
    inp.evaluate(
        """el => { const e = new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true});
                   Object.defineProperty(e, 'keyCode', {get: () => 229});
                   el.dispatchEvent(e); }"""
    )
    time.sleep(0.5)
    assert chat.user_bubbles.count() == 0
    assert inp.input_value() == "nihao"
    assert rasa.texts() == ["/greet"]
    # 4) a real IME composition through the DevTools protocol
    inp.fill("")
    cdp = context.new_cdp_session(chat.page)
    cdp.send("Input.imeSetComposition", {"text": "ni", "selectionStart": 2, "selectionEnd": 2})
    assert chat.page.evaluate("document.activeElement.id") == "input"
    cdp.send(
        "Input.dispatchKeyEvent",
        {
            "type": "rawKeyDown",
            "key": "Enter",
            "code": "Enter",
            "windowsVirtualKeyCode": 229,
            "nativeVirtualKeyCode": 229,
        },
    )
    cdp.send(
        "Input.dispatchKeyEvent",
        {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 229, "nativeVirtualKeyCode": 229},
    )
    cdp.send("Input.insertText", {"text": "你好"})  # commits the composition
    time.sleep(0.3)
    assert chat.user_bubbles.count() == 0
    assert inp.input_value() == "你好"
    # a plain Enter afterwards sends; Shift+Enter makes a new line
    inp.press("Shift+Enter")
    inp.type("小安")
    assert inp.input_value() == "你好\n小安"
    assert chat.user_bubbles.count() == 0
    inp.press("Enter")
    expect(chat.user_bubbles.last).to_have_text("你好\n小安")
    assert inp.input_value() == ""


def test_typing_indicator_while_waiting(chat):
    typing = chat.page.locator("#typing")
    expect(typing).to_be_hidden()
    chat.send("/slow")
    expect(typing).to_be_visible()
    chat.screenshot("11_typing")
    chat.wait_bot_text("让您久等了")
    expect(typing).to_be_hidden()


def test_unknown_custom_payload_ignored_quietly(chat):
    chat.send("/unknown")
    chat.wait_bot_text("未知组件之后的文字")
    chat.settle(quiet_s=0.8)
    assert chat.bot_rows.count() == 2  # greeting + the text; nothing for the unknown widget
    text = chat.log_text()
    assert "carousel" not in text and "{" not in text and "raw" not in text
    assert chat.page.watch.console_errors == []


def test_multipart_text_and_image(chat):
    chat.send("/multi")
    chat.wait_bot_text("第二段")
    first = chat.page.locator("#log .bot-bubble .msg-text", has_text="第一段")
    expect(first.locator("strong")).to_have_text("空腹")
    assert first.inner_text() == "第一段：请空腹抽血。\n第二行说明。"
    chat.send("/image")
    img = chat.page.locator("#log img.msg-image")
    expect(img).to_have_count(1)
    _wait(lambda: img.evaluate("i => i.complete && i.naturalWidth") == 1)
    assert chat.page.watch.console_errors == []


def test_tap_targets_at_least_44px(chat):
    chat.send("/menu")
    expect(chat.page.locator(".menu-card")).to_be_visible()
    chat.send("/triage")
    expect(chat.page.locator(".triage-card")).to_be_visible()
    chat.settle(quiet_s=0.5)
    chat.page.set_viewport_size({"width": 390, "height": 3000})
    small = chat.page.eval_on_selector_all(
        "button, a, textarea",
        """els => els.filter(e => e.offsetParent !== null).map(e => {
               const r = e.getBoundingClientRect();
               return [e.textContent.trim() || e.id, Math.round(r.width), Math.round(r.height)];
           }).filter(([, w, h]) => w < 44 || h < 44)""",
    )
    assert small == []


def test_desktop_layout(page, page_url, rasa):
    page.set_viewport_size({"width": 1280, "height": 860})
    c = ChatPage(page, page_url).open()
    c.wait_bot_count(1)
    c.bot_rows.first.get_by_role("button", name="查看报告").click()
    expect(page.locator(".lab-card")).to_be_visible()
    c.send("/triage")
    expect(page.locator(".triage-card")).to_be_visible()
    c.settle(quiet_s=0.5)
    width = page.locator(".app").bounding_box()["width"]
    assert 700 <= width <= 900  # centred column, not stretched across the screen
    c.screenshot("10_desktop")


def test_default_config_csp_allows_rasa_on_port_5005(page, web_dist):
    """The built-in default (page host, port 5005) must pass the page's own CSP."""
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    seen = []
    page.route_web_socket(re.compile(r".*/socket\.io/.*"), lambda ws: seen.append(ws.url))
    with served(web_dist, init_payload="") as url:  # server URL left at the default
        page.goto(url)
        _wait(lambda: bool(seen))
        assert seen[0].startswith("ws://127.0.0.1:5005/socket.io/")
        assert page.evaluate("window.__csp") == []


def test_csp_of_build_and_server_agree(web_dist):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import serve_web
    finally:
        sys.path.pop(0)
    html = (DIST / "index.html").read_text(encoding="utf-8")
    built = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert built == serve_web.build_csp(None)


def test_real_assistant_script_runs_against_fake(page, page_url, rasa):
    """Keeps tests/browser/test_real_assistant.py's journey runnable (the fake plays the assistant)."""
    run_journey(ChatPage(page, page_url), "journey_fake", complete_booking=False)  # the fake books nothing
    texts = rasa.texts()
    assert "我头晕，手脚发麻两天了" in texts and '/book{"department":"神经内科"}' in texts
