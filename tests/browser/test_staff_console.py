"""The staff console (/staff/ on the page's server) against the REAL assistant: login
required; a live takeover where the staff member's message reaches the patient's page
as from 工作人员, a red flag is still answered by 小安 and highlighted to staff, and
the hand-back returns the patient to 小安; the analytics page shows the figures of a
scripted set of conversations; the doctor's pre-consultation view.
Screenshots: results/screenshots/staff_*.png"""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytest.importorskip("playwright.sync_api", reason="pip install playwright")
from playwright.sync_api import expect  # noqa: E402

from tests.staff_script import scripted, seed_mix, store  # noqa: E402
from xiaoan_page import ChatPage  # noqa: E402

pytestmark = [pytest.mark.browser]

BOT_WAIT_MS = 30000
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def staff_context(browser):
    contexts = []

    def new():
        ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        return ctx

    yield new
    for ctx in contexts:
        ctx.close()


def staff_url(assistant, path=""):
    return f"{assistant.web_url}staff/{path}"


def log_in(page, assistant, name="王护士", password=None):
    page.goto(staff_url(assistant))
    expect(page).to_have_url(staff_url(assistant, "login"))
    page.fill("#name", name)
    page.fill("#password", password or assistant.staff_password)
    page.click("button[type=submit]")
    if password is None:
        expect(page.locator("#me")).to_have_text(name)


def test_nothing_without_logging_in(staff_context, assistant, screenshot_dir):
    page = staff_context().new_page()
    for path in ("", "analytics", "summaries"):
        page.goto(staff_url(assistant, path))
        expect(page).to_have_url(staff_url(assistant, "login"))
    for api in ("queue", "analytics", "summaries", "me"):
        assert page.request.get(staff_url(assistant, f"api/{api}")).status == 401
    log_in(page, assistant, password="wrong")
    expect(page.locator("#login-error")).to_have_text("姓名或密码不对。")
    page.screenshot(path=str(screenshot_dir / "staff_01_login_refused.png"))
    page.fill("#password", assistant.staff_password)
    page.click("button[type=submit]")
    expect(page.locator("#me")).to_have_text("王护士")
    expect(page).to_have_url(staff_url(assistant))


def test_live_takeover_and_hand_back(page, staff_context, assistant, screenshot_dir):
    patient = ChatPage(page, assistant.web_url).open()
    patient.settle()
    patient.send("转人工")
    patient.wait_bot_text("工单号", timeout=BOT_WAIT_MS)
    ticket = re.search(r"工单号 (\d+)", patient.log_text()).group(1)
    patient.settle()
    with_staff = page.locator("#with-staff")
    expect(with_staff).to_be_visible()

    nurse = staff_context().new_page()
    log_in(nurse, assistant, "王护士")
    card = nurse.locator(f'#queue li[data-ticket="{ticket}"]')
    expect(card).to_be_visible()
    expect(card.locator(".reason")).to_have_text("患者要求人工服务")
    expect(card.locator(".preview")).to_contain_text("转人工")
    nurse.screenshot(path=str(screenshot_dir / "staff_02_queue.png"))
    card.locator("button.take").click()
    expect(nurse.locator("#chat")).to_be_visible()
    expect(nurse.locator("#transcript")).to_contain_text("转人工")

    # A second staff member cannot take it.
    doctor = staff_context().new_page()
    log_in(doctor, assistant, "李医生")
    other = doctor.locator(f'#queue li[data-ticket="{ticket}"] button.take')
    expect(other).to_be_disabled()
    expect(other).to_have_text("他人处理中")
    refused = doctor.request.post(
        staff_url(assistant, f"api/tickets/{ticket}/take"), data={}, headers={"Content-Type": "application/json"}
    )
    assert refused.status == 409

    # The staff member's message reaches the patient's page, marked as staff.
    nurse.fill("#reply", "您好，我是王护士，请问有什么可以帮您？")
    nurse.click("#send")
    staff_row = page.locator("#log .msg-row.staff").last
    expect(staff_row).to_contain_text("您好，我是王护士，请问有什么可以帮您？", timeout=10000)
    expect(staff_row.locator(".avatar")).to_have_text("工作人员")
    expect(nurse.locator("#transcript .line.staff").last).to_contain_text("您好，我是王护士")
    page.reload()  # the page keeps the conversation, staff mark included
    patient.wait_ready()
    expect(page.locator("#log .msg-row.staff .avatar").last).to_have_text("工作人员")
    expect(with_staff).to_be_visible()
    patient.settle()
    rows = patient.bot_rows.count()
    patient.send("我想问一下我妈妈住院的情况")
    # A person answers at a person's pace: the note, not 小安's typing indicator.
    expect(page.locator("#typing")).to_be_hidden()
    expect(with_staff).to_be_visible()
    expect(nurse.locator("#transcript .line.patient").last).to_contain_text("我妈妈住院", timeout=10000)
    # The transcript is read from the saved conversation: the turn is over, and a reply
    # of 小安's would already be on its way to the page.
    patient.settle()
    assert patient.bot_rows.count() == rows, "小安 stays silent during the takeover"
    patient.screenshot("staff_03_patient_sees_staff")

    # A red flag during the takeover: 小安's safety reply at once, highlighted to staff.
    patient.send("我突然胸口剧痛，喘不上气")
    expect(page.locator(".emergency-banner").last).to_be_visible(timeout=BOT_WAIT_MS)
    expect(nurse.locator("#chat-alert")).to_be_visible(timeout=10000)
    expect(nurse.locator("#transcript .line.emergency").last).to_contain_text("胸口剧痛")
    nurse.screenshot(path=str(screenshot_dir / "staff_04_takeover_emergency.png"))
    patient.settle()

    # Hand back: the patient is with 小安 again.
    nurse.click("#hand-back")
    expect(nurse.locator("#chat")).to_be_hidden()
    expect(nurse.locator(f'#queue li[data-ticket="{ticket}"]')).to_have_count(0)
    expect(page.locator("#log .msg-row.staff").last).to_contain_text("小安继续为您服务", timeout=10000)
    expect(with_staff).to_be_hidden()
    patient.settle()
    bots = patient.bot_rows.count()
    patient.send("医院地址在哪里")
    expect(patient.bot_rows.nth(bots)).to_be_visible(timeout=BOT_WAIT_MS)
    patient.settle()
    assert not patient.bot_rows.nth(bots).evaluate("r => r.classList.contains('staff')")
    expect(patient.bot_rows.nth(bots).locator(".avatar")).to_have_text("小安")
    patient.screenshot("staff_05_back_with_xiaoan")


