"""A fake WeChat for the channel's tests: the server side that calls our webhook the
way WeChat's servers do (signed, optionally encrypted, 5-second limit, retries with
the same MsgId), and the API side our channel calls (access token, customer-service
messages), on a free loopback port."""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from channels.wechat import crypto

WECHAT_TIMEOUT = 5.0  # WeChat drops a reply that takes longer
APPID = "wx0123456789abcdef"
APPSECRET = "test-app-secret"
ACCOUNT = "gh_xiaoan_test"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, like WeChat's


@dataclass
class Answer:
    status: int
    body: str
    seconds: float
    fields: Dict[str, str]  # the decrypted reply's fields; {} for "success"

    @property
    def passive(self) -> bool:
        return self.status == 200 and self.fields.get("MsgType") == "text"

    @property
    def text(self) -> str:
        return self.fields.get("Content", "")


class FakeWeChatServer:
    """What WeChat's servers do to our webhook."""

    def __init__(self, webhook_url: str, token: str, aes_key: Optional[str] = None, appid: str = APPID):
        self.url, self.token = webhook_url, token
        self.crypto = crypto.MessageCrypto(aes_key, appid) if aes_key else None
        # MsgIds are unique across all of WeChat: a repeated one is a retry.
        self._msg_ids = itertools.count(10**15 + secrets.randbelow(10**18))

    def _query(self, extra: Dict[str, str] = (), bad_signature: bool = False) -> Dict[str, str]:
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        signature = crypto.signature(self.token, timestamp, nonce)
        if bad_signature:
            signature = "0" * 40
        return {"signature": signature, "timestamp": timestamp, "nonce": nonce, **dict(extra)}

    def verify(self, echostr: str = "echo-123", bad_signature: bool = False) -> Answer:
        query = self._query({"echostr": echostr}, bad_signature)
        return self._request("GET", query, None)

    def message_xml(self, openid: str, msg_type: str, msg_id: Optional[str] = None, **fields: str) -> str:
        parts = {
            "ToUserName": ACCOUNT,
            "FromUserName": openid,
            "CreateTime": str(int(time.time())),
            "MsgType": msg_type,
            **fields,
        }
        if msg_type != "event":
            parts["MsgId"] = msg_id or str(next(self._msg_ids))
        return "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in parts.items()) + "</xml>"

    def post(
        self, xml: str, bad_signature: bool = False, plaintext: bool = False, bad_msg_signature: bool = False
    ) -> Answer:
        query = self._query(bad_signature=bad_signature)
        body = xml
        if self.crypto and not plaintext:
            encrypt = self.crypto.encrypt(xml)
            msg_signature = crypto.signature(self.token, query["timestamp"], query["nonce"], encrypt)
            if bad_msg_signature:
                msg_signature = "f" * 40
            query.update(encrypt_type="aes", msg_signature=msg_signature, openid="x")
            body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        return self._request("POST", query, body.encode("utf-8"))

    def text(self, openid: str, content: str, msg_id: Optional[str] = None) -> Answer:
        return self.post(self.message_xml(openid, "text", msg_id, Content=content))

    def _request(self, method: str, query: Dict[str, str], body: Optional[bytes]) -> Answer:
        request = urllib.request.Request(
            f"{self.url}?{urllib.parse.urlencode(query)}",
            data=body,
            method=method,
            headers={"Content-Type": "text/xml"},
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=WECHAT_TIMEOUT) as response:
                status, text = response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        seconds = time.monotonic() - started
        return Answer(status, text, seconds, self._fields(text) if status == 200 and method == "POST" else {})

    def _fields(self, text: str) -> Dict[str, str]:
        if not text.startswith("<xml>"):
            return {}
        fields = {child.tag: child.text or "" for child in ET.fromstring(text)}
        if self.crypto:
            assert crypto.signature_matches(
                fields["MsgSignature"], self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
            ), "reply's msg_signature is wrong"
            fields = {child.tag: child.text or "" for child in ET.fromstring(self.crypto.decrypt(fields["Encrypt"]))}
        return fields


class FakeWeChatApi:
    """WeChat's API as our channel calls it: records every customer-service message."""

    def __init__(self, appid: str = APPID, secret: str = APPSECRET):
        self.appid, self.secret = appid, secret
        self.sent: List[Dict[str, Any]] = []
        self.token_requests = 0
        self.expire_next_send = False  # answer the next send with errcode 42001
        self._tokens: List[str] = []
        self._lock = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, payload: Dict[str, Any]) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path != "/cgi-bin/token":
                    return self._json({"errcode": 404, "errmsg": "not found"})
                if query.get("appid") != fake.appid or query.get("secret") != fake.secret:
                    return self._json({"errcode": 40013, "errmsg": "invalid appid"})
                with fake._lock:
                    fake.token_requests += 1
                    token = f"token-{fake.token_requests}"
                    fake._tokens.append(token)
                self._json({"access_token": token, "expires_in": 7200})

            def do_POST(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                with fake._lock:
                    if query.get("access_token") not in fake._tokens[-1:]:
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    if fake.expire_next_send:
                        fake.expire_next_send = False
                        fake._tokens.clear()
                        return self._json({"errcode": 42001, "errmsg": "access_token expired"})
                    fake.sent.append({"path": url.path, "body": body, "at": time.monotonic()})
                    fake._lock.notify_all()
                self._json({"errcode": 0, "errmsg": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "FakeWeChatApi":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def messages_to(self, openid: str) -> List[str]:
        with self._lock:
            return self._messages_to(openid)

    def wait_for(self, openid: str, count: int = 1, timeout: float = 30) -> List[str]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._messages_to(openid)) < count and time.monotonic() < deadline:
                self._lock.wait(timeout=max(0.0, deadline - time.monotonic()))
            return self._messages_to(openid)

    def _messages_to(self, openid: str) -> List[str]:
        return [
            m["body"]["text"]["content"]
            for m in self.sent
            if m["path"] == "/cgi-bin/message/custom/send" and m["body"]["touser"] == openid
        ]


TEST_TOKEN = "xiaoan-wechat-test-token"


def wechat_env(api_base: str) -> Dict[str, str]:
    """The settings a Rasa server under test gets: safe mode, API pointed at the fake."""
    return {
        "WECHAT_TOKEN": TEST_TOKEN,
        "WECHAT_APPID": APPID,
        "WECHAT_APPSECRET": APPSECRET,
        "WECHAT_AES_KEY": AES_KEY,
        "WECHAT_API_BASE": api_base,
    }
