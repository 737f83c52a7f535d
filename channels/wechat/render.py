"""Bot messages as WeChat text: buttons become numbered choices ("回复 1 上午"), and
the web page's cards (triage, lab table, emergency) become readable lines."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from hospital.facts import facts

# WeChat's limit for one text message is 2048 bytes; keep a margin.
MAX_TEXT_BYTES = 2000

_NUMBER = re.compile(r"^\s*(?:回复|选|第)?\s*(\d{1,2})\s*(?:号|个)?\s*[.。、]?\s*$")


@functools.lru_cache(maxsize=None)
def texts() -> Dict[str, Any]:
    with open(Path(__file__).with_name("texts.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def say(key: str, **values: Any) -> str:
    return texts()[key].format(**values)


@dataclass
class Rendered:
    blocks: List[str] = field(default_factory=list)
    choices: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.blocks)


def choices(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The buttons of one bot turn, in the order they are numbered."""
    return [button for message in messages for button in (message.get("buttons") or [])]


def render(messages: List[Dict[str, Any]]) -> Rendered:
    """One bot turn (Rasa's collected messages: text, buttons, custom) as text blocks."""
    out = Rendered()
    said = "\n".join(m.get("text") or "" for m in messages)
    for message in messages:
        data = (message.get("custom") or {}).get("data") or {}
        text = message.get("text") or ""
        lines: List[str] = []
        if data.get("lab_report"):
            heading = text.splitlines()[0] if text else data["lab_report"].get("title", "")
            lines += [heading, *_lab_lines(data["lab_report"])]
        elif text:
            lines.append(text)
        for button in message.get("buttons") or []:
            out.choices.append(button)
            lines.append(say("choice", number=len(out.choices), title=button.get("title", "")))
        if data.get("triage") and data["triage"].get("department"):
            triage = data["triage"]
            urgency = texts()["urgency"].get(triage.get("urgency"), texts()["urgency"]["unknown"])
            lines.append(say("triage_card", department=triage["department"], urgency=urgency))
        emergency = data.get("emergency")
        if emergency and (emergency.get("message") or "") not in said:
            lines.append(
                say(
                    "emergency_card",
                    title=emergency.get("title", ""),
                    message=emergency.get("message", ""),
                    phone=emergency.get("phone") or facts().emergency.phone,
                )
            )
        if lines:
            out.blocks.append("\n".join(lines))
    return out


def _lab_lines(report: Dict[str, Any]) -> List[str]:
    lines = []
    for row in report.get("results") or []:
        unit = f" {row['unit']}" if row.get("unit") else ""
        flag = f" {row['flag']}" if row.get("flag") else ""
        line = say(
            "lab_row",
            name=row.get("name", ""),
            value=row.get("value", ""),
            unit=unit,
            flag=flag,
            range=row.get("range", ""),
        )
        if row.get("critical"):
            line += texts()["lab_critical"]
        lines.append(line)
    lines.append(texts()["lab_legend"])
    return lines


def is_pick(text: str) -> bool:
    """A reply that is just a choice number ("1", "２", "选3")."""
    return bool(_NUMBER.match(unicodedata.normalize("NFKC", text or "")))


def picked(text: str, shown: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The button a reply like "1" or "２" picks among the last ones shown, if any."""
    match = _NUMBER.match(unicodedata.normalize("NFKC", text or ""))
    if not match or not shown:
        return None
    number = int(match.group(1))
    return shown[number - 1] if 1 <= number <= len(shown) else None


def pack(blocks: List[str], limit: int = MAX_TEXT_BYTES) -> List[str]:
    """Blocks joined into as few WeChat messages as fit, in order; a block too long
    for one message is split between lines."""
    pieces: List[str] = []
    for block in blocks:
        pieces += _split(block, limit) if _size(block) > limit else [block]
    messages: List[str] = []
    for piece in pieces:
        if messages and _size(messages[-1]) + 2 + _size(piece) <= limit:
            messages[-1] += "\n\n" + piece
        else:
            messages.append(piece)
    return messages


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _split(block: str, limit: int) -> List[str]:
    parts: List[str] = []
    for line in block.split("\n"):
        while _size(line) > limit:  # one enormous line: cut by characters
            cut = len(line.encode("utf-8")[:limit].decode("utf-8", "ignore"))
            parts.append(line[:cut])
            line = line[cut:]
        if parts and _size(parts[-1]) + 1 + _size(line) <= limit:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return parts
