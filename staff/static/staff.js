import { bars, columns, el } from "./charts.js";

const page = document.body.dataset.page;

async function api(path, { method = "GET", body } = {}) {
  const response = await fetch(`/staff/api/${path}`, {
    method,
    headers: body !== undefined ? { "Content-Type": "application/json" } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (response.status === 401) {
    location.href = "/staff/login";
    throw new Error("login required");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.error || `HTTP ${response.status}`), { status: response.status });
  return data;
}

function header() {
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (a.dataset.nav === page) a.setAttribute("aria-current", "page");
  }
  api("me").then((me) => (document.getElementById("me").textContent = me.name));
  document.getElementById("logout").addEventListener("click", async () => {
    await api("logout", { method: "POST", body: {} });
    location.href = "/staff/login";
  });
}

const minutes = (s) => (s < 60 ? `${s} 秒` : `${Math.floor(s / 60)} 分钟`);
const time = (ts) => new Date(ts * 1000).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
const ROLES = { patient: "患者", bot: "小安", staff: "工作人员" };

function triageList(dl, summary) {
  dl.replaceChildren();
  const rows = [
    ["主诉", summary.chief_complaint],
    ["持续时间", summary.duration],
    ["症状", (summary.symptoms_present || []).join("、")],
    ["没有", (summary.symptoms_absent || []).join("、")],
    ["危险信号", (summary.red_flags || []).join("、")],
    ["建议", summary.recommendation ? `${summary.recommendation.department || ""} ${summary.recommendation.urgency || ""}` : ""],
  ];
  for (const [k, v] of rows) {
    if (!v) continue;
    dl.appendChild(el("dt", "", k));
    dl.appendChild(el("dd", "", v));
  }
}

// ------------------------------------------------------------------ takeover
function takeover() {
  let me = null;
  let active = null;
  api("me").then((m) => (me = m.name));
  const queue = document.getElementById("queue");
  const chat = document.getElementById("chat");
  const transcript = document.getElementById("transcript");
  const error = document.getElementById("chat-error");

  function showError(e) {
    error.textContent = e.message;
    error.hidden = false;
  }

  function renderQueue(tickets) {
    document.getElementById("queue-count").textContent = tickets.length;
    document.getElementById("queue-empty").hidden = tickets.length > 0;
    queue.replaceChildren();
    for (const t of tickets) {
      const li = el("li", "ticket");
      li.dataset.ticket = t.id;
      if (t.emergency) li.classList.add("emergency");
      if (t.id === active) li.classList.add("active");
      const head = el("div", "ticket-head");
      head.appendChild(el("strong", "", `工单 ${t.id}`));
      head.appendChild(el("span", "reason", t.reason));
      head.appendChild(el("span", "wait", t.taken_by ? `${t.taken_by} 已接手` : `已等 ${minutes(t.waiting_seconds)}`));
      li.appendChild(head);
      if (t.emergency) li.appendChild(el("p", "alert small", "危急症状"));
      li.appendChild(el("p", "summary", t.summary));
      if (t.triage_summary && t.triage_summary.chief_complaint) {
        li.appendChild(el("p", "triage", `导诊：${t.triage_summary.chief_complaint}`));
      }
      const recent = el("ol", "preview");
      for (const m of t.messages.slice(-6)) recent.appendChild(el("li", `line ${m.role}`, `${ROLES[m.role]}：${m.text}`));
      li.appendChild(recent);
      const mine = t.taken_by && t.taken_by === me;
      const button = el("button", "take", mine ? "继续对话" : t.taken_by ? "他人处理中" : "接手");
      button.type = "button";
      button.disabled = Boolean(t.taken_by && !mine);
      button.addEventListener("click", () => (mine ? open(t.id) : take(t.id)));
      li.appendChild(button);
      queue.appendChild(li);
    }
  }

  async function refreshQueue() {
    try {
      renderQueue((await api("queue")).tickets);
    } catch (e) {
      /* shown again on the next poll */
    }
  }

  async function take(id) {
    try {
      await api(`tickets/${id}/take`, { method: "POST", body: {} });
      open(id);
    } catch (e) {
      alertQueue(e.message);
      refreshQueue();
    }
  }

  function alertQueue(message) {
    const p = el("p", "error", message);
    p.setAttribute("role", "alert");
    queue.before(p);
    setTimeout(() => p.remove(), 5000);
  }

  function renderChat(view) {
    document.getElementById("chat-title").textContent = `工单 ${view.id} · ${view.reason}`;
    document.getElementById("chat-alert").hidden = !view.emergency;
    const triage = document.getElementById("chat-triage");
    triage.hidden = !view.triage_summary;
    if (view.triage_summary) triageList(document.getElementById("chat-triage-list"), view.triage_summary);
    const atBottom = transcript.scrollTop + transcript.clientHeight >= transcript.scrollHeight - 20;
    transcript.replaceChildren();
    for (const m of view.messages) {
      const li = el("li", `line ${m.role}`);
      if (m.emergency) li.classList.add("emergency");
      li.appendChild(el("span", "who", `${ROLES[m.role]} ${time(m.at)}`));
      li.appendChild(el("span", "text", m.text));
      transcript.appendChild(li);
    }
    if (atBottom) transcript.scrollTop = transcript.scrollHeight;
  }

  async function refreshChat() {
    if (active === null) return;
    try {
      renderChat(await api(`tickets/${active}/view`));
    } catch (e) {
      if (e.status === 409 || e.status === 404) close();
    }
  }

  function open(id) {
    active = id;
    chat.hidden = false;
    error.hidden = true;
    refreshChat();
    refreshQueue();
  }

  function close() {
    active = null;
    chat.hidden = true;
    refreshQueue();
  }

  document.getElementById("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = document.getElementById("reply");
    const text = box.value.trim();
    if (!text || active === null) return;
    error.hidden = true;
    try {
      await api(`tickets/${active}/reply`, { method: "POST", body: { text } });
      box.value = "";
      refreshChat();
    } catch (e) {
      showError(e);
    }
  });
  document.getElementById("hand-back").addEventListener("click", async () => {
    if (active === null) return;
    try {
      await api(`tickets/${active}/hand-back`, { method: "POST", body: {} });
      close();
    } catch (e) {
      showError(e);
    }
  });
  refreshQueue();
  setInterval(refreshQueue, 3000);
  setInterval(refreshChat, 1500);
}

