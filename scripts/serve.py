"""Start and stop the assistant's servers: the action server, the Rasa server
(REST and socketio channels, HTTP API on loopback behind a token) and the web page.

Secrets go to the servers by environment, never on a command line (`ps` shows those
to every user): XIAOAN_API_TOKEN for Rasa's HTTP API (scripts/rasa_server.py) and
ACTION_SERVER_TOKEN, new for each run, which Rasa sends the action server
(actions/server.py) as endpoints.yml says. The browser origins Rasa accepts
(XIAOAN_WEB_ORIGINS) are the web page's.

Beside them, in this process, run the hourly chat purge, the reminder dispatcher
(scripts/reminders.py), which delivers due reminders through the HTTP API, and the
demo hospital's daily refresh (hospital/demo/daily.py: the booking window rolls
forward when the date changes).

`python -m scripts.serve` is what `make run` ends with; the end-to-end tests use
`Assistant` to start the same servers on free ports against a throw-away database.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from chat_store import database as chat_database
from hospital.demo.daily import DailyRefresh
from scripts.purge_chats import PeriodicPurge
from scripts.reminders import POLL_SECONDS, ReminderDispatcher

ROOT = Path(__file__).resolve().parents[1]
API_TOKEN_ENV = "XIAOAN_API_TOKEN"  # read by scripts/rasa_server.py
DEFAULT_ACTION_URL = "http://127.0.0.1:5055/webhook"  # endpoints.yml's; each run sets its port
ACTION_TOKEN_ENV = "ACTION_SERVER_TOKEN"  # read by actions/server.py, sent by Rasa (endpoints.yml)
ORIGINS_ENV = "XIAOAN_WEB_ORIGINS"  # read by channels/origins.py
STAFF_PASSWORD_ENV = "XIAOAN_STAFF_PASSWORD"  # read by staff/auth.py in the page's server
MODEL_ENV = "XIAOAN_MODEL"  # the model to serve instead of the newest in models/
logger = logging.getLogger("serve")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def new_token() -> str:
    """A random secret that is safe anywhere: hex never starts with "-" (a
    token_urlsafe does 1 time in 64, which Rasa's argument parser took for an option)."""
    return secrets.token_hex(24)


def latest_model() -> Path:
    """XIAOAN_MODEL if set (a model trained elsewhere, e.g. to benchmark or test a
    variant), otherwise the newest model in models/."""
    chosen = os.environ.get(MODEL_ENV)
    if chosen:
        return Path(chosen).resolve()
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("No trained model in models/: run `make run` or `make test` first.")
    return models[-1]


def _wait_until_up(url: str, process: subprocess.Popen, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{name} did not answer at {url} within {timeout:.0f} s")


def run_endpoints(action_port: int) -> str:
    """endpoints.yml with the action server on this run's port. Secrets and the database
    URL (it may hold a password) stay in the environment: Rasa expands
    ${ACTION_SERVER_TOKEN}, and the store reads TRACKER_DB_URL."""
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    if DEFAULT_ACTION_URL not in text:
        raise RuntimeError(f"endpoints.yml: the action server is expected at {DEFAULT_ACTION_URL}")
    return text.replace(DEFAULT_ACTION_URL, f"http://127.0.0.1:{action_port}/webhook")


@dataclass
class Assistant:
    """The running servers. Use as a context manager: everything stops on exit."""

    rasa_port: int
    action_port: int
    web_port: Optional[int]
    database_url: str
    # Conversations (encrypted SQL tracker store); None: TRACKER_DB_URL or .data/chats.db
    tracker_db_url: Optional[str] = None
    token: str = field(default_factory=new_token)
    action_token: str = field(default_factory=new_token)
    staff_password: str = field(default_factory=new_token)  # the staff console's login (/staff/)
    model: Optional[Path] = None
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="xiaoan-logs-")))
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)
    purge: Optional[PeriodicPurge] = None
    reminders: Optional[ReminderDispatcher] = None
    daily: Optional[DailyRefresh] = None
    reminder_every: float = POLL_SECONDS  # seconds between rounds of the reminder dispatcher
    extra_env: Dict[str, str] = field(default_factory=dict)  # e.g. a channel's settings in tests
    # For several instances (scripts/cluster.py): more endpoints.yml sections (a shared
    # lock store) and environment for the Rasa server alone (that store's password).
    extra_endpoints: str = ""
    rasa_env: Dict[str, str] = field(default_factory=dict)
    launches: Dict[str, tuple] = field(default_factory=dict, repr=False)  # name → (command, env)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> Optional[str]:
        return f"http://127.0.0.1:{self.web_port}/" if self.web_port else None

    def _spawn(self, name: str, command: List[str], env: Dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        # A session of its own, so stopping it also stops anything it spawned.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        self.launches[name] = (command, env)
        return process

    def stop_one(self, name: str) -> None:
        """Stop one server (e.g. "actions"), to test what still works without it."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)

    def start_again(self, name: str, health_url: str, timeout: float = 240) -> None:
        """Start a server stop_one() stopped, as it was started, and wait until it answers."""
        process = self._spawn(name, *self.launches[name])
        _wait_until_up(health_url, process, name, timeout)

    def start(self, timeout: float = 240) -> "Assistant":
        self.tracker_db_url = self.tracker_db_url or chat_database.database_url()
        retention_days = chat_database.retention_days()
        # Each secret goes only to the process that needs it.
        env = {
            name: value
            for name, value in {**os.environ, **self.extra_env}.items()
            if name not in (API_TOKEN_ENV, ACTION_TOKEN_ENV, STAFF_PASSWORD_ENV)
        }
        env.update(HOSPITAL_DB_URL=self.database_url, TRACKER_DB_URL=self.tracker_db_url, PYTHONUNBUFFERED="1")
        if self.web_port:
            env.setdefault(ORIGINS_ENV, f"http://127.0.0.1:{self.web_port},http://localhost:{self.web_port}")
        endpoints = self.log_dir / "endpoints.yml"
        endpoints.write_text(run_endpoints(self.action_port) + self.extra_endpoints, encoding="utf-8")
        actions = self._spawn(
            "actions",
            [sys.executable, "-m", "actions.server", "--host", "127.0.0.1", "--port", str(self.action_port)],
            {**env, ACTION_TOKEN_ENV: self.action_token},
        )
        rasa = self._spawn(
            "rasa",
            [
                sys.executable,
                "-m",
                "scripts.rasa_server",
                "--model",
                str(self.model or latest_model()),
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                str(endpoints),
            ],
            {**env, **self.rasa_env, API_TOKEN_ENV: self.token, ACTION_TOKEN_ENV: self.action_token},
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{self.action_port}/health", actions, "action server", timeout)
            _wait_until_up(f"{self.rasa_url}/", rasa, "Rasa server", timeout)
            if self.web_port:
                self._start_web(env, timeout)
            self.purge = PeriodicPurge(self.tracker_db_url, retention_days)
            self.purge.start()
            self.start_reminders()
        except Exception:
            self.stop()
            raise
        return self

    def _start_web(self, env: Dict[str, str], timeout: float) -> None:
        if not (ROOT / "web" / "dist" / "index.html").exists():
            raise RuntimeError("web/dist is not built: run `cd web && npm ci && npm run build`")
        web = self._spawn(
            "web",
            [
                sys.executable,
                str(ROOT / "scripts" / "serve_web.py"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.web_port),
                "--server-url",
                self.rasa_url,
                "--staff",
            ],
            {**env, STAFF_PASSWORD_ENV: self.staff_password},
        )
        _wait_until_up(self.web_url, web, "web page server", timeout)

    def start_reminders(self) -> None:
        """The reminder dispatcher; what is pending in the database is armed again."""
        from hospital import create_hospital

        hospital = create_hospital(self.database_url, seed=False)
        self.reminders = ReminderDispatcher(hospital, self.rasa_url, self.token, every=self.reminder_every)
        self.reminders.start()
        self.daily = DailyRefresh(hospital)
        self.daily.start()

    def stop_reminders(self) -> None:
        if self.daily:
            self.daily.stop()
            self.daily = None
        if self.reminders:
            self.reminders.stop()
            self.reminders.hospital.dispose()
            self.reminders = None

    def restart_rasa(self, timeout: float = 240) -> None:
        """Stop the Rasa server alone and start it again; the other servers and the
        conversations database keep running."""
        self.stop_one("rasa")
        self.start_again("rasa", f"{self.rasa_url}/", timeout)

    def stop(self) -> None:
        self.stop_reminders()
        if self.purge:
            self.purge.stop()
            self.purge = None
        for name, process in self.processes.items():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def __enter__(self) -> "Assistant":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run 小安 (stop with Ctrl-C).")
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=8080)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    token = os.environ.get(API_TOKEN_ENV) or new_token()
    token_file = ROOT / ".data" / "api_token"
    token_file.parent.mkdir(exist_ok=True)
    token_file.write_text(token, encoding="utf-8")
    token_file.chmod(0o600)
    from hospital.config import database_url
    from staff.auth import password as staff_password

    password, password_file = staff_password()
    assistant = Assistant(
        staff_password=password,
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        web_port=args.web_port,
        database_url=database_url(),
        token=token,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with assistant:
        logger.info(
            "\n小安 is running.\n"
            "  Web page:     %s\n"
            "  Staff console: %sstaff/ (password %s)\n"
            "  REST channel: %s/webhooks/rest/webhook\n"
            "  HTTP API:     %s (token in .data/api_token)\n"
            "  Logs:         %s\n"
            "Press Ctrl-C to stop.",
            assistant.web_url,
            assistant.web_url,
            f"in {password_file}" if password_file else f"from {STAFF_PASSWORD_ENV}",
            assistant.rasa_url,
            assistant.rasa_url,
            assistant.log_dir,
        )
        try:
            while all(p.poll() is None for p in assistant.processes.values()):
                time.sleep(1)
            logger.error("A server stopped unexpectedly; see the logs in %s", assistant.log_dir)
        except KeyboardInterrupt:
            logger.info("Stopping…")


if __name__ == "__main__":
    main()
