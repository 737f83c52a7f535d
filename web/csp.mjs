// The page's Content-Security-Policy. scripts/serve_web.py has a Python twin
// (build_csp) — keep the two identical; tests/browser checks they agree.
export function buildCsp(serverUrl) {
  let http;
  let ws;
  if (!serverUrl || serverUrl === "self") {
    // Default: Rasa on the page's own host, port 5005 (or same origin when "self").
    http = serverUrl === "self" ? "" : "http://*:5005 https://*:5005";
    ws = serverUrl === "self" ? "" : "ws://*:5005 wss://*:5005";
  } else {
    const origin = new URL(serverUrl).origin;
    http = origin;
    ws = origin.replace(/^http/, "ws");
  }
  const join = (...parts) => parts.filter(Boolean).join(" ");
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${join("'self'", "data:", http)}`,
    `connect-src ${join("'self'", http, ws)}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join("; ");
}
