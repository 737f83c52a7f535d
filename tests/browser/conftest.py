"""Fixtures for the browser tests of the 小安 web chat page (web/).

Run:  pytest -m browser tests/browser
Needs: `pip install playwright` (its driver only — no browser download) and Debian's
chromium at /usr/bin/chromium (override with XIAOAN_CHROMIUM). Without them the tests
are skipped, unless XIAOAN_REQUIRE_BROWSER=1, which turns the skip into a failure.
The page is built (npm ci / npm run build in web/) when web/dist is missing or stale.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also works with --import-mode=importlib

from xiaoan_servers import DIST, RESULTS, WEB, FakeRasa, free_port, served  # noqa: E402

SCREENSHOTS = RESULTS / "screenshots"
CHROMIUM = os.environ.get("XIAOAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOBILE = {"width": 390, "height": 844}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the web chat page in headless Chromium (slow)")


def _skip_or_fail(reason: str):
    if os.environ.get("XIAOAN_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


# ---------------------------------------------------------------- the built page
def _stale() -> bool:
    index = DIST / "index.html"
    if not index.is_file():
        return True
    built = index.stat().st_mtime
    sources = [WEB / "build.mjs", WEB / "csp.mjs", WEB / "package-lock.json", *(WEB / "src").rglob("*")]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


@pytest.fixture(scope="session")
def web_dist() -> Path:
    if _stale():
        npm = shutil.which("npm")
        if not npm:
            _skip_or_fail("npm not found: cannot build web/dist")
        env = {k: v for k, v in os.environ.items() if not k.startswith("XIAOAN_")}
        if not (WEB / "node_modules" / "socket.io-client").is_dir():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, env=env, check=True)
        subprocess.run([npm, "run", "build"], cwd=WEB, env=env, check=True)
    return DIST


# ---------------------------------------------------------------- fake Rasa
@pytest.fixture(scope="session")
def fake_rasa():
    server = FakeRasa(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def rasa(fake_rasa: FakeRasa) -> FakeRasa:
    if fake_rasa.proc is None:  # a test stopped it and failed before restarting
        fake_rasa.start()
    fake_rasa.reset()
    return fake_rasa


# ---------------------------------------------------------------- static page server
@pytest.fixture(scope="session")
def page_url(web_dist: Path, fake_rasa: FakeRasa):
    with served(web_dist, server_url=fake_rasa.url) as url:
        yield url


# ---------------------------------------------------------------- browser
@pytest.fixture(scope="module")
def browser():
    """One Chromium a test module. Playwright's sync API keeps an event loop running while
    it is open, so it must be closed before another module's asyncio tests run on the
    same test worker."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        _skip_or_fail(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as p:
        # Playwright gives every launch a fresh, empty temporary --user-data-dir itself.
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageWatch:
    def __init__(self, page):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

        def on_dialog(d):
            self.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", on_dialog)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=MOBILE, device_scale_factor=1, locale="zh-CN", has_touch=True)
    ctx.set_default_timeout(15000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    p = context.new_page()
    p.watch = PageWatch(p)
    yield p
    assert p.watch.page_errors == [], p.watch.page_errors
    assert p.watch.dialogs == [], p.watch.dialogs


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
