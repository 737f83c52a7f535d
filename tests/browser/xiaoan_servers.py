"""Servers for the browser tests: the fake Rasa subprocess and the static page server."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
RESULTS = ROOT / "results"


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeRasa:
    """tests/browser/fake_rasa.py in a subprocess of its own (own process group)."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.logfile = None

    def start(self, timeout: float = 180) -> None:
        # It imports Rasa: with other servers starting beside it on two cores that took over 60 s.

        RESULTS.mkdir(parents=True, exist_ok=True)
        self.logfile = open(RESULTS / "fake_rasa.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("fake_rasa.py")), "--port", str(self.port)],
            cwd=ROOT,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"fake Rasa exited with {self.proc.returncode}; see results/fake_rasa.log")
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("fake Rasa did not start in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        if self.logfile:
            self.logfile.close()
            self.logfile = None

    def _req(self, path: str, method: str = "GET"):
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    def log(self) -> dict:
        return self._req("/_log")

    def texts(self) -> list[str]:
        return [m["text"] for m in self.log()["messages"]]

    def reset(self) -> None:
        self._req("/_reset", "POST")

    def kick(self) -> int:
        return self._req("/_kick", "POST")["kicked"]


def _serve(dist: Path, **kw):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import serve_web  # noqa: WPS433
    finally:
        sys.path.pop(0)
    httpd = serve_web.make_server("127.0.0.1", free_port(), dist, quiet=True, **kw)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, thread


@contextlib.contextmanager
def served(dist: Path, **kw):
    httpd, thread = _serve(dist, **kw)
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
