#!/usr/bin/env python3
"""Serve the built 小安 web chat page (web/dist/) with the Python standard library.

    cd web && npm ci && npm run build && cd ..
    python scripts/serve_web.py --host 0.0.0.0 --port 8080 \
        --server-url http://<rasa-host>:5005

--server-url / --socket-path / --init-payload override what was baked in at build time:
config.js is generated and the Content-Security-Policy meta tag of index.html is
rewritten to allow exactly that Rasa origin. Without them the built files are served
as they are (default: Rasa on the page's own host, port 5005).

--staff also serves the staff console (staff/) under /staff/, behind the staff login
(password from XIAOAN_STAFF_PASSWORD, else .data/staff_password); it reads the hospital
and conversation databases (HOSPITAL_DB_URL, TRACKER_DB_URL) and sends staff messages
through the Rasa server at --server-url.

Rasa itself must run with the socketio channel and accept this page's origin:
scripts/rasa_server.py allows the origins in XIAOAN_WEB_ORIGINS (channels/origins.py;
default http://127.0.0.1:8080 and http://localhost:8080).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
CSP_META_RE = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")[^"]*(")')


def build_csp(server_url: Optional[str]) -> str:
    """Python twin of web/csp.mjs buildCsp — keep them identical."""
    if not server_url or server_url == "self":
        http = "" if server_url == "self" else "http://*:5005 https://*:5005"
        ws = "" if server_url == "self" else "ws://*:5005 wss://*:5005"
    else:
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server URL must be http(s)://host[:port], got {server_url!r}")
        default_port = 80 if parts.scheme == "http" else 443
        host = parts.hostname
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        port = "" if parts.port in (None, default_port) else f":{parts.port}"
        http = f"{parts.scheme}://{host}{port}"
        ws = "ws" + http[len("http") :]

    def join(*xs: str) -> str:
        return " ".join(x for x in xs if x)

    self_ = "'self'"

    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {join(self_, 'data:', http)}",
            f"connect-src {join(self_, http, ws)}",
            "font-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "object-src 'none'",
        ]
    )


class Handler(SimpleHTTPRequestHandler):
    overrides: dict = {}  # "/index.html" and "/config.js" -> bytes, when configured
    staff: Any = None  # staff.app.StaffApp, when the staff console is on
    quiet = False  # no request log

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".svg": "image/svg+xml",
    }

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        # frame-ancestors cannot be set from a <meta> tag; the rest of the policy is in index.html
        self.send_header("Content-Security-Policy", "frame-ancestors 'none'")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def _override(self) -> Optional[bytes]:
        path = urlsplit(self.path).path
        if path == "/":
            path = "/index.html"
        return self.overrides.get(path)

    def _send_override(self, body: bytes, with_body: bool) -> None:
        is_html = urlsplit(self.path).path in ("/", "/index.html")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8" if is_html else "text/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _is_staff(self) -> bool:
        path = urlsplit(self.path).path
        return self.staff is not None and (path == "/staff" or path.startswith("/staff/"))

    def _serve_staff(self, method: str, with_body: bool = True) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 64 * 1024:
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        body = self.rfile.read(length) if length else b""
        answer = self.staff.handle(method, self.path, self.headers, body, self.client_address[0])
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(answer.body)

    def do_POST(self) -> None:  # noqa: N802
        if self._is_staff():
            return self._serve_staff("POST")
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)

    def do_GET(self) -> None:  # noqa: N802
        if self._is_staff():
            return self._serve_staff("GET")
        body = self._override()
        if body is None:
            return super().do_GET()
        self._send_override(body, True)

    def do_HEAD(self) -> None:  # noqa: N802
        if self._is_staff():
            return self._serve_staff("GET", with_body=False)
        body = self._override()
        if body is None:
            return super().do_HEAD()
        self._send_override(body, False)

    def list_directory(self, path):  # never show directory listings
        self.send_error(HTTPStatus.NOT_FOUND)
        return None

    def log_message(self, fmt: str, *args) -> None:
        if not self.quiet:
            super().log_message(fmt, *args)


def make_server(
    host: str = "127.0.0.1",
    port: int = 8080,
    dist: Path = DEFAULT_DIST,
    server_url: Optional[str] = None,
    socket_path: Optional[str] = None,
    init_payload: Optional[str] = None,
    quiet: bool = False,
    staff=None,
) -> ThreadingHTTPServer:
    """Create (not start) the HTTP server; call serve_forever() / shutdown() on it."""
    dist = Path(dist)
    index = dist / "index.html"
    if not index.is_file():
        raise FileNotFoundError(f"{index} not found — run `npm ci && npm run build` in web/ first")
    overrides: dict = {}
    if server_url is not None or socket_path is not None or init_payload is not None:
        cfg_text = (dist / "config.js").read_text(encoding="utf-8")
        cfg = json.loads(cfg_text.split("=", 1)[1].strip().rstrip(";"))
        if server_url is not None:
            cfg["serverUrl"] = server_url.rstrip("/")
        if socket_path is not None:
            cfg["socketPath"] = socket_path
        if init_payload is not None:
            cfg["initPayload"] = init_payload
        overrides["/config.js"] = f"window.XIAOAN_CONFIG = {json.dumps(cfg, ensure_ascii=False)};\n".encode()
        html = index.read_text(encoding="utf-8")
        csp = build_csp(cfg["serverUrl"])
        html, n = CSP_META_RE.subn(lambda m: m.group(1) + csp + m.group(2), html)
        if n != 1:
            raise RuntimeError("Content-Security-Policy meta tag not found in index.html")
        overrides["/index.html"] = html.encode("utf-8")
    handler = type("XiaoanHandler", (Handler,), {"overrides": overrides, "staff": staff, "quiet": quiet})
    httpd = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(dist)))
    httpd.daemon_threads = True
    return httpd


def staff_console(server_url: Optional[str]):
    if not server_url or not server_url.startswith("http"):
        raise ValueError("--staff needs --server-url http://<rasa-host>:<port>")
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from hospital import get_hospital
    from staff import auth
    from staff.app import StaffApp

    password, _ = auth.password()
    return StaffApp(get_hospital, None, server_url, password)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for the intranet)")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="built page directory (web/dist)")
    ap.add_argument(
        "--server-url", help='Rasa URL, e.g. http://10.0.0.5:5005; "self" = same origin; "" = page host:5005'
    )
    ap.add_argument("--socket-path", help="socket.io path (default /socket.io)")
    ap.add_argument("--init-payload", help='sent when a conversation starts (default /greet; "" = none)')
    ap.add_argument("--quiet", action="store_true", help="no request log")
    ap.add_argument("--staff", action="store_true", help="also serve the staff console at /staff/ (needs --server-url)")
    args = ap.parse_args(argv)
    try:
        staff = staff_console(args.server_url) if args.staff else None
        httpd = make_server(
            args.host, args.port, args.dist, args.server_url, args.socket_path, args.init_payload, args.quiet, staff
        )
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"serve_web: {exc}", file=sys.stderr)
        return 2
    print(f"小安 web chat on http://{args.host}:{args.port}/  (serving {args.dist})", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
