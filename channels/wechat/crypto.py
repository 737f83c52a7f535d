"""WeChat's message signatures and safe-mode (安全模式) encryption.

Signatures: SHA1 over the sorted strings (token, timestamp, nonce) for every request,
and over (token, timestamp, nonce, Encrypt) as `msg_signature` in safe mode.

Safe mode: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[:16], PKCS#7
padding to 32-byte blocks; plaintext = 16 random bytes + 4-byte big-endian length +
message + AppID.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(ValueError):
    """A message that does not decrypt, or was meant for another account."""


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(signature(*parts), (expected or "").lower())


class MessageCrypto:
    def __init__(self, encoding_aes_key: str, appid: str):
        try:
            self.key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error as error:
            raise ValueError("WECHAT_AES_KEY is not a 43-character EncodingAESKey") from error
        if len(self.key) != 32:
            raise ValueError("WECHAT_AES_KEY is not a 43-character EncodingAESKey")
        self.appid = appid

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str, random16: bytes | None = None) -> str:
        body = message.encode("utf-8")
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8")
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
            decryptor = self._cipher().decryptor()
            plain = decryptor.update(data) + decryptor.finalize()
        except (binascii.Error, ValueError) as error:
            raise CryptoError("message does not decrypt") from error
        pad = plain[-1] if plain else 0
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("message too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, appid = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length or appid.decode("utf-8", "replace") != self.appid:
            raise CryptoError("message for another account")
        return body.decode("utf-8")
