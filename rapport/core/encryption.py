"""Secrets kept in the database, encrypted at rest: whoever reads a backup gets ciphertext.

One place encrypts every stored secret (a two-factor secret today). Values are Fernet
tokens (AES-128-CBC with an HMAC-SHA256, from ``cryptography``) behind a short prefix, so a
stored value says what it is and a migration can tell old plain values from new ones.

The key is ``RAPPORT_ENCRYPTION_KEY`` (any random string of 32 characters or more), or,
when that is not set, ``SECRET_KEY``, so an installation that never heard of it keeps
working. Either way the Fernet key is derived with HKDF under a label of its own, so it is
never the same bytes as Django's signing key. Rotation: the new key is
``RAPPORT_ENCRYPTION_KEY``, the old ones go in ``RAPPORT_ENCRYPTION_OLD_KEYS`` (read, never
written) until ``rapport reencrypt`` has rewritten every value under the new key. Without a
dedicated key, Django's own ``SECRET_KEY_FALLBACKS`` are the old keys.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "fernet:"
# The HKDF label: the key for data at rest differs from every other use of the same secret.
PURPOSE = b"rapport: secrets stored in the database, v1"


class Undecryptable(Exception):
    """A stored value that no configured key opens (a changed key, or not encrypted)."""


@dataclass(frozen=True)
class Keys:
    """The configured keys, newest first, and where the newest came from."""

    current: str
    old: tuple[str, ...]
    source: str  # "RAPPORT_ENCRYPTION_KEY" or "SECRET_KEY", for messages to the operator


def configured_keys() -> Keys:
    from django.conf import settings

    if settings.RAPPORT_ENCRYPTION_KEY:
        old = tuple(settings.RAPPORT_ENCRYPTION_OLD_KEYS)
        return Keys(settings.RAPPORT_ENCRYPTION_KEY, old, "RAPPORT_ENCRYPTION_KEY")
    fallbacks = tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    return Keys(
        settings.SECRET_KEY, (*settings.RAPPORT_ENCRYPTION_OLD_KEYS, *fallbacks), "SECRET_KEY"
    )


def encrypt(plain: str) -> str:
    """``plain`` encrypted under the current key, as text for a database column."""
    return PREFIX + _fernet().encrypt(plain.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    """The plain text of a value from ``encrypt``, under the current key or an old one."""
    return _open(stored, _fernet())


def decrypts_with_current_key(stored: str) -> bool:
    """Whether ``stored`` is already under the current key (``rapport check``, reencrypt)."""
    try:
        _open(stored, _fernets((configured_keys().current,)))
    except Undecryptable:
        return False
    return True


def reencrypt(stored: str) -> str:
    """``stored`` under the current key, for a rotation; raises ``Undecryptable``."""
    return encrypt(decrypt(stored))


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def derive_key(secret: str) -> bytes:
    """The Fernet key for one configured secret: HKDF-SHA256 under ``PURPOSE``."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def _open(stored: str, fernet: MultiFernet) -> str:
    if not is_encrypted(stored):
        raise Undecryptable("the value is not encrypted")
    try:
        return fernet.decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise Undecryptable("no configured key opens this value") from None


def _fernet() -> MultiFernet:
    keys = configured_keys()
    return _fernets((keys.current, *keys.old))


@lru_cache(maxsize=8)
def _fernets(secrets: tuple[str, ...]) -> MultiFernet:
    # Cached by the keys themselves, so a changed setting (a test, a reload) is seen at once.
    return MultiFernet([Fernet(derive_key(secret)) for secret in secrets])
