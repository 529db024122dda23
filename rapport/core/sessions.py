"""Django's database sessions, with only a hash of each session's key stored.

The session cookie *is* the key Django's own store keeps in ``django_session``, so whoever
read a database backup could put any live key in a cookie and be that person — past the
password and two-factor sign-in. Here the row's key is a hash of the cookie's: the cookie
still finds its row, the row no longer makes a cookie. The cookie's key has 165 random
bits, so a fast hash is enough (as for API tokens). ``SESSION_ENGINE`` names this module;
migration ``core.0002_totp_hashed_session_keys`` hashed the keys stored before.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

# django_session.session_key is 40 characters wide: 160 bits of SHA-256, in hex.
STORED_KEY_LENGTH = 40


def stored_key(session_key: str) -> str:
    """The key a session's row is stored under, for the key in its cookie."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:STORED_KEY_LENGTH]


class SessionStore(DatabaseSessionStore):
    """Every method that takes or writes a key hashes it; the rest is Django's."""

    def _get_session_from_db(self) -> Any:
        found = self.model.objects.filter(
            session_key=stored_key(self.session_key or ""), expire_date__gt=timezone.now()
        ).first()
        if found is None:
            self._session_key = None
        return found

    async def _aget_session_from_db(self) -> Any:
        found = await self.model.objects.filter(
            session_key=stored_key(self.session_key or ""), expire_date__gt=timezone.now()
        ).afirst()
        if found is None:
            self._session_key = None
        return found

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_key(session_key)).exists())

    async def aexists(self, session_key: str) -> bool:
        return bool(await self.model.objects.filter(session_key=stored_key(session_key)).aexists())

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        row = super().create_model_instance(data)
        row.session_key = stored_key(row.session_key)
        return row

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        row = await super().acreate_model_instance(data)
        row.session_key = stored_key(row.session_key)
        return row

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            self.model.objects.filter(session_key=stored_key(key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            await self.model.objects.filter(session_key=stored_key(key)).adelete()
