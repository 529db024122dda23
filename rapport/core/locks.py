"""Locks that expire, held in the cache (Redis when scaled out, memory on one machine),
and locks held by a database transaction (``transaction_lock``).

A job that must not overlap itself (the IMAP poll) takes one. Unlike a plain "set if
empty" key, it cannot outlive its holder for good: it expires after ``ttl`` unless the
holder keeps it alive, only its owner releases it, and a restarted worker frees at once
the locks that a killed process on the same machine left behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(name: str) -> str:
    return f"rapport:lock:{name}"


class ExpiringLock:
    """A held lock; ``keep()`` pushes its expiry back while the work goes on."""

    def __init__(self, name: str, ttl: timedelta) -> None:
        self.name = name
        self.ttl = ttl
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"

    def acquire(self) -> bool:
        return bool(cache.add(_key(self.name), self.owner, timeout=self.ttl.total_seconds()))

    def held(self) -> bool:
        return bool(cache.get(_key(self.name)) == self.owner)

    def keep(self) -> None:
        if self.held():
            cache.touch(_key(self.name), timeout=self.ttl.total_seconds())

    def release(self) -> None:
        if self.held():  # after an expiry another holder may own it: leave theirs alone
            cache.delete(_key(self.name))


@contextmanager
def expiring_lock(name: str, *, ttl: timedelta) -> Iterator[ExpiringLock | None]:
    """Yield the held lock, or None when someone else holds it (then skip the work)."""
    lock = ExpiringLock(name, ttl)
    if not lock.acquire():
        yield None
        return
    try:
        yield lock
    finally:
        lock.release()


def free_if_holder_died(name: str) -> bool:
    """Free ``name`` if a process of this machine that no longer runs holds it."""
    owner = cache.get(_key(name))
    if not isinstance(owner, str) or owner.count(":") < 2:
        return False
    host, pid, _ = owner.rsplit(":", 2)
    if host != socket.gethostname() or not pid.isdigit() or _running(int(pid)):
        return False
    if cache.get(_key(name)) == owner:
        cache.delete(_key(name))
        logger.warning("freed the lock %r of process %s, which is gone", name, pid)
        return True
    return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def transaction_lock(name: str) -> bool:
    """Wait until no other transaction holds ``name``, then hold it until this one ends;
    False when the database needs no such lock.

    A PostgreSQL advisory lock, for work whose conflict no row lock can catch because the
    row does not exist yet (two transactions each opening a customer's first
    conversation). SQLite needs none: its writers already take turns (``core/sqlite``).
    Call it inside a transaction.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, signed=True)])
    return True
