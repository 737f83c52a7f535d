"""The staff console's HTTP routes, independent of the server that carries them
(scripts/serve_web.py mounts them under /staff/).

Only the login page, its script and the style sheet are served without a session;
every other page and every API answer needs the signed cookie (pages redirect to the
login, the API answers 401). POSTs must be JSON from the console's own origin.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from http import cookies
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from hospital.interface import HandoffTaken, HospitalError
from staff import analytics, auth, conversations, summaries
from staff.relay import Relay, RelayError
from staff.takeover import NotYours, Takeover

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/staff"
PUBLIC = {"/login": "login.html", "/static/login.js": "login.js", "/static/staff.css": "staff.css"}
PAGES = {
    "/": "index.html",
    "/analytics": "analytics.html",
    "/summaries": "summaries.html",
    "/static/staff.js": "staff.js",
    "/static/charts.js": "charts.js",
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MAX_PERIOD_DAYS = 366
_TICKET = re.compile(r"/api/tickets/(\d{1,9})/(take|view|reply|hand-back)")


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: List[Tuple[str, str]] = field(default_factory=list)


def _json(value: Any, status: int = 200, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
    return Response(status, json.dumps(value, ensure_ascii=False).encode("utf-8"), headers=headers or [])


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


class StaffApp:
    def __init__(
        self,
        hospital_factory: Callable,
        chats_url: Optional[str],
        rasa_url: str,
        password: str,
        limiter: Optional[auth.LoginLimiter] = None,
    ):
        self._hospital_factory = hospital_factory
        self._hospital = None
        self.chats = conversations.engine(chats_url)
        self.relay = Relay(rasa_url)
        self.password = password
        self.limiter = limiter or auth.LoginLimiter()

    @property
    def hospital(self):
        if self._hospital is None:
            self._hospital = self._hospital_factory()
        return self._hospital

    # ------------------------------------------------------------------ entry point
    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes, client: str) -> Response:
        parts = urlsplit(target)
        path = parts.path[len(PREFIX) :] or "/"
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        response = self._route(method, path, query, headers, body, client)
        response.headers += [
            ("Content-Security-Policy", CSP),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
        ]
        return response

    def _route(self, method, path, query, headers, body, client) -> Response:
        if method == "GET" and path in PUBLIC:
            return self._static(PUBLIC[path])
        if method == "POST" and not self._same_origin(headers):
            return _error(403, "forbidden")
        if method == "POST" and path == "/api/login":
            return self._login(body, client)
        staff = auth.staff_of(self._cookie(headers))
        if staff is None:
            if method == "GET" and not path.startswith("/api/"):
                return Response(303, headers=[("Location", f"{PREFIX}/login")])
            return _error(401, "login required")
        if method == "GET" and path in PAGES:
            return self._static(PAGES[path])
        if method == "POST" and path == "/api/logout":
            return _json({"ok": True}, headers=[("Set-Cookie", self._set_cookie("", 0))])
        try:
            return self._api(method, path, query, body, staff)
        except HospitalError as error:
            logger.error("staff console: hospital error (%s)", error.code)
            return _error(503, "医院系统暂时连接不上，请稍后再试。")

    def _api(self, method, path, query, body, staff) -> Response:
        takeover = Takeover(self.hospital, self.chats, self.relay)
        if method == "GET" and path == "/api/me":
            return _json({"name": staff})
        if method == "GET" and path == "/api/queue":
            return _json({"tickets": takeover.queue()})
        match = _TICKET.fullmatch(path)
        if match:
            ticket_id, verb = int(match.group(1)), match.group(2)
            try:
                if method == "POST" and verb == "take":
                    return _json(takeover.take(ticket_id, staff))
                if method == "GET" and verb == "view":
                    return _json(takeover.view(ticket_id, staff))
                if method == "POST" and verb == "reply":
                    text = (
                        (self._body(body).get("text") or "").strip()
                        if isinstance(self._body(body).get("text"), str)
                        else ""
                    )
                    if not text:
                        return _error(400, "empty message")
                    takeover.reply(ticket_id, staff, text)
                    return _json({"ok": True})
                if method == "POST" and verb == "hand-back":
                    takeover.hand_back(ticket_id, staff)
                    return _json({"ok": True})
            except HandoffTaken:
                return _error(409, "这张工单已经由其他工作人员接手了。")
            except NotYours:
                return _error(409, "这张工单不在您手上。")
            except KeyError:
                return _error(404, "no such ticket")
            except RelayError as error:
                return _error(502 if error.status >= 500 else 409, "消息没有送达患者（对话可能已结束）。")
        if method == "GET" and path in ("/api/analytics", "/api/analytics.csv"):
            period = self._period(query)
            if period is None:
                return _error(400, "bad period")
            report = self._analytics(*period)
            if path.endswith(".csv"):
                name = f"xiaoan-analytics-{period[0]}-{period[1]}.csv"
                return Response(
                    200,
                    ("\ufeff" + analytics.to_csv(report)).encode("utf-8"),
                    "text/csv; charset=utf-8",
                    [("Content-Disposition", f'attachment; filename="{name}"')],
                )
            return _json(report)
        if method == "GET" and path == "/api/summaries":
            day = self._date(query.get("day")) or dt.date.today() + dt.timedelta(days=1)
            return _json({"day": day.isoformat(), "appointments": summaries.summaries(self.hospital, day)})
        return _error(404, "not found")

    # ------------------------------------------------------------------ pieces
    def _analytics(self, start: dt.date, end: dt.date) -> Dict[str, Any]:
        begin = dt.datetime.combine(start, dt.time()).timestamp()
        finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()).timestamp()
        events = conversations.events_between(self.chats, begin, finish)
        bookings = [e for e in self.hospital.audit_entries() if e["action"] == "book_appointment"]
        return analytics.analyse(events, start, end, bookings)

    @staticmethod
    def _date(text: Optional[str]) -> Optional[dt.date]:
        try:
            return dt.date.fromisoformat(text) if text else None
        except ValueError:
            return None

    def _period(self, query: Mapping[str, str]) -> Optional[Tuple[dt.date, dt.date]]:
        end = self._date(query.get("end")) or dt.date.today()
        start = self._date(query.get("start")) or end - dt.timedelta(days=6)
        if start > end or (end - start).days >= MAX_PERIOD_DAYS:
            return None
        return start, end

    def _login(self, body: bytes, client: str) -> Response:
        if self.limiter.blocked(client):
            return _error(429, "登录失败次数过多，请 15 分钟后再试。")
        data = self._body(body)
        name = auth.clean_name(data.get("name") if isinstance(data.get("name"), str) else "")
        given = data.get("password") if isinstance(data.get("password"), str) else ""
        if not name or not auth.same_password(given, self.password):
            self.limiter.failed(client)
            logger.info("staff login refused")
            return _error(401, "姓名或密码不对。")
        logger.info("staff login")
        return _json({"name": name}, headers=[("Set-Cookie", self._set_cookie(auth.session_cookie(name)))])

    @staticmethod
    def _set_cookie(value: str, max_age: int = auth.SESSION_SECONDS) -> str:
        return f"{auth.COOKIE}={value}; Path={PREFIX}/; Max-Age={max_age}; HttpOnly; SameSite=Strict"

    @staticmethod
    def _cookie(headers: Mapping[str, str]) -> Optional[str]:
        jar = cookies.SimpleCookie()
        try:
            jar.load(headers.get("Cookie") or "")
        except cookies.CookieError:
            return None
        morsel = jar.get(auth.COOKIE)
        return morsel.value if morsel else None

    @staticmethod
    def _same_origin(headers: Mapping[str, str]) -> bool:
        """JSON only (a form on another site cannot send it), and from our own origin
        when the browser says where it comes from."""
        if not (headers.get("Content-Type") or "").startswith("application/json"):
            return False
        origin = headers.get("Origin")
        return origin is None or urlsplit(origin).netloc == headers.get("Host")

    @staticmethod
    def _body(body: bytes) -> Dict[str, Any]:
        try:
            data = json.loads(body.decode("utf-8")) if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _static(name: str) -> Response:
        path = STATIC / name
        return Response(200, path.read_bytes(), TYPES[path.suffix])
