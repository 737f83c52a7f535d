"""A stock `rasa init` bot, the yardstick the load benchmark measures 小安 against.

Created with `rasa init --no-prompt` and trained once per Rasa version, cached under
`.data/benchmark/stock-rasa-<version>/` (with how long its training took), so a rerun of
the benchmark does not retrain. Served as `rasa run` serves it by default: REST channel,
in-memory tracker store, no action server (its stories use responses only).

    python -m scripts.stock_bot      # create and train it now (prints the training time)
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger(__name__)


def rasa_version() -> str:
    from rasa.version import __version__

    return __version__


def stock_dir() -> Path:
    return ROOT / ".data" / "benchmark" / f"stock-rasa-{rasa_version()}"


def stock_model(directory: Path) -> Path | None:
    models = sorted((directory / "models").glob("*.tar.gz"))
    return models[-1] if models else None


def ensure_stock_bot() -> tuple:
    """(project directory, model, training seconds); creates and trains it the first time."""
    directory = stock_dir()
    info = directory / "benchmark.json"
    model = stock_model(directory)
    if model is not None and info.exists():
        return directory, model, json.loads(info.read_text())["train_seconds"]
    if directory.exists():
        shutil.rmtree(directory)  # an interrupted earlier attempt
    directory.mkdir(parents=True)  # `rasa init --init-dir` wants it to exist
    logger.info("creating and training a stock `rasa init` bot in %s (once per Rasa version)", directory)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(directory)],
        cwd=directory.parent,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    seconds = time.perf_counter() - started
    model = stock_model(directory)
    if model is None:
        raise RuntimeError(f"`rasa init` trained no model in {directory}")
    info.write_text(json.dumps({"train_seconds": seconds, "rasa": rasa_version()}))
    return directory, model, seconds


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    directory, model, seconds = ensure_stock_bot()
    logger.info("stock bot: %s, trained in %.0f s", model, seconds)
