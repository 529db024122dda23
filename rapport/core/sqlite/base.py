"""Django's SQLite backend, with write transactions queued on a lock in this process.

SQLite has one writer at a time; Rapport starts every transaction with ``BEGIN
IMMEDIATE`` so writers queue at the start instead of failing halfway. But SQLite's own
queue is a sleeping busy handler: a writer that finds the database locked sleeps 1, 2, 5,
10… ms and looks again, and with several web threads most of their time went to those
sleeps (the ingest benchmark: 185 messages/s with four threads, 325 with one). Threads of
one process now wait on a lock of this process instead and start the moment the
previous transaction commits. Other processes (a separate worker) still meet SQLite's
busy handler, as before.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


def _write_lock(name: str) -> threading.RLock:
    with _locks_guard:
        return _locks.setdefault(name, threading.RLock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holding: threading.RLock | None = None

    def _start_transaction_under_autocommit(self) -> None:
        lock = _write_lock(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked (waited for another transaction)")
        self._holding = lock
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._let_go()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._let_go()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._let_go()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._let_go()

    def _let_go(self) -> None:
        lock, self._holding = self._holding, None
        if lock is not None:
            lock.release()
