"""End-to-end check of the served page against the REAL assistant (Rasa + actions).

Starts the real servers itself (the `assistant` fixture), or uses the page at
XIAOAN_WEB_URL when that is set (an assistant already running, e.g. `make run`).

Optional: XIAOAN_MENU_TEXT (what to type to get the navigation menu, default 菜单),
XIAOAN_MAX_TURNS (follow-up answers before giving up on a triage card, default 8).
"""

from __future__ import annotations

import os
import re

import pytest

pytest.importorskip("playwright.sync_api", reason="pip install playwright")
from playwright.sync_api import expect  # noqa: E402

from xiaoan_page import ChatPage

pytestmark = [pytest.mark.browser]

XSS = "<img src=x onerror=alert(1)>"
SYMPTOMS = "我头晕，手脚发麻两天了"
NEGATIVE = re.compile(r"^(没有|无|否|不是|都没有|没有这些|以上都没有)")
BOT_WAIT_MS = 30000  # the first answer of a cold Rasa can take a while


@pytest.fixture
def real(page, request) -> ChatPage:
    url = os.environ.get("XIAOAN_WEB_URL") or request.getfixturevalue("assistant").web_url
    return ChatPage(page, url)


def _say(chat: ChatPage, text: str) -> None:
    before = chat.bot_rows.count()
    chat.send(text)
    expect(chat.bot_rows.nth(before)).to_be_visible(timeout=BOT_WAIT_MS)
    chat.settle()


def _answer_follow_up(chat: ChatPage) -> None:
    """Answer the bot's latest question: a 'no' button if there is one, else the first button, else 没有."""
    last = chat.bot_rows.last
    buttons = last.locator("button.choice:not([disabled])")
    if buttons.count():
        titles = buttons.all_inner_texts()
        pick = next((i for i, t in enumerate(titles) if NEGATIVE.match(t.strip())), 0)
        before = chat.bot_rows.count()
        buttons.nth(pick).click()
        expect(chat.bot_rows.nth(before)).to_be_visible(timeout=BOT_WAIT_MS)
        chat.settle()
    else:
        _say(chat, "没有")


def test_real_assistant_journey(real: ChatPage):
    run_journey(real, "real")


def _click_first_choice(chat: ChatPage) -> None:
    """Take the first offered choice (earliest date, first half-day, 确认预约 …)."""
    buttons = chat.bot_rows.last.locator("button.choice:not([disabled])")
    assert buttons.count(), "the assistant offered no choice to continue booking"
    before = chat.bot_rows.count()
    buttons.first.click()
    expect(chat.bot_rows.nth(before)).to_be_visible(timeout=BOT_WAIT_MS)
    chat.settle()


def run_journey(chat: ChatPage, prefix: str, complete_booking: bool = True) -> None:
    """Greet, menu, symptoms -> triage, book, reload, XSS. Screenshots: results/screenshots/<prefix>_*.png"""
    chat.open()
    page = chat.page
    sid = chat.session_id()
    assert sid

    # 1. greeting (the page may already have sent its init payload)
    chat.settle()
    _say(chat, "你好")
    assert chat.bot_rows.count() >= 1
    chat.screenshot(f"{prefix}_01_greeting")

    # 2. the navigation menu: use one on screen, else ask for it, then follow a question
    if page.locator(".menu-card").count() == 0:
        _say(chat, os.environ.get("XIAOAN_MENU_TEXT", "菜单"))
    menu = page.locator(".menu-card").last
    expect(menu).to_be_visible()
    question = menu.locator("button.menu-question").first
    title = question.inner_text()
    before = chat.bot_rows.count()
    question.click()
    expect(chat.user_bubbles.last).to_have_text(title)
    expect(chat.bot_rows.nth(before)).to_be_visible(timeout=BOT_WAIT_MS)
    chat.settle()
    chat.screenshot(f"{prefix}_02_menu_followed")

    # 3. symptoms -> follow-up questions -> triage card
    _say(chat, SYMPTOMS)
    for _ in range(int(os.environ.get("XIAOAN_MAX_TURNS", "8"))):
        if page.locator(".triage-card").count():
            break
        assert page.locator(".emergency-banner").count() == 0, (
            "the assistant escalated to an emergency banner instead of a triage card"
        )
        _answer_follow_up(chat)
    card = page.locator(".triage-card").last
    expect(card).to_be_visible()
    department = card.locator(".triage-department").inner_text().strip()
    assert department
    assert card.get_attribute("data-urgency") in {"emergency", "today", "routine", "self_care"}
    chat.screenshot(f"{prefix}_03_triage")

    # 4. the booking button
    before = chat.bot_rows.count()
    card.locator(".book-button").click()
    expect(chat.user_bubbles.last).to_have_text(f"预约{department}")
    expect(chat.bot_rows.nth(before)).to_be_visible(timeout=BOT_WAIT_MS)
    chat.settle()
    chat.screenshot(f"{prefix}_04_booking")

    # 4b. complete the booking as demo patient 1000001 (phone ending 5678)
    for _ in range(10 if complete_booking else 0):
        if "预约成功" in chat.log_text():
            break
        latest = chat.bot_rows.last.inner_text()
        if "就诊卡号" in latest:
            _say(chat, "1000001")
        elif "后4位" in latest:
            _say(chat, "5678")
        else:
            _click_first_choice(chat)
    if complete_booking:
        assert "预约成功" in chat.log_text()
        chat.screenshot(f"{prefix}_04b_booked")

    # 5. reload: same session, same history
    history = chat.log_text()
    users = chat.user_texts()
    page.reload()
    assert chat.wait_ready() == sid
    assert chat.user_texts() == users
    assert chat.log_text() == history

    # 6. XSS from the user (and whatever the bot echoes) stays text
    _say(chat, XSS)
    expect(chat.user_bubbles.last).to_have_text(XSS)
    assert page.locator("#log img").count() == 0
    assert page.watch.dialogs == []
    chat.screenshot(f"{prefix}_05_xss")
