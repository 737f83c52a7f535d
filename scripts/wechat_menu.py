"""Print the custom menu of 小安's WeChat official account as the JSON WeChat's menu
API takes (paste it into the 公众平台's API debugger), or `--create` it on the account
through the API (needs WECHAT_TOKEN, WECHAT_APPID and WECHAT_APPSECRET).

    python -m scripts.wechat_menu            # print
    python -m scripts.wechat_menu --create   # print and create
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from typing import List, Optional

from channels.wechat.menu import menu_json

logger = logging.getLogger("wechat_menu")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="The WeChat custom menu of 小安's official account.")
    parser.add_argument("--create", action="store_true", help="also create it through /cgi-bin/menu/create")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    menu = menu_json()
    sys.stdout.write(json.dumps(menu, ensure_ascii=False, indent=2) + "\n")
    if args.create:
        from channels.wechat.api import WeChatApi
        from channels.wechat.config import WeChatConfig

        config = WeChatConfig.from_env(os.environ)
        if not config or not config.can_send:
            raise SystemExit("Set WECHAT_TOKEN, WECHAT_APPID and WECHAT_APPSECRET to create the menu.")
        asyncio.run(WeChatApi(config.api_base, config.appid, config.appsecret).create_menu(menu))
        logger.info("Menu created on the official account.")


if __name__ == "__main__":
    main()
