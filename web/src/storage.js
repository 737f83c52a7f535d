// Everything is kept in sessionStorage, which the browser clears when the tab is
// closed (important on shared / kiosk devices). Only the session id and the
// messages already visible on screen are stored. The large-text preference is
// not personal and lives in localStorage.
const SESSION_KEY = "xiaoan.session_id";
const HISTORY_KEY = "xiaoan.history.v1";
const LARGE_KEY = "xiaoan.large_text";
const MAX_ITEMS = 200;

function get(store, key) {
  try {
    return window[store].getItem(key);
  } catch (_) {
    return null;
  }
}

function set(store, key, value) {
  try {
    if (value === null) window[store].removeItem(key);
    else window[store].setItem(key, value);
  } catch (_) {
    /* storage full or disabled: the chat still works, it just won't survive a reload */
  }
}

export function loadSessionId() {
  const id = get("sessionStorage", SESSION_KEY);
  return id && /^[A-Za-z0-9_\-:.]{1,128}$/.test(id) ? id : null;
}

export function saveSessionId(id) {
  set("sessionStorage", SESSION_KEY, id);
}

export function loadHistory(sessionId) {
  const empty = { session_id: sessionId, greeted: false, items: [] };
  if (!sessionId) return empty;
  try {
    const h = JSON.parse(get("sessionStorage", HISTORY_KEY) || "null");
    if (!h || h.session_id !== sessionId || !Array.isArray(h.items)) return empty;
    return { session_id: sessionId, greeted: Boolean(h.greeted), with_staff: h.with_staff === true, items: h.items };
  } catch (_) {
    return empty;
  }
}

export function saveHistory(history) {
  const items = history.items.slice(-MAX_ITEMS);
  set("sessionStorage", HISTORY_KEY, JSON.stringify({ ...history, items }));
}

export function clearConversation() {
  set("sessionStorage", SESSION_KEY, null);
  set("sessionStorage", HISTORY_KEY, null);
}

export function loadLargeText() {
  return get("localStorage", LARGE_KEY) === "1";
}

export function saveLargeText(on) {
  set("localStorage", LARGE_KEY, on ? "1" : null);
}