def test_analytics_page_shows_the_scripted_figures(staff_context, assistant, screenshot_dir):
    day1 = dt.date.today() - dt.timedelta(days=10)  # days no other test talks on
    store(assistant.tracker_db_url, scripted(day1))
    page = staff_context().new_page()
    log_in(page, assistant)
    start, end = day1.isoformat(), (day1 + dt.timedelta(days=1)).isoformat()
    page.goto(staff_url(assistant, f"analytics?start={start}&end={end}"))
    expect(page.locator("body")).to_have_attribute("data-loaded", f"{start}..{end}")
    figure = lambda key: page.locator(f'[data-figure="{key}"] .figure-value')  # noqa: E731
    expect(figure("conversations")).to_have_text("5")
    expect(figure("messages")).to_have_text("9")
    expect(figure("not_understood_share")).to_have_text("11.1%")
    expect(page.locator('[data-figure="not_understood_share"] .figure-label')).to_have_text("没听懂 · 1 条")
    expect(figure("handoff_rate")).to_have_text("20.0%")
    expect(figure("wait")).to_have_text("1 分钟")
    expect(figure("emergencies")).to_have_text("1")
    expect(page.locator('#chart-capabilities [data-key="faq"] .bar-value')).to_have_text("3 · 33%")
    expect(page.locator('#chart-faq [data-key="registration"] .bar-value')).to_have_text("2 · 67%")
    expect(page.locator('#chart-departments [data-key="神经内科"] .bar-value')).to_have_text("1 · 100%")
    expect(page.locator(f'#chart-days g[data-day="{start}"][data-series="messages"] text')).to_have_text("4")
    expect(page.locator("#not-understood li")).to_have_text(["啊啊啊***********"])
    body = page.locator("main").inner_text()
    assert "13912345678" not in body and "1000001" not in body
    page.screenshot(path=str(screenshot_dir / "staff_06_analytics.png"), full_page=True)
    csv = page.request.get(assistant.web_url.rstrip("/") + page.locator("#csv").get_attribute("href"))
    assert csv.status == 200 and "totals,conversations,5," in csv.text()

    # A day of hospital questions in the hospital's own proportions, chosen with the form.
    mix_day = (day1 - dt.timedelta(days=3)).isoformat()
    store(assistant.tracker_db_url, seed_mix(day1 - dt.timedelta(days=3)))
    page.fill("#start", mix_day)
    page.fill("#end", mix_day)
    page.click("#period button")
    expect(page.locator("body")).to_have_attribute("data-loaded", f"{mix_day}..{mix_day}")
    expect(figure("conversations")).to_have_text("50")
    for key, shown in {
        "registration": "25 · 25%",
        "pharmacy": "14 · 14%",
        "exams": "12 · 12%",
        "online": "11 · 11%",
    }.items():
        expect(page.locator(f'#chart-faq [data-key="{key}"] .bar-value')).to_have_text(shown)
    page.screenshot(path=str(screenshot_dir / "staff_07_analytics_question_mix.png"), full_page=True)


def test_pre_consultation_summaries(staff_context, assistant, screenshot_dir):
    page = staff_context().new_page()
    log_in(page, assistant)
    days = [(dt.date.today() + dt.timedelta(days=i)).isoformat() for i in range(1, 8)]
    day = next(
        d
        for d in days
        if any(
            a["precheck"]
            for a in page.request.get(staff_url(assistant, f"api/summaries?day={d}")).json()["appointments"]
        )
    )
    page.goto(staff_url(assistant, "summaries"))
    page.fill("#day", day)
    page.click("#day-form button")
    expect(page.locator("body")).to_have_attribute("data-loaded", day)
    item = page.locator(".appointment.has-precheck").first
    expect(item.locator(".precheck")).to_contain_text("主诉")
    expect(item.locator(".who")).to_contain_text("**")
    page.screenshot(path=str(screenshot_dir / "staff_08_summaries.png"), full_page=True)
