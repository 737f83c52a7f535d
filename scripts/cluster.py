"""Several 小安 instances on one machine, wired as a deployment on several machines is:
N Rasa servers, each with its action server (scripts/serve.py `Assistant`), sharing
PostgreSQL (conversations and the hospital database) and a Redis lock store (one turn
at a time per conversation, whichever instance receives it: chat_store/lock_store.py),
behind nginx. nginx spreads REST requests over the instances and keeps each socket.io
connection on one instance (a cookie it sets picks the instance: socket.io's polling
transport sends one connection's requests separately, and only the instance that
opened it knows it).

    python -m scripts.cluster --instances 2 --port 8000     # `make cluster`; Ctrl-C stops it

PostgreSQL, Redis and nginx are the distribution's (scripts/env.sh
ensure_cluster_packages installs them), started here on free loopback ports with
generated passwords, as their own system accounts when run as root, in a directory
that is deleted at the end: the databases are throw-away, for trying it and for the
tests (tests/integration/test_cluster.py).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import logging
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from scripts.serve import ORIGINS_ENV, ROOT, Assistant, _wait_until_up, free_port, latest_model, new_token

logger = logging.getLogger("cluster")

REDIS_PASSWORD_ENV = "XIAOAN_REDIS_PASSWORD"  # Rasa's endpoints.yml expands it
LOCK_KEY_PREFIX = "xiaoan"
STICKY_COOKIE = "xiaoan_node"
# Debian package of each program.
PACKAGES = {"initdb": "postgresql", "postgres": "postgresql", "redis-server": "redis-server", "nginx": "nginx"}


def program(name: str) -> Optional[str]:
    """Where a server program is: on PATH, in sbin, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    return versions[-1] if versions else None


def missing_packages() -> List[str]:
    return sorted({package for name, package in PACKAGES.items() if not program(name)})


def _service_account(name: str) -> Optional[pwd.struct_passwd]:
    """The system account a server runs as when we are root (PostgreSQL refuses root;
    the others should not have it); None when we are not root (it runs as us)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return pwd.getpwnam("nobody")


def _private_dir(path: Path, account: Optional[pwd.struct_passwd]) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if account:
        os.chown(path, account.pw_uid, account.pw_gid)
    return path


def _popen(command: List[str], log: Path, account: Optional[pwd.struct_passwd], **kwargs: Any) -> subprocess.Popen:
    drop: Dict[str, Any] = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if account else {}
    with open(log, "ab") as output:
        return subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, **drop, **kwargs
        )


def _stop(process: Optional[subprocess.Popen], how: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, how)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for(check, process: subprocess.Popen, name: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see {log}")
        try:
            check()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start within {timeout:.0f} s; see {log}")
            time.sleep(0.2)


@dataclass
class Postgres:
    """A PostgreSQL server of our own: loopback only, password login."""

    directory: Path
    port: int = field(default_factory=free_port)
    user: str = "xiaoan"
    password: str = field(default_factory=new_token)
    process: Optional[subprocess.Popen] = None

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _connect(self, database: str = "postgres"):
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, password=self.password, dbname=database, connect_timeout=3
        )

    def start(self, databases: List[str], log: Path) -> "Postgres":
        account = _service_account("postgres")
        _private_dir(self.directory, account)
        password_file = self.directory / "password"
        password_file.write_text(self.password, encoding="utf-8")
        if account:
            os.chown(password_file, account.pw_uid, account.pw_gid)
        data = self.directory / "data"
        initdb = _popen(
            [
                program("initdb"),
                "-D",
                str(data),
                "-U",
                self.user,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            log,
            account,
            cwd=self.directory,
        )
        if initdb.wait() != 0:
            raise RuntimeError(f"initdb failed; see {log}")
        password_file.unlink()
        self.process = _popen(
            [
                program("postgres"),
                "-D",
                str(data),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"port={self.port}",
                "-c",
                f"unix_socket_directories={self.directory}",
                "-c",
                "max_connections=300",
            ],
            log,
            account,
            cwd=self.directory,
        )
        _wait_for(lambda: self._connect().close(), self.process, "PostgreSQL", log)
        connection = self._connect()
        connection.autocommit = True
        with connection.cursor() as cursor:
            for database in databases:
                cursor.execute(f'CREATE DATABASE "{database}"')
        connection.close()
        return self

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT)  # "fast" shutdown; SIGTERM waits for clients


@dataclass
class Redis:
    """A Redis server of our own for the lock store: loopback only, password, nothing on disk."""

    directory: Path
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=new_token)
    process: Optional[subprocess.Popen] = None

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=5)

    def start(self, log: Path) -> "Redis":
        account = _service_account("redis")
        _private_dir(self.directory, account)
        # The configuration, password included, goes in on stdin, not the command line.
        config = (
            f"bind 127.0.0.1\nport {self.port}\nprotected-mode yes\nrequirepass {self.password}\n"
            f'save ""\nappendonly no\ndir {self.directory}\ndaemonize no\nlogfile ""\n'
        )
        self.process = _popen([program("redis-server"), "-"], log, account, cwd=self.directory, stdin=subprocess.PIPE)
        self.process.stdin.write(config.encode())
        self.process.stdin.close()
        _wait_for(lambda: self.client().ping(), self.process, "Redis", log)
        return self

    def lock_store_endpoint(self) -> str:
        """The endpoints.yml section for Rasa; the password stays in REDIS_PASSWORD_ENV."""
        return (
            "lock_store:\n  type: chat_store.lock_store.AtomicRedisLockStore\n"
            f"  url: 127.0.0.1\n  port: {self.port}\n  password: ${{{REDIS_PASSWORD_ENV}}}\n"
            f"  key_prefix: {LOCK_KEY_PREFIX}\n"
        )

    def stop(self) -> None:
        _stop(self.process)


def proxy_config(port: int, rasa_ports: List[int], web_port: Optional[int]) -> str:
    """nginx: socket.io sticky by a cookie nginx sets (random the first time), REST on
    any instance; the instances' HTTP API is not exposed. The real client address goes
    to Rasa in X-Real-IP (the per-client limits of hospital read it)."""
    servers = "".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in rasa_ports)
    # Repeated in each location: one proxy_set_header there drops every inherited one.
    headers = "proxy_set_header Host $host;\n            proxy_set_header X-Real-IP $remote_addr;"
    page = f"proxy_pass http://127.0.0.1:{web_port};" if web_port else "return 404;"
    return f"""daemon off;
