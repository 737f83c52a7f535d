"""WeChat's formats: signatures, safe-mode encryption, the message XML, and the bot's
messages rendered as WeChat text; and the custom menu."""

from __future__ import annotations

import base64
import hashlib
import json
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wechat import crypto, render
from channels.wechat.menu import click_says, menu_json
from channels.wechat.messages import BadMessage, Inbound, parse_xml, text_reply
from scripts import wechat_menu

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx0123456789abcdef"


# -- signatures and encryption ------------------------------------------------------------


def test_signature_is_sha1_over_the_sorted_parts():
    expected = hashlib.sha1("".join(sorted(["tok", "1409304348", "xxxxxx"])).encode()).hexdigest()
    assert crypto.signature("tok", "1409304348", "xxxxxx") == expected
    assert crypto.signature_matches(expected.upper(), "xxxxxx", "tok", "1409304348")
    assert not crypto.signature_matches(expected, "tok", "1409304349", "xxxxxx")
    assert not crypto.signature_matches("", "tok", "1409304348", "xxxxxx")


def test_encryption_follows_wechats_layout():
    box = crypto.MessageCrypto(AES_KEY, APPID)
    encrypted = box.encrypt("<xml>你好</xml>", random16=b"R" * 16)
    key = base64.b64decode(AES_KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    body = "<xml>你好</xml>".encode()
    assert len(plain) % 32 == 0  # PKCS#7 to 32-byte blocks, not AES's 16
    pad = plain[-1]
    assert plain[-pad:] == bytes([pad]) * pad
    assert plain[:-pad] == b"R" * 16 + struct.pack(">I", len(body)) + body + APPID.encode()
    assert box.decrypt(encrypted) == "<xml>你好</xml>"


def test_decryption_refuses_other_accounts_and_tampering():
    box = crypto.MessageCrypto(AES_KEY, APPID)
    other = crypto.MessageCrypto(AES_KEY, "wxanotheraccount000")
    with pytest.raises(crypto.CryptoError):
        box.decrypt(other.encrypt("hello"))
    raw = bytearray(base64.b64decode(box.encrypt("hello")))
    raw[-1] ^= 0xFF
    with pytest.raises(crypto.CryptoError):
        box.decrypt(base64.b64encode(bytes(raw)).decode())
    with pytest.raises(crypto.CryptoError):
        box.decrypt("not base64!")


def test_a_wrong_length_aes_key_is_refused():
    with pytest.raises(ValueError):
        crypto.MessageCrypto("tooshort", APPID)


# -- XML -------------------------------------------------------------------------------------

TEXT_XML = (
    b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oPatient]]></FromUserName>"
    b"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    b"<Content><![CDATA[\xe4\xbd\xa0\xe5\xa5\xbd]]></Content><MsgId>1234567890123456</MsgId></xml>"
)


def test_text_message_is_read():
    inbound = Inbound.from_fields(parse_xml(TEXT_XML))
    assert (inbound.openid, inbound.account, inbound.msg_type, inbound.content) == ("oPatient", "gh_1", "text", "你好")
    assert inbound.dedup_key == "msg:1234567890123456"


def test_events_are_keyed_by_sender_and_create_time():
    fields = {
        "FromUserName": "oP",
        "ToUserName": "gh",
        "MsgType": "event",
        "CreateTime": "17",
        "Event": "CLICK",
        "EventKey": "BOOK",
    }
    inbound = Inbound.from_fields(fields)
    assert inbound.event == "click" and inbound.dedup_key == "event:oP:17:click:BOOK"
    assert Inbound.from_fields({**fields, "CreateTime": "18"}).dedup_key != inbound.dedup_key


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b"<root><a>1</a></root>",
        b'<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        b"<xml>" + b"x" * 70000 + b"</xml>",
    ],
)
def test_bodies_that_are_not_wechat_messages_are_refused(body):
    with pytest.raises(BadMessage):
        parse_xml(body)


def test_a_message_without_sender_is_refused():
    with pytest.raises(BadMessage):
        Inbound.from_fields({"MsgType": "text", "Content": "hi"})


def test_reply_xml_keeps_any_text_intact():
    xml = text_reply("oPatient", "gh_1", "看这里]]><b>粗</b>&", now=1700000000)
    fields = parse_xml(xml.encode())
    assert fields["Content"] == "看这里]]><b>粗</b>&"
    assert (fields["ToUserName"], fields["FromUserName"], fields["MsgType"], fields["CreateTime"]) == (
        "oPatient",
        "gh_1",
        "text",
        "1700000000",
    )


# -- rendering ---------------------------------------------------------------------------------


