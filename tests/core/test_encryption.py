"""Secrets at rest: encrypted under a key of their own, readable under old keys until
rewritten, and a wrong key is an ``Undecryptable``, never garbage."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.config.env import ConfigError, env_key, env_secret_list
from rapport.core import encryption

KEY_A = "a" * 16 + "-first-key-of-32-chars"
KEY_B = "b" * 16 + "-second-key-of-32-chars"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def use_keys(settings, current: str, old: list[str] | None = None) -> None:
    settings.RAPPORT_ENCRYPTION_KEY = current
    settings.RAPPORT_ENCRYPTION_OLD_KEYS = old or []


def test_a_value_is_stored_as_ciphertext_and_reads_back(settings):
    use_keys(settings, KEY_A)

    stored = encryption.encrypt(TOTP_SECRET)

    assert stored.startswith("fernet:")
    assert TOTP_SECRET not in stored
    assert TOTP_SECRET.lower() not in stored.lower()
    assert encryption.decrypt(stored) == TOTP_SECRET
    assert encryption.encrypt(TOTP_SECRET) != stored  # a fresh IV each time


def test_without_a_dedicated_key_the_key_comes_from_secret_key_under_its_own_label(settings):
    use_keys(settings, "")
    settings.SECRET_KEY = KEY_A

    stored = encryption.encrypt(TOTP_SECRET)

    assert encryption.configured_keys().source == "SECRET_KEY"
    use_keys(settings, KEY_A)  # the same secret as a dedicated key: the same derived key
    assert encryption.decrypt(stored) == TOTP_SECRET
    assert encryption.derive_key(KEY_A) != encryption.derive_key(KEY_B)


def test_a_wrong_key_cannot_read_and_says_so(settings):
    use_keys(settings, KEY_A)
    stored = encryption.encrypt(TOTP_SECRET)
    use_keys(settings, KEY_B)

    with pytest.raises(encryption.Undecryptable):
        encryption.decrypt(stored)
    with pytest.raises(encryption.Undecryptable):
        encryption.decrypt(TOTP_SECRET)  # plain text is not silently accepted
    with pytest.raises(encryption.Undecryptable):
        encryption.decrypt("fernet:not-a-token")


def test_rotation_reads_old_values_and_rewrites_them_under_the_new_key(settings):
    use_keys(settings, KEY_A)
    old = encryption.encrypt(TOTP_SECRET)

    use_keys(settings, KEY_B, old=[KEY_A])
    assert encryption.decrypt(old) == TOTP_SECRET
    assert not encryption.decrypts_with_current_key(old)
    fresh = encryption.reencrypt(old)
    assert encryption.decrypts_with_current_key(fresh)

    use_keys(settings, KEY_B)  # the old key dropped: the rewritten value still reads
    assert encryption.decrypt(fresh) == TOTP_SECRET
    with pytest.raises(encryption.Undecryptable):
        encryption.decrypt(old)


def test_djangos_secret_key_fallbacks_are_old_keys_without_a_dedicated_key(settings):
    use_keys(settings, "")
    settings.SECRET_KEY = KEY_A
    stored = encryption.encrypt(TOTP_SECRET)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, [KEY_A]

    assert encryption.decrypt(stored) == TOTP_SECRET
    assert encryption.decrypts_with_current_key(encryption.reencrypt(stored))


def test_a_short_key_stops_the_start_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("RAPPORT_ENCRYPTION_KEY", "too-short")

    with pytest.raises(
        ConfigError, match=r"at least 32 characters \(it has 9\).*secrets.token_urlsafe"
    ):
        env_key("RAPPORT_ENCRYPTION_KEY", min_length=32)


def test_old_keys_are_read_from_commas_new_lines_or_a_file(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("RAPPORT_ENCRYPTION_OLD_KEYS", f" {KEY_A}, {KEY_B} ,")
    assert env_secret_list("RAPPORT_ENCRYPTION_OLD_KEYS") == [KEY_A, KEY_B]

    keys = tmp_path / "old-keys"
    keys.write_text(f"{KEY_A}\n{KEY_B}\n")
    monkeypatch.setenv("RAPPORT_ENCRYPTION_OLD_KEYS_FILE", str(keys))
    assert env_secret_list("RAPPORT_ENCRYPTION_OLD_KEYS") == [KEY_A, KEY_B]