master_process on;
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    server_tokens off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    map $cookie_{STICKY_COOKIE} $xiaoan_node {{
        "~^[0-9a-f]{{32}}$" $cookie_{STICKY_COOKIE};
        default $request_id;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    upstream rasa_any {{
{servers}    }}
    upstream rasa_sticky {{
        hash $xiaoan_node consistent;
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_read_timeout 120s;
        location /socket.io/ {{
            proxy_pass http://rasa_sticky;
            {headers}
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            add_header Set-Cookie "{STICKY_COOKIE}=$xiaoan_node; Path=/socket.io/; HttpOnly; SameSite=Lax";
        }}
        location /webhooks/ {{
            proxy_pass http://rasa_any;
            {headers}
            proxy_set_header Connection "";
        }}
        location / {{
            {headers}
            {page}
        }}
    }}
}}
"""


@dataclass
class Proxy:
    directory: Path
    port: int = field(default_factory=free_port)
    process: Optional[subprocess.Popen] = None

    def start(self, rasa_ports: List[int], web_port: Optional[int], log: Path) -> "Proxy":
        account = _service_account("nobody")
        _private_dir(self.directory, account)
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            _private_dir(self.directory / "tmp" / name, account)
        config = self.directory / "nginx.conf"
        config.write_text(proxy_config(self.port, rasa_ports, web_port), encoding="utf-8")
        if account:
            os.chown(config, account.pw_uid, account.pw_gid)
        self.process = _popen(
            [program("nginx"), "-p", f"{self.directory}/", "-c", str(config), "-e", "stderr"],
            log,
            account,
            cwd=self.directory,
        )
        _wait_until_up(f"http://127.0.0.1:{self.port}/webhooks/rest/", self.process, "nginx", 60)
        return self

    def stop(self) -> None:
        _stop(self.process)


@dataclass
class Cluster:
    """Everything above, started together and stopped together (a context manager)."""

    instances: int = 2
    port: int = field(default_factory=free_port)
    model: Optional[Path] = None
    with_web_page: bool = False
    token: str = field(default_factory=new_token)  # one HTTP API token for every instance
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="xiaoan-cluster-")))
    nodes: List[Assistant] = field(default_factory=list)
    postgres: Optional[Postgres] = None
    redis: Optional[Redis] = None
    proxy: Optional[Proxy] = None
    web: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.directory / "logs"

    def start(self, timeout: float = 300) -> "Cluster":
        # The servers' own accounts go through this directory to their subdirectories.
        self.directory.chmod(0o711)
        _private_dir(self.logs, None)
        try:
            self.postgres = Postgres(self.directory / "postgres").start(
                ["chats", "hospital"], self.logs / "postgres.log"
            )
            self.redis = Redis(self.directory / "redis").start(self.logs / "redis.log")
            hospital_url, chats_url = self.postgres.url("hospital"), self.postgres.url("chats")
            self._prepare_databases(hospital_url, chats_url)
            origins = f"{self.url},http://localhost:{self.port}"
            self.nodes = [
                Assistant(
                    rasa_port=free_port(),
                    action_port=free_port(),
                    web_port=None,
                    database_url=hospital_url,
                    tracker_db_url=chats_url,
                    token=self.token,
                    model=self.model or latest_model(),
                    log_dir=_private_dir(self.logs / f"instance{i}", None),
                    # Sanic believes the client address nginx sends, so limits count patients, not the proxy.
                    extra_env={ORIGINS_ENV: origins, "SANIC_REAL_IP_HEADER": "x-real-ip"},
                    extra_endpoints=self.redis.lock_store_endpoint(),
                    rasa_env={REDIS_PASSWORD_ENV: self.redis.password},
                )
                for i in range(1, self.instances + 1)
            ]
            with ThreadPoolExecutor(len(self.nodes)) as pool:
                list(pool.map(lambda node: node.start(timeout), self.nodes))
            web_port = self._start_web_page(timeout) if self.with_web_page else None
            self.proxy = Proxy(self.directory / "nginx", port=self.port).start(
                [node.rasa_port for node in self.nodes], web_port, self.logs / "nginx.log"
            )
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _prepare_databases(hospital_url: str, chats_url: str) -> None:
        """Create and seed once, before N servers would each try at the same moment."""
        from hospital import create_hospital
        from chat_store import database

        create_hospital(hospital_url).engine.dispose()
        database.engine(chats_url).dispose()

    def _start_web_page(self, timeout: float) -> int:
        port = free_port()
        log = self.logs / "web.log"
        self.web = _popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "serve_web.py"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--server-url",
                self.url,
            ],
            log,
            None,
            cwd=ROOT,
        )
        _wait_until_up(f"http://127.0.0.1:{port}/", self.web, "web page server", timeout)
        return port

    def running(self) -> Dict[str, bool]:
        """Which parts are still up (instance1…, postgres, redis, nginx)."""
        state = {
            f"instance{i}": "rasa" in node.processes and node.processes["rasa"].poll() is None
            for i, node in enumerate(self.nodes, 1)
        }
        for name, part in (("postgres", self.postgres), ("redis", self.redis), ("nginx", self.proxy)):
            state[name] = bool(part and part.process and part.process.poll() is None)
        return state

    def stop(self) -> None:
        if self.proxy:
            self.proxy.stop()
        _stop(self.web)
        if self.nodes:
            with ThreadPoolExecutor(len(self.nodes)) as pool:  # each may take its graceful-shutdown time
                list(pool.map(Assistant.stop, self.nodes))
        for service in (self.redis, self.postgres):
            if service:
                service.stop()
        # The databases go with the run; the logs stay for reading.
        for data in ("postgres", "redis", "nginx"):
            shutil.rmtree(self.directory / data, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run 小安 as several instances behind nginx (stop with Ctrl-C).")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--port", type=int, default=8000, help="nginx's port on 127.0.0.1")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    missing = missing_packages()
    if missing:
        raise SystemExit(f"Missing Debian packages: {' '.join(missing)} (scripts/env.sh ensure_cluster_packages)")
    cluster = Cluster(
        instances=args.instances, port=args.port, with_web_page=(ROOT / "web" / "dist" / "index.html").exists()
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with cluster:
        token_file = ROOT / ".data" / "cluster_api_token"
        token_file.parent.mkdir(mode=0o700, exist_ok=True)
        token_file.write_text(cluster.token, encoding="utf-8")
        token_file.chmod(0o600)
        logger.info(
            "\n小安 is running as %d instances behind nginx.\n"
            "  Web page:     %s\n"
            "  REST channel: %s/webhooks/rest/webhook\n"
            "  Instances:    %s (HTTP API, token in .data/cluster_api_token)\n"
            "  Logs:         %s\n"
            "Stop one instance to see its conversations go on (kill -9 the pid in `ps`); Ctrl-C stops everything.",
            len(cluster.nodes),
            f"{cluster.url}/" if cluster.web else "(web/dist not built)",
            cluster.url,
            ", ".join(node.rasa_url for node in cluster.nodes),
            cluster.logs,
        )
        try:
            while True:
                state = cluster.running()
                down = [name for name, up in state.items() if not up]
                if all(not state[f"instance{i}"] for i in range(1, len(cluster.nodes) + 1)) or any(
                    name in down for name in ("postgres", "redis", "nginx")
                ):
                    logger.error("%s stopped; see the logs in %s", ", ".join(down), cluster.logs)
                    break
                time.sleep(1)
        except KeyboardInterrupt:
            logger.info("Stopping…")


if __name__ == "__main__":
    main()
