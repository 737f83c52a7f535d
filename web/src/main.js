// 小安 web chat — talks to Rasa 3.6's socketio channel with socket.io-client 4.
import { io } from "socket.io-client";
import { handoffSignal, normalizeBotMessage } from "./normalize.js";
import { renderItem } from "./render.js";
import * as storage from "./storage.js";

const STATUS_TEXT = {
  connecting: "正在连接小安…",
  online: "",
  disconnected: "连接已断开，正在重新连接…",
  unreachable: "暂时无法连接小安，正在重试…（急危重症请立即拨打120）",
};
const TYPING_TIMEOUT_MS = 20000;

function readConfig() {
  const cfg = Object.assign({}, window.XIAOAN_CONFIG || {});
  let serverUrl = typeof cfg.serverUrl === "string" ? cfg.serverUrl.trim() : "";
  if (serverUrl === "self") serverUrl = window.location.origin;
  if (!serverUrl) serverUrl = `${window.location.protocol}//${window.location.hostname}:5005`;
  return {
    serverUrl,
    socketPath: cfg.socketPath || "/socket.io",
    userEvent: cfg.userMessageEvt || "user_uttered",
    botEvent: cfg.botMessageEvt || "bot_uttered",
    initPayload: typeof cfg.initPayload === "string" ? cfg.initPayload : "/greet",
  };
}

function restoreItem(raw) {
  if (!raw || typeof raw !== "object") return null;
  if (raw.role === "user") {
    return typeof raw.text === "string" && raw.text ? { role: "user", text: raw.text } : null;
  }
  const item = normalizeBotMessage({
    text: raw.text,
    buttons: raw.buttons,
    menu: raw.menu,
    triage: raw.triage,
    lab_report: raw.lab_report,
    emergency: raw.emergency,
    attachment: raw.image ? { type: "image", payload: { src: raw.image } } : undefined,
    staff: raw.staff === true,
  });
  if (item && item.buttons && Number.isInteger(raw.chosen) && raw.chosen >= 0 && raw.chosen < item.buttons.length) {
    item.chosen = raw.chosen;
  }
  return item;
}