// ------------------------------------------------------------------ analytics
const FIGURES = [
  ["conversations", "对话", (t) => t.conversations],
  ["messages", "患者消息", (t) => t.messages],
  ["not_understood_share", "没听懂", (t) => [`${(t.not_understood_share * 100).toFixed(1)}%`, `${t.not_understood} 条`]],
  ["handoff_rate", "转人工", (t) => [`${(t.handoff_rate * 100).toFixed(1)}%`, `${t.handoffs} 次`]],
  ["wait", "人工等待（中位）", (t) => (t.wait_median_seconds === null ? "—" : minutes(Math.round(t.wait_median_seconds)))],
  ["waiting", "仍在等待", (t) => t.handoffs_waiting],
  ["emergencies", "紧急情况", (t) => t.emergencies],
  ["bookings", "小安预约成功", (t) => t.bookings],
];

function isoDay(d) {
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function analytics() {
  const start = document.getElementById("start");
  const end = document.getElementById("end");
  const params = new URLSearchParams(location.search);
  const today = new Date();
  end.value = params.get("end") || isoDay(today);
  start.value = params.get("start") || isoDay(new Date(today.getTime() - 6 * 86400000));

  async function load() {
    const query = `start=${start.value}&end=${end.value}`;
    document.getElementById("csv").href = `/staff/api/analytics.csv?${query}`;
    const r = await api(`analytics?${query}`);
    const figures = document.getElementById("figures");
    figures.replaceChildren();
    for (const [key, label, value] of FIGURES) {
      const card = el("div", "figure");
      card.dataset.figure = key;
      const [main, detail] = [].concat(value(r.totals));
      card.appendChild(el("span", "figure-value", main));
      card.appendChild(el("span", "figure-label", detail ? `${label} · ${detail}` : label));
      figures.appendChild(card);
    }
    columns(document.getElementById("chart-days"), r.per_day, [
      { key: "conversations", label: "对话" },
      { key: "messages", label: "患者消息" },
      { key: "bookings", label: "预约成功" },
    ]);
    bars(document.getElementById("chart-capabilities"), r.capabilities);
    bars(document.getElementById("chart-faq"), r.faq_categories);
    bars(document.getElementById("chart-questions"), r.top_questions.map((q) => ({ label: q.question, count: q.count })), { showShare: false });
    bars(document.getElementById("chart-departments"), r.triage_departments);
    bars(document.getElementById("chart-urgencies"), r.triage_urgencies);
    const quotes = document.getElementById("not-understood");
    quotes.replaceChildren();
    for (const text of r.not_understood_messages) quotes.appendChild(el("li", "", text));
    if (!r.not_understood_messages.length) quotes.appendChild(el("li", "muted", "没有。"));
    document.body.dataset.loaded = `${r.period.start}..${r.period.end}`;
  }

  document.getElementById("period").addEventListener("submit", (event) => {
    event.preventDefault();
    history.replaceState(null, "", `?start=${start.value}&end=${end.value}`);
    load();
  });
  load();
}

// ------------------------------------------------------------------ summaries
function summaries() {
  const day = document.getElementById("day");
  day.value = isoDay(new Date(Date.now() + 86400000));

  async function load() {
    const r = await api(`summaries?day=${day.value}`);
    const box = document.getElementById("summaries");
    box.replaceChildren();
    document.getElementById("summaries-empty").hidden = r.appointments.length > 0;
    let department = null;
    let list = null;
    for (const a of r.appointments) {
      if (a.department !== department) {
        department = a.department;
        box.appendChild(el("h2", "", department));
        list = el("ol", "appointments");
        box.appendChild(list);
      }
      const li = el("li", a.precheck ? "appointment has-precheck" : "appointment");
      li.appendChild(el("div", "who", `${a.period} ${a.doctor} · ${a.queue_no} 号 · ${a.patient}（${a.sex}，${a.age} 岁）`));
      if (a.precheck) {
        const dl = el("dl", "precheck");
        triageList(dl, a.precheck);
        li.appendChild(dl);
      } else {
        li.appendChild(el("p", "muted", "没有经过小安导诊。"));
      }
      list.appendChild(li);
    }
    document.body.dataset.loaded = r.day;
  }

  document.getElementById("day-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
}

header();
({ takeover, analytics, summaries })[page]();
