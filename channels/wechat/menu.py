"""The account's custom menu (channels/wechat/menu.yml): the JSON for WeChat's menu
API (printed by scripts/wechat_menu.py), and what each click says to the bot."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, List

import yaml

MENU_FILE = Path(__file__).with_name("menu.yml")


@functools.lru_cache(maxsize=None)
def _entries() -> List[Dict[str, Any]]:
    with open(MENU_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["menu"]


def _click(item: Dict[str, Any]) -> Dict[str, str]:
    return {"type": "click", "name": item["name"], "key": item["key"]}


def menu_json() -> Dict[str, Any]:
    return {
        "button": [
            {"name": entry["name"], "sub_button": [_click(item) for item in entry["items"]]}
            if "items" in entry
            else _click(entry)
            for entry in _entries()
        ]
    }


def click_says() -> Dict[str, str]:
    """EventKey -> what the click says to the bot."""
    items = [item for entry in _entries() for item in entry.get("items", [entry])]
    return {item["key"]: item["says"] for item in items}