function start() {
  const cfg = readConfig();
  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const empty = $("empty-state");
  const statusBar = $("status");
  const typing = $("typing");
  const withStaffNote = $("with-staff");
  const form = $("composer");
  const input = $("input");
  const scroller = $("chat");
  const largeBtn = $("large-text");
  const newBtn = $("new-chat");
  const endBtn = $("end-clear");
  const confirmBox = $("confirm-new");

  let sessionId = storage.loadSessionId();
  let history = storage.loadHistory(sessionId);
  history.items = history.items.map(restoreItem).filter(Boolean);
  let ready = false; // connected AND session confirmed
  let pending = []; // user messages typed while not ready
  let typingTimer = null;
  let everConnected = false;
  let composing = false;

  // ---------- rendering ----------
  const actions = {
    send: (payload, title) => sendUser(payload, title),
    // a reply button: the render code marks the group as used, we remember and send it
    choose: (item, index) => {
      item.chosen = index;
      storage.saveHistory(history);
      sendUser(item.buttons[index].payload, item.buttons[index].title);
    },
  };

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function updateEmpty() {
    empty.hidden = history.items.length > 0;
  }

  function rerender() {
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    const frag = document.createDocumentFragment();
    for (const item of history.items) frag.appendChild(renderItem(item, actions));
    log.textContent = "";
    log.appendChild(frag);
    withStaffNote.hidden = !history.with_staff;
    updateEmpty();
    if (atBottom) scrollToEnd();
  }

  function append(item) {
    history.items.push(item);
    storage.saveHistory(history);
    log.appendChild(renderItem(item, actions));
    updateEmpty();
    scrollToEnd();
  }

  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) {
      typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
      scrollToEnd();
    }
  }

  // While staff have the conversation a person answers at a person's pace and 小安 is
  // silent (but for emergencies): a note says so instead of the typing indicator.
  function setWithStaff(on) {
    history.with_staff = on;
    storage.saveHistory(history);
    withStaffNote.hidden = !on;
    if (on) scrollToEnd();
  }

  function setStatus(state) {
    statusBar.dataset.state = state;
    statusBar.textContent = STATUS_TEXT[state];
    statusBar.hidden = state === "online";
    document.body.dataset.connection = state;
  }

  // ---------- socket ----------
  const socket = io(cfg.serverUrl, {
    path: cfg.socketPath,
    transports: ["websocket", "polling"],
    tryAllTransports: true, // fall back to long-polling where websockets are blocked (needs rasa --cors)
    autoConnect: false,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    timeout: 10000,
  });

  function emitUser(payload) {
    socket.emit(cfg.userEvent, { message: payload, session_id: sessionId });
  }

  function sendUser(payload, title) {
    const shown = (title === undefined ? payload : title).trim();
    if (!payload.trim() || !shown) return;
    append({ role: "user", text: shown });
    if (!history.with_staff) setTyping(true);
    if (ready) emitUser(payload);
    else pending.push(payload);
  }

  socket.on("connect", () => {
    ready = false;
    everConnected = true;
    socket.emit("session_request", { session_id: sessionId });
  });

  socket.on("session_confirm", (data) => {
    const id = data && typeof data === "object" ? data.session_id : data;
    if (typeof id !== "string" || !id) return;
    if (id !== sessionId) {
      const fresh = sessionId === null;
      sessionId = id;
      storage.saveSessionId(id);
      if (fresh) {
        // Brand-new session: keep what the user typed while we were connecting.
        history = { ...history, session_id: id };
      } else {
        // The server gave us a different session than the one on screen: start clean.
        history = { session_id: id, greeted: false, items: [] };
        pending = [];
      }
      storage.saveHistory(history);
      rerender();
    }
    document.body.dataset.sessionId = sessionId;
    ready = true;
    setStatus("online");
    if (!history.greeted && history.items.length === 0 && pending.length === 0 && cfg.initPayload) {
      history.greeted = true;
      storage.saveHistory(history);
      setTyping(true);
      emitUser(cfg.initPayload);
    }
    const queued = pending;
    pending = [];
    for (const p of queued) emitUser(p);
  });

  socket.on(cfg.botEvent, (raw) => {
    setTyping(false);
    const item = normalizeBotMessage(raw);
    if (item) append(item); // unknown custom payloads are dropped quietly
    const handoff = handoffSignal(raw);
    if (handoff) setWithStaff(handoff === "open");
  });

  socket.on("disconnect", (reason) => {
    ready = false;
    if (reason === "io client disconnect") return; // we closed it on purpose (新对话)
    setTyping(false);
    setStatus("disconnected");
    // A server-side disconnect is not retried by socket.io itself.
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
  });

  socket.on("connect_error", () => {
    setStatus(everConnected ? "disconnected" : "unreachable");
  });

  // ---------- composer ----------
  function autoGrow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    autoGrow();
    sendUser(text);
    input.focus();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  input.addEventListener("input", autoGrow);
  input.addEventListener("compositionstart", () => {
    composing = true;
  });
  input.addEventListener("compositionend", () => {
    // Safari fires compositionend *before* the keydown of the confirming Enter.
    setTimeout(() => {
      composing = false;
    }, 0);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.shiftKey) return;
    // Enter that confirms a Chinese IME candidate must not send the message.
    if (e.isComposing || composing || e.keyCode === 229) return;
    e.preventDefault();
    submit();
  });

  // ---------- header controls ----------
  function applyLarge(on) {
    document.documentElement.classList.toggle("large-text", on);
    largeBtn.setAttribute("aria-pressed", on ? "true" : "false");
  }
  applyLarge(storage.loadLargeText());
  largeBtn.addEventListener("click", () => {
    const on = !document.documentElement.classList.contains("large-text");
    applyLarge(on);
    storage.saveLargeText(on);
  });

  function showConfirm(on) {
    confirmBox.hidden = !on;
    if (on) $("confirm-yes").focus();
    else newBtn.focus();
  }
  newBtn.addEventListener("click", () => {
    if (history.items.length === 0) endConversation();
    else showConfirm(true);
  });
  $("confirm-no").addEventListener("click", () => showConfirm(false));
  $("confirm-yes").addEventListener("click", () => {
    showConfirm(false);
    endConversation();
  });
  // Kiosks and shared phones: one tap, no question, and the next person finds nothing.
  endBtn.addEventListener("click", () => {
    showConfirm(false);
    endConversation();
  });
  confirmBox.addEventListener("keydown", (e) => {
    if (e.key === "Escape") showConfirm(false);
  });

  // Ends the conversation on the server as well: Rasa's /restart forgets every slot,
  // the proven identity included (the page may be gone before "退出" could be typed).
  function endConversation() {
    if (ready && sessionId) emitUser("/restart");
    startNewConversation();
  }

  function startNewConversation() {
    storage.clearConversation();
    sessionId = null;
    pending = [];
    history = { session_id: null, greeted: false, items: [] };
    delete document.body.dataset.sessionId;
    setTyping(false);
    rerender();
    // A fresh socket leaves the old session's room behind.
    ready = false;
    socket.disconnect();
    setStatus("connecting");
    socket.connect();
    input.focus();
  }

  // ---------- go ----------
  rerender();
  scrollToEnd();
  setStatus("connecting");
  socket.connect();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
