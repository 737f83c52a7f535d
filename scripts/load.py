"""The load mode of scripts/benchmark.py: a stock `rasa init` bot and 小安 measured side
by side, in one run on one machine, by the same load generator.

Each of N simulated patients holds one conversation at a time over the REST channel
(a conversation from the bot's topic mix, picked by weight, under a new sender id),
sending its next message as soon as the reply arrives, until the time or turn budget of
the level is spent. Only loopback addresses are driven. A turn that fails (HTTP error,
timeout, no reply at all) counts as an error, not as a latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import aiohttp

from scripts.serve import Assistant, _wait_until_up, free_port, latest_model, new_token
from scripts.stock_bot import ensure_stock_bot

Mix = Sequence[Tuple[int, Sequence[str]]]  # (weight, the patient's messages in order)

# What patients ask the hospital, roughly in the proportions of a day's chats:
# hospital questions and schedules most, then reports and booking (with identity),
# triage, small talk, and the occasional emergency.
XIAOAN_MIX: Mix = (
    (14, ["医保卡掉了要怎么补办"]),
    (8, ["你好", "停车方便吗，车停哪里"]),
    (8, ["住院押金要交多少"]),
    (6, ["孩子发烧了晚上能看急诊吗"]),
    (10, ["明天心内科还有号吗"]),
    (6, ["李医生这周四上午出诊吗"]),
    (10, ["我上周抽血的结果出来没有", "1000001", "5678"]),
    (4, ["查一下我的报告", "1000003", "7832", "谢谢"]),
    (8, ["我想挂个号", "眼科", "后天", "下午", "普通号"]),
    (4, ["帮我约下周三上午呼吸内科的专家号", "1000002", "6721"]),
    (8, ["我头晕，手脚发麻两天了"]),
    (5, ["嗓子疼，咳嗽，还有点发烧"]),
    (4, ["菜单"]),
    (3, ["谢谢你", "再见"]),
    (2, ["我爸突然说话不清楚，嘴也歪了"]),
    (2, ["转人工"]),
)

# The stock bot's own topics (its domain: greet, mood, bot challenge, goodbye).
STOCK_MIX: Mix = (
    (4, ["hello", "I am sad", "yes"]),
    (4, ["hi there", "I am feeling great"]),
    (2, ["hey", "not good", "no"]),
    (2, ["are you a bot?"]),
    (2, ["bye"]),
)

# /model/parse alone: NLU only, no dialogue, no tracker store.
XIAOAN_PARSE = ["医保卡掉了要怎么补办", "明天心内科还有号吗", "我头晕，手脚发麻两天了", "1000001", "谢谢你"]
STOCK_PARSE = ["hello", "I am sad", "are you a bot?", "I am feeling great", "bye"]


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0

    @property
    def turns_per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _loopback_only(url: str) -> None:
    if urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the load generator drives loopback servers only, not {url}")


async def drive(
    url: str, mix: Mix, concurrency: int, seconds: float, max_turns: int, seed: int = 0, think: float = 0.0
) -> LoadResult:
    """`concurrency` patients talk to `url` for at most `seconds` and `max_turns` turns;
    after each answer a patient reads and types for 0.5–1.5 × `think` seconds (0: at once)."""
    _loopback_only(url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    result = LoadResult(concurrency=concurrency, seconds=0.0)
    turns = 0
    weights = [weight for weight, _ in mix]
    conversations = [messages for _, messages in mix]

    async def patient(session: aiohttp.ClientSession, number: int) -> None:
        nonlocal turns
        chooser = random.Random(seed * 1000 + number)
        if think:  # patients arrive one by one, not all in the same instant
            await asyncio.sleep(chooser.uniform(0, think))
        while loop.time() < deadline and turns < max_turns:
            sender = f"load-{uuid.uuid4().hex[:12]}"
            for text in chooser.choices(conversations, weights)[0]:
                if loop.time() >= deadline or turns >= max_turns:
                    return
                turns += 1
                started = time.perf_counter()
                try:
                    async with session.post(
                        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
                    ) as response:
                        replies = await response.json(content_type=None)
                        ok = response.status == 200 and isinstance(replies, list) and bool(replies)
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                    ok = False
                if ok:
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                else:
                    result.errors += 1
                if think:
                    await asyncio.sleep(chooser.uniform(0.5, 1.5) * think)

    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        await asyncio.gather(*(patient(session, n) for n in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def parse_ms(url: str, token: str, texts: Sequence[str], rounds: int) -> float:
    """Median milliseconds of one `/model/parse`, one request at a time."""
    _loopback_only(url)
    timings = []
    for _ in range(rounds):
        for text in texts:
            request = urllib.request.Request(
                f"{url}/model/parse?token={token}",
                data=json.dumps({"text": text}).encode("utf-8"),
                headers={"Content-Type": "application/json"},
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


@contextlib.contextmanager
def stock_server(directory: Path, model: Path, token: str):
    """The stock bot as `rasa run` serves it by default (in-memory tracker store), on a free port."""
    port = free_port()
    log = open(Path(tempfile.mkdtemp(prefix="stock-logs-")) / "rasa.log", "ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rasa",
            "run",
            "--model",
            str(model),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--enable-api",
            f"--auth-token={token}",
        ],
        cwd=directory,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/", process, "stock Rasa server", 240)
        yield f"http://127.0.0.1:{port}", process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by these processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _row(name: str, result: LoadResult, cpu: float) -> str:
    return (
        f"{name:<7}{result.concurrency:>5}{len(result.latencies_ms):>7}{result.turns_per_second:>9.1f}"
        f"{result.percentile(0.5):>8.0f}{result.percentile(0.95):>8.0f}{result.percentile(0.99):>8.0f}"
        f"{result.errors:>7}{cpu / result.seconds:>8.2f}"
    )


def run(
    levels: Sequence[int], seconds: float, max_turns: int, parse_rounds: int, cluster: int = 0, think: float = 0.0
) -> None:
    """`cluster`: also 小安 as that many instances behind nginx (scripts/cluster.py: PostgreSQL,
    Redis), the way to use more than one core. `think`: patients at a human pace (see drive)."""
    directory, model, train_seconds = ensure_stock_bot()
    print(f"stock bot: {model.name} (rasa init, trained in {train_seconds:.0f} s, cached in {directory})")
    print(f"小安: {latest_model().name}")
    print(f"machine: {os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}")
    database = Path(tempfile.mkdtemp(prefix="xiaoan-load-")) / "hospital.db"
    stock_token = new_token()
    with contextlib.ExitStack() as running:
        stock_url, stock_process = running.enter_context(stock_server(directory, model, stock_token))
        assistant = running.enter_context(
            Assistant(
                rasa_port=free_port(),
                action_port=free_port(),
                web_port=None,
                database_url=f"sqlite:///{database}",
                tracker_db_url=f"sqlite:///{database.parent / 'chats.db'}",
                model=latest_model(),
            )
        )
        bots: Dict[str, Tuple[str, Mix, List[int]]] = {
            "stock": (stock_url, STOCK_MIX, [stock_process.pid]),
            "xiaoan": (assistant.rasa_url, XIAOAN_MIX, [p.pid for p in assistant.processes.values()]),
        }
        if cluster:
            from scripts.cluster import Cluster, missing_packages

            if missing_packages():
                raise SystemExit(
                    f"--cluster needs: {' '.join(missing_packages())} (scripts/env.sh ensure_cluster_packages)"
                )
            group = running.enter_context(Cluster(instances=cluster, model=latest_model()))
            # CPU: the instances' Rasa and action servers (PostgreSQL, Redis and nginx not counted).
            pids = [p.pid for node in group.nodes for p in node.processes.values()]
            bots[f"xiaoan{cluster}"] = (group.url, XIAOAN_MIX, pids)
        # Warm up every model and code path once before measuring.
        for url, mix, _ in bots.values():
            asyncio.run(drive(url, mix, concurrency=len(mix), seconds=60, max_turns=sum(len(m) for _, m in mix)))
        stock_parse = parse_ms(stock_url, stock_token, STOCK_PARSE, parse_rounds)
        xiaoan_parse = parse_ms(assistant.rasa_url, assistant.token, XIAOAN_PARSE, parse_rounds)
        print(
            f"/model/parse alone, median: stock {stock_parse:.1f} ms, 小安 {xiaoan_parse:.1f} ms "
            f"({xiaoan_parse / stock_parse:.1f}x)"
        )
        print(
            f"{'bot':<7}{'conc':>5}{'turns':>7}{'turns/s':>9}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}"
            f"{'cores':>8}   (ms; cores = CPU seconds of the bot's servers per second)"
        )
        for level in levels:
            measured = {}
            # Alternate which bot goes first, so a burst of outside load hits both alike.
            order = list(bots) if levels.index(level) % 2 == 0 else list(reversed(bots))
            for name in order:
                url, mix, pids = bots[name]
                before = cpu_seconds(pids)
                result = asyncio.run(drive(url, mix, level, seconds, max_turns, seed=level, think=think))
                measured[name] = result
                print(_row(name, result, cpu_seconds(pids) - before), flush=True)
            stock = measured.pop("stock")
            ratios = "; ".join(
                f"{name}/stock turns/s {result.turns_per_second / stock.turns_per_second:.2f}, "
                f"p95 {result.percentile(0.95) / stock.percentile(0.95):.2f}x"
                for name, result in measured.items()
            )
            print(f"  {level} concurrent: {ratios}; load average now {os.getloadavg()[0]:.2f}")
