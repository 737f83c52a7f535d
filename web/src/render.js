// DOM rendering. Every string from the user or the bot goes into the page through
// document.createTextNode / textContent only — never innerHTML.
import { parseEmphasis } from "./normalize.js";

export const URGENCY_LABELS = {
  emergency: "紧急 · 请立即就医",
  today: "建议今日就诊",
  routine: "普通门诊",
  self_care: "居家观察",
  unknown: "请咨询医生",
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null && text !== "") node.textContent = text;
  return node;
}

/** Text with line breaks (kept by CSS white-space: pre-wrap) and **simple emphasis**. */
export function richText(text, className = "msg-text") {
  const p = el("div", className);
  for (const part of parseEmphasis(text)) {
    if (part.strong) p.appendChild(el("strong", "", part.text));
    else p.appendChild(document.createTextNode(part.text));
  }
  return p;
}

function button(label, className, onClick) {
  const b = el("button", className, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function renderButtons(item, actions) {
  const group = el("div", "choices");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "可选回复");
  const markUsed = () => {
    group.querySelectorAll("button").forEach((btn, i) => {
      btn.disabled = true;
      if (item.chosen === i) {
        btn.classList.add("chosen");
        btn.setAttribute("aria-pressed", "true");
      }
    });
  };
  item.buttons.forEach((b, i) => {
    group.appendChild(
      button(b.title, "choice", () => {
        if (item.chosen !== undefined) return;
        actions.choose(item, i);
        markUsed();
      }),
    );
  });
  if (item.chosen !== undefined) markUsed();
  return group;
}

function renderMenu(menu, actions) {
  const card = el("section", "card menu-card");
  card.setAttribute("aria-label", "导航菜单");
  if (menu.title) card.appendChild(el("h2", "card-title", menu.title));
  for (const cat of menu.categories) {
    const block = el("div", "menu-category");
    if (cat.title) block.appendChild(el("h3", "menu-category-title", cat.title));
    const list = el("div", "menu-questions");
    for (const q of cat.questions) {
      list.appendChild(button(q.title, "menu-question", () => actions.send(q.payload, q.title)));
    }
    block.appendChild(list);
    card.appendChild(block);
  }
  return card;
}

function renderTriage(t, actions) {
  const card = el("section", "card triage-card");
  card.dataset.urgency = t.urgency;
  card.setAttribute("aria-label", "导诊建议");
  card.appendChild(el("h2", "card-title", "导诊建议"));
  const row = el("div", "triage-row");
  row.appendChild(el("span", "triage-label", "建议科室"));
  row.appendChild(el("span", "triage-department", t.department));
  card.appendChild(row);
  const urg = el("div", "triage-row");
  urg.appendChild(el("span", "triage-label", "紧急程度"));
  const badge = el("span", `urgency urgency-${t.urgency}`, URGENCY_LABELS[t.urgency]);
  badge.dataset.urgency = t.urgency;
  urg.appendChild(badge);
  card.appendChild(urg);
  if (t.reason) {
    const reason = el("div", "triage-reason");
    reason.appendChild(el("span", "triage-label", "原因"));
    reason.appendChild(richText(t.reason, "triage-reason-text"));
    card.appendChild(reason);
  }
  const label = `预约${t.department}`;
  const book = button("预约该科室", "primary book-button", () => actions.send(t.book_payload || label, label));
  book.setAttribute("aria-label", `预约该科室：${t.department}`);
  card.appendChild(book);
  return card;
}

function renderLab(r) {
  const card = el("section", "card lab-card");
  card.setAttribute("aria-label", "检验报告");
  card.appendChild(el("h2", "card-title", r.title));
  const meta = el("div", "lab-meta");
  if (r.status) meta.appendChild(el("span", "lab-status", r.status));
  if (r.reported_at) meta.appendChild(el("span", "lab-time", `报告时间：${r.reported_at}`));
  if (meta.childNodes.length) card.appendChild(meta);
  const wrap = el("div", "table-wrap");
  const table = el("table", "lab-table");
  const thead = el("thead");
  const hr = el("tr");
  for (const h of ["项目", "结果", "参考范围"]) {
    const th = el("th", "", h);
    th.scope = "col";
    hr.appendChild(th);
  }
  thead.appendChild(hr);
  table.appendChild(thead);
  const tbody = el("tbody");
  for (const row of r.results) {
    const tr = el("tr", "lab-row");
    const abnormal = Boolean(row.flag) || row.critical;
    if (abnormal) tr.classList.add("abnormal");
    if (row.critical) tr.classList.add("critical");
    const name = el("th", "lab-name", row.name);
    name.scope = "row";
    tr.appendChild(name);
    const val = el("td", "lab-value");
    val.appendChild(el("span", "lab-number", row.value));
    if (row.unit) val.appendChild(el("span", "lab-unit", ` ${row.unit}`));
    if (row.flag) {
      const f = el("span", "lab-flag", ` ${row.flag}`);
      f.setAttribute("aria-label", row.flag === "↑" ? "偏高" : "偏低");
      val.appendChild(f);
    }
    if (row.critical) val.appendChild(el("span", "critical-tag", "危急值"));
    tr.appendChild(val);
    const range = el("td", "lab-range");
    // allow a line break after "-" in "3.5-5.3" on narrow screens / large text
    row.range.split("-").forEach((part, i) => {
      if (i > 0) {
        range.appendChild(document.createTextNode("-"));
        range.appendChild(document.createElement("wbr"));
      }
      range.appendChild(document.createTextNode(part));
    });
    tr.appendChild(range);
    tbody.appendChild(tr);
    if (row.note) {
      const noteTr = el("tr", "lab-note-row");
      if (abnormal) noteTr.classList.add("abnormal");
      if (row.critical) noteTr.classList.add("critical");
      const td = el("td", "lab-note", row.note);
      td.colSpan = 3;
      noteTr.appendChild(td);
      tbody.appendChild(noteTr);
    }
  }
  table.appendChild(tbody);
  wrap.appendChild(table);
  card.appendChild(wrap);
  const legend = el("p", "lab-legend", "↑ 偏高　↓ 偏低　标红加粗为危急值。结果请以医生解读为准。");
  card.appendChild(legend);
  return card;
}

function renderEmergency(e) {
  const banner = el("section", "emergency-banner");
  banner.setAttribute("role", "alert");
  banner.appendChild(el("h2", "emergency-title", `⚠ ${e.title}`));
  if (e.message) banner.appendChild(richText(e.message, "emergency-message"));
  if (e.first_aid.length) {
    const box = el("div", "first-aid");
    box.appendChild(el("h3", "first-aid-title", "等待急救时您可以："));
    const ul = el("ul", "first-aid-list");
    for (const step of e.first_aid) ul.appendChild(el("li", "", step));
    box.appendChild(ul);
    banner.appendChild(box);
  }
  const call = el("a", "call-button", `立即拨打 ${e.phone}`);
  call.href = `tel:${e.phone}`;
  banner.appendChild(call);
  return banner;
}

/** One conversation item -> one DOM node for the message log. */
export function renderItem(item, actions) {
  if (item.role === "user") {
    const row = el("div", "msg-row user");
    const bubble = el("div", "bubble user-bubble");
    bubble.appendChild(el("div", "msg-text", item.text));
    row.appendChild(el("span", "sr-only", "我说："));
    row.appendChild(bubble);
    return row;
  }
  const row = el("div", "msg-row bot");
  if (item.emergency || item.lab_report) row.classList.add("wide");
  if (item.staff) {
    row.classList.add("staff");
    row.appendChild(el("span", "avatar staff-avatar", "工作人员"));
  } else {
    row.appendChild(el("span", "avatar", "小安"));
  }
  const body = el("div", "bot-body");
  if (item.staff) body.appendChild(el("div", "staff-label", "人工客服 · 工作人员回复"));
  if (item.emergency) body.appendChild(renderEmergency(item.emergency));
  if (item.text || item.image) {
    const bubble = el("div", "bubble bot-bubble");
    if (item.text) bubble.appendChild(richText(item.text));
    if (item.image) {
      const img = el("img", "msg-image");
      img.alt = "小安发送的图片";
      img.src = item.image;
      bubble.appendChild(img);
    }
    body.appendChild(bubble);
  }
  if (item.buttons) body.appendChild(renderButtons(item, actions));
  if (item.menu) body.appendChild(renderMenu(item.menu, actions));
  if (item.triage) body.appendChild(renderTriage(item.triage, actions));
  if (item.lab_report) body.appendChild(renderLab(item.lab_report));
  row.appendChild(body);
  return row;
}
