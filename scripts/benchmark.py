"""Speed and memory of the running assistant: start-up time, reply latency per kind
of message through REST (p50/p95/max), how long another patient waits while a very
long message is handled, and resident memory of each server.

    python -m scripts.benchmark [--rounds 5] [--long-chars 20000]

Load mode: a stock `rasa init` bot (scripts/stock_bot.py, trained once per Rasa version)
and 小安 side by side in one run, each driven over REST by the same load generator at
1, 5 and 20 concurrent conversations (turns/s, p50/p95/p99 ms, errors), with
`/model/parse` alone and the stock bot's training time:

    python -m scripts.benchmark --load [--levels 1,5,20] [--seconds 30] [--max-turns 3000] [--cluster 2]

Starts its own servers on free loopback ports against a throw-away database and stops
them. Prints figures; asserts nothing (goals live here, not in timed tests).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict

from scripts.serve import Assistant, free_port, latest_model

CONVERSATIONS = {
    "greeting": ["你好"],
    "faq": ["医保卡丢了怎么办"],
    "schedule": ["后天心内科还有号吗"],
    "booking": ["帮我约下周三上午呼吸内科的专家号", "1000001"],
    "triage": ["我头晕，手脚发麻两天了"],
    "red flag": ["我爸突然说话不清楚，嘴歪了"],
}
LONG_UNIT = "我爸突然胸口剧痛，喘不上气，满头大汗。"


def say(url: str, sender: str, text: str) -> float:
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def long_message_and_bystander(url: str, chars: int) -> tuple:
    """(ms for a message of `chars` characters, ms for another patient's 你好 sent
    50 ms after it, while it is being handled)."""
    text = (LONG_UNIT * (chars // len(LONG_UNIT) + 1))[:chars]
    timings: Dict[str, Any] = {}
    sender = threading.Thread(target=lambda: timings.update(long=say(url, f"bench-{uuid.uuid4().hex[:8]}", text)))
    sender.start()
    time.sleep(0.05)
    other = say(url, f"bench-{uuid.uuid4().hex[:8]}", "你好")
    sender.join()
    return timings["long"], other


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--long-chars", type=int, default=20000)
    parser.add_argument("--load", action="store_true", help="stock bot and 小安 side by side under load")
    parser.add_argument("--levels", default="1,5,20", help="concurrent conversations, comma-separated")
    parser.add_argument("--seconds", type=float, default=30, help="time budget of each level and bot")
    parser.add_argument("--max-turns", type=int, default=3000, help="turn budget of each level and bot")
    parser.add_argument("--parse-rounds", type=int, default=20)
    parser.add_argument("--cluster", type=int, default=0, help="with --load: also 小安 as N instances behind nginx")
    parser.add_argument(
        "--think", type=float, default=0.0, help="with --load: seconds a patient takes to read and type (0: at once)"
    )
    args = parser.parse_args()
    if args.load:
        from scripts import load

        load.run(
            [int(n) for n in args.levels.split(",")],
            args.seconds,
            args.max_turns,
            args.parse_rounds,
            args.cluster,
            args.think,
        )
        return
    database = Path(tempfile.mkdtemp(prefix="xiaoan-bench-")) / "hospital.db"
    started = time.perf_counter()
    with Assistant(
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=None,
        database_url=f"sqlite:///{database}",
        tracker_db_url=f"sqlite:///{database.parent / 'chats.db'}",
        model=latest_model(),
    ) as assistant:
        print(f"start-up (action server + Rasa server with model): {time.perf_counter() - started:.1f} s")
        say(assistant.rasa_url, "warm-up", "你好")
        print(f"{'message kind':<14}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
        for kind, messages in CONVERSATIONS.items():
            timings = []
            for _ in range(args.rounds):
                sender = f"bench-{uuid.uuid4().hex[:8]}"
                timings += [say(assistant.rasa_url, sender, text) for text in messages]
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
            print(f"{kind:<14}{statistics.median(timings):>9.0f}{p95:>9.0f}{max(timings):>9.0f}")
        for _ in range(args.rounds):
            long_ms, other_ms = long_message_and_bystander(assistant.rasa_url, args.long_chars)
            print(
                f"long message ({args.long_chars:,} chars) {long_ms:.0f} ms; "
                f"another patient's 你好 meanwhile {other_ms:.0f} ms"
            )
        for name, process in assistant.processes.items():
            print(f"memory {name}: {rss_mb(process.pid):.0f} MB resident")


if __name__ == "__main__":
    main()
