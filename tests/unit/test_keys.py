"""Keys outside the database: derived per purpose, stable, file created owner-only."""

from __future__ import annotations

import stat

import pytest

from security import keys


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    monkeypatch.setattr(keys, "KEY_FILE", tmp_path / "data" / "secret.key")
    keys.reset_cache()
    yield tmp_path / "data" / "secret.key"
    keys.reset_cache()


def test_key_file_is_created_owner_only_and_reused(key_file):
    first = keys.keyed_hash("otp", "123456")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    keys.reset_cache()
    assert keys.keyed_hash("otp", "123456") == first


def test_purposes_get_different_keys(key_file):
    assert keys.keyed_hash("otp", "1000001") != keys.keyed_hash("log", "1000001")
    token = keys.fernet("tracker").encrypt(b"x")
    with pytest.raises(Exception):
        keys.fernet("other").decrypt(token)
    assert keys.fernet("tracker").decrypt(token) == b"x"


def test_environment_key_wins(key_file, monkeypatch):
    monkeypatch.setenv(keys.KEY_ENV, "from-the-environment")
    keys.reset_cache()
    assert keys.master_key() == b"from-the-environment"
    assert not key_file.exists()
