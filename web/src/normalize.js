// Turns whatever arrives on the bot_uttered event into a small, plain
// "message item" that only holds the fields the page knows how to show.
// Anything unknown is dropped here, so it can never reach the screen as raw JSON.

const URGENCIES = ["emergency", "today", "routine", "self_care"];

function str(v, max = 4000) {
  if (typeof v === "string") return v.slice(0, max);
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return "";
}

function isObj(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function arr(v, max = 100) {
  return Array.isArray(v) ? v.slice(0, max) : [];
}

export function normalizeButtons(list) {
  const out = [];
  for (const b of arr(list, 30)) {
    if (!isObj(b)) continue;
    const title = str(b.title, 200).trim();
    const payload = str(b.payload, 2000) || title;
    if (title && payload) out.push({ title, payload });
  }
  return out;
}

function normalizeMenu(m) {
  if (!isObj(m)) return null;
  const categories = [];
  for (const c of arr(m.categories, 30)) {
    if (!isObj(c)) continue;
    const questions = normalizeButtons(c.questions);
    const title = str(c.title, 200).trim();
    if (title || questions.length) categories.push({ title, questions });
  }
  if (!categories.length) return null;
  return { title: str(m.title, 200).trim(), categories };
}

function normalizeTriage(t) {
  if (!isObj(t)) return null;
  const department = str(t.department, 100).trim();
  if (!department) return null;
  const urgency = URGENCIES.includes(t.urgency) ? t.urgency : "unknown";
  const out = { department, urgency, reason: str(t.reason, 2000).trim() };
  const book = str(t.book_payload, 2000).trim();
  if (book) out.book_payload = book;
  return out;
}

function normalizeLab(r) {
  if (!isObj(r)) return null;
  const results = [];
  for (const row of arr(r.results, 200)) {
    if (!isObj(row)) continue;
    const name = str(row.name, 200).trim();
    if (!name) continue;
    const flag = row.flag === "↑" || row.flag === "↓" ? row.flag : "";
    const item = {
      name,
      value: str(row.value, 100),
      unit: str(row.unit, 50),
      range: str(row.range, 100),
      flag,
      critical: row.critical === true,
    };
    const note = str(row.note, 1000).trim();
    if (note) item.note = note;
    results.push(item);
  }
  const title = str(r.title, 200).trim();
  if (!title && !results.length) return null;
  return {
    title: title || "检验报告",
    status: str(r.status, 100).trim(),
    reported_at: str(r.reported_at, 100).trim(),
    results,
  };
}

function normalizeEmergency(e) {
  if (!isObj(e)) return null;
  let firstAid = [];
  if (Array.isArray(e.first_aid)) firstAid = e.first_aid.map((s) => str(s, 1000).trim()).filter(Boolean);
  else if (str(e.first_aid).trim()) firstAid = [str(e.first_aid, 4000).trim()];
  // Only digits, '+', '-' may reach a tel: link; anything else falls back to 120.
  const phone = /^[0-9+\-]{2,20}$/.test(str(e.phone)) ? str(e.phone) : "120";
  return {
    title: str(e.title, 200).trim() || "紧急情况",
    message: str(e.message, 4000).trim(),
    first_aid: firstAid,
    phone,
  };
}

function normalizeImage(att) {
  if (!isObj(att) || att.type !== "image" || !isObj(att.payload)) return "";
  const src = str(att.payload.src, 2000);
  return /^https?:\/\//i.test(src) ? src : "";
}

const CUSTOM_KEYS = ["menu", "triage", "lab_report", "emergency"];

/**
 * @param {unknown} raw  payload of one bot_uttered event
 * @returns {object|null} a bot message item, or null when nothing is showable
 */
export function normalizeBotMessage(raw) {
  if (!isObj(raw)) {
    if (typeof raw === "string" && raw.trim()) return { role: "bot", text: raw.slice(0, 4000) };
    return null;
  }
  // Rasa 3.6 emits a custom payload {"data": {...}} as the inner object, but accept
  // the still-wrapped form too.
  let msg = raw;
  if (isObj(raw.data) && !CUSTOM_KEYS.some((k) => k in raw) && !("text" in raw)) {
    msg = { ...raw.data };
  }
  const item = { role: "bot" };
  const text = str(msg.text);
  if (text.trim()) item.text = text;
  const buttons = normalizeButtons(msg.quick_replies).concat(normalizeButtons(msg.buttons));
  if (buttons.length) item.buttons = buttons;
  const image = normalizeImage(msg.attachment);
  if (image) item.image = image;
  const menu = normalizeMenu(msg.menu);
  if (menu) item.menu = menu;
  const triage = normalizeTriage(msg.triage);
  if (triage) item.triage = triage;
  const lab = normalizeLab(msg.lab_report);
  if (lab) item.lab_report = lab;
  const emergency = normalizeEmergency(msg.emergency);
  if (emergency) item.emergency = emergency;
  if (Object.keys(item).length === 1) return null;
  // A hospital staff member writing during a takeover (channels/staff_relay.py).
  if (raw.staff === true || msg.staff === true) item.staff = true;
  return item;
}

/**
 * A takeover's start or end: "open" (action_handoff: staff will answer here), "closed"
 * (channels/staff_relay.py: handed back to 小安), or null for any other message.
 * @param {unknown} raw  payload of one bot_uttered event
 */
export function handoffSignal(raw) {
  if (!isObj(raw)) return null;
  const value = isObj(raw.data) && "handoff" in raw.data ? raw.data.handoff : raw.handoff;
  return value === "open" || value === "closed" ? value : null;
}

/** "**a**b" -> [{text:"a", strong:true}, {text:"b", strong:false}] ; unmatched ** stays literal. */
export function parseEmphasis(text) {
  const parts = [];
  const re = /\*\*([\s\S]+?)\*\*/g;
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index), strong: false });
    parts.push({ text: m[1], strong: true });
    last = re.lastIndex;
  }
  if (last < text.length) parts.push({ text: text.slice(last), strong: false });
  return parts;
}
