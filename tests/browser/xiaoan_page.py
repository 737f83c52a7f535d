"""Small driver for the 小安 chat page, shared by the browser test modules."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Page, expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "results" / "screenshots"


class ChatPage:
    def __init__(self, page: Page, url: str):
        self.page = page
        self.url = url

    # --- navigation
    def open(self, wait_ready: bool = True) -> "ChatPage":
        self.page.goto(self.url)
        if wait_ready:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 15000) -> str:
        self.page.wait_for_selector("body[data-session-id]", timeout=timeout)
        expect(self.page.locator("#status")).to_be_hidden(timeout=timeout)
        return self.session_id()

    def session_id(self) -> str | None:
        return self.page.evaluate("document.body.dataset.sessionId || null")

    def stored_session_id(self) -> str | None:
        return self.page.evaluate("sessionStorage.getItem('xiaoan.session_id')")

    # --- locators
    @property
    def input(self):
        return self.page.locator("#input")

    @property
    def bot_rows(self):
        return self.page.locator("#log .msg-row.bot")

    @property
    def user_bubbles(self):
        return self.page.locator("#log .user-bubble")

    def user_texts(self) -> list[str]:
        return self.user_bubbles.all_inner_texts()

    def bot_texts(self) -> list[str]:
        return self.page.locator("#log .bot-bubble .msg-text").all_inner_texts()

    def log_text(self) -> str:
        return self.page.locator("#log").inner_text()

    # --- actions
    def send(self, text: str) -> None:
        self.input.click()
        self.input.fill(text)
        self.input.press("Enter")

    def wait_bot_count(self, n: int, timeout: float = 15000) -> None:
        expect(self.bot_rows).to_have_count(n, timeout=timeout)

    def wait_bot_text(self, text: str, timeout: float = 15000) -> None:
        expect(self.page.locator("#log .bot-bubble .msg-text", has_text=text).last).to_be_visible(timeout=timeout)

    def settle(self, quiet_s: float = 1.5, timeout_s: float = 60) -> int:
        """Wait until the bot has stopped sending messages; returns the bot row count."""
        deadline = time.time() + timeout_s
        last, since = -1, time.time()
        while time.time() < deadline:
            n = self.bot_rows.count()
            busy = self.page.locator("#typing").is_visible()
            if n != last or busy:
                last, since = n, time.time()
            elif time.time() - since >= quiet_s:
                return n
            time.sleep(0.2)
        return last

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path