def test_buttons_are_numbered_across_the_whole_turn():
    turn = [
        {"text": "想约哪天？", "buttons": [{"title": "周三", "payload": "周三"}, {"title": "周四", "payload": "周四"}]},
        {"text": "或者：", "buttons": [{"title": "转人工", "payload": "转人工"}]},
    ]
    rendered = render.render(turn)
    assert rendered.text == "想约哪天？\n回复 1 周三\n回复 2 周四\n\n或者：\n回复 3 转人工"
    assert [b["payload"] for b in rendered.choices] == [b["payload"] for b in render.choices(turn)]


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("1", "a"),
        (" 2 ", "b"),
        ("２", "b"),
        ("3。", "c"),
        ("选3", "c"),
        ("回复 1", "a"),
        ("第2个", "b"),
        ("4", None),
        ("0", None),
        ("1000001", None),
        ("1号楼在哪", None),
        ("", None),
    ],
)
def test_a_number_picks_a_button(reply, expected):
    shown = [{"title": t, "payload": t} for t in "abc"]
    button = render.picked(reply, shown)
    assert (button or {}).get("payload") == expected


def test_nothing_is_picked_when_no_buttons_were_shown():
    assert render.picked("1", []) is None


def test_lab_table_reads_as_lines_with_critical_values_marked():
    message = {
        "text": "生化（11-24 报告，心内科开单）\n钾 6.8 mmol/L ↑（参考 3.5-5.3）",
        "custom": {
            "data": {
                "lab_report": {
                    "title": "生化",
                    "results": [
                        {
                            "name": "钾",
                            "value": "6.8",
                            "unit": "mmol/L",
                            "range": "3.5-5.3",
                            "flag": "↑",
                            "critical": True,
                        },
                        {
                            "name": "钠",
                            "value": "140",
                            "unit": "mmol/L",
                            "range": "137-147",
                            "flag": None,
                            "critical": False,
                        },
                    ],
                }
            }
        },
    }
    text = render.render([message]).text
    assert text.splitlines() == [
        "生化（11-24 报告，心内科开单）",
        "· 钾：6.8 mmol/L ↑（参考 3.5-5.3） 【危急值】",
        "· 钠：140 mmol/L（参考 137-147）",
        "↑ 偏高　↓ 偏低。结果请以医生解读为准。",
    ]


def test_triage_card_reads_as_a_line():
    message = {"custom": {"data": {"triage": {"department": "呼吸内科", "urgency": "today", "reason": "…"}}}}
    assert render.render([message]).text == "【导诊建议】建议科室：呼吸内科（建议今日就诊）"


def test_emergency_card_is_not_repeated_after_its_own_text():
    said = {"text": "可能是中风，马上拨打120。\n等待急救时：不要喂水"}
    card = {
        "custom": {"data": {"emergency": {"title": "疑似中风", "message": "可能是中风，马上拨打120。", "phone": "120"}}}
    }
    assert render.render([said, card]).text == said["text"]
    alone = render.render([card]).text
    assert alone == "⚠ 疑似中风\n可能是中风，马上拨打120。\n请立即拨打 120"


def test_menu_card_and_unknown_payloads_add_nothing():
    assert render.render([{"custom": {"data": {"menu": {"categories": []}}}}, {"custom": {"x": 1}}]).blocks == []


def test_long_replies_are_packed_into_wechat_sized_messages_in_order():
    blocks = ["甲" * 300, "乙" * 300, "丙" * 300]  # 900 bytes each
    assert render.pack(blocks) == ["甲" * 300 + "\n\n" + "乙" * 300, "丙" * 300]
    long_block = "\n".join(f"第{i}行" + "字" * 100 for i in range(20))
    packed = render.pack([long_block])
    assert all(len(m.encode()) <= render.MAX_TEXT_BYTES for m in packed) and len(packed) > 1
    assert "\n".join(packed) == long_block
    huge = "字" * 2000
    assert "".join(render.pack([huge])) == huge


# -- menu ------------------------------------------------------------------------------------


def test_menu_fits_wechats_limits_and_every_click_says_something():
    menu = menu_json()
    assert 1 <= len(menu["button"]) <= 3
    for button in menu["button"]:
        assert len(button["name"].encode()) <= 16
        for sub in button.get("sub_button", []):
            assert sub["type"] == "click" and len(sub["name"].encode()) <= 60
        assert len(button.get("sub_button", [])) <= 5
    keys = [sub["key"] for b in menu["button"] for sub in b.get("sub_button", [b])]
    assert set(keys) == set(click_says())
    assert {"BOOK", "REPORTS", "TRIAGE", "CONSULT"} <= set(keys)


def test_menu_script_prints_the_json(capsys):
    wechat_menu.main([])
    assert json.loads(capsys.readouterr().out) == menu_json()
