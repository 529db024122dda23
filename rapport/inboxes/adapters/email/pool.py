"""Parsing mail on another core while this process writes the previous ones.

Parsing, quote splitting and reading the headers (trust, machine flags, bounces) are pure
CPU and about a third of the ingest's work; the database writes must stay in the
process that owns the transaction. ``map_ordered`` hands the parsing of a batch to one
worker process (started once, from a clean ``forkserver``, so it inherits no database
connection or thread) and yields the results in order. The caller starts the next
batch's parsing before it writes the current one (``ingest.start_preparing``, used by
the IMAP poll), so writing batch *n* overlaps parsing batch *n + 1*, and no parsing
ever runs while a write transaction is open.

Small batches (a mail from the SMTP listener, a webhook, a retry) and one-core machines
parse inline: a worker is not worth its start-up there. ``RAPPORT_EMAIL_PARSE_POOL=0``
turns the pool off. A worker that dies (a mail that crashes the parser outright) is
replaced; that batch's rest is parsed inline.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
MIN_BATCH = 16  # fewer mails than this are parsed inline
CHUNK = 8  # mails per hand-over to the worker

T = TypeVar("T")
R = TypeVar("R")

_executor: ProcessPoolExecutor | None = None
_guard = threading.Lock()


def enabled() -> bool:
    return os.environ.get("RAPPORT_EMAIL_PARSE_POOL", "1") != "0" and (os.cpu_count() or 1) > 1


def _init_worker(owner_pid: int) -> None:
    die_with(owner_pid)
    import django

    django.setup()


def die_with(owner_pid: int) -> None:
    """End this worker as soon as the process that owns the pool is gone (even by kill -9).

    The worker's parent is the forkserver, not the owner, and the forkserver stays up as
    long as a worker holds its "alive" pipe: without this, a killed Rapport worker left
    both running for good. A thread waits on a pidfd of the owner (Linux) and exits the
    process when the owner ends; ``PR_SET_PDEATHSIG`` covers the forkserver dying.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        owner = os.pidfd_open(owner_pid)
    except ProcessLookupError:
        os._exit(1)  # the owner died before we got here: nobody is waiting for us
    threading.Thread(target=_exit_when_readable, args=(owner,), daemon=True).start()


def _exit_when_readable(pidfd: int) -> None:
    select.select([pidfd], [], [])  # a pidfd becomes readable when its process exits
    os._exit(1)


def _get() -> ProcessPoolExecutor:
    global _executor
    with _guard:
        if _executor is None:
            _executor = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_init_worker,
                initargs=(os.getpid(),),
            )
        return _executor


def _reset() -> None:
    global _executor
    with _guard:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the worker (tests, or a process that is done ingesting)."""
    _reset()


def map_ordered(function: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
    """``function`` over ``items`` in order: in the worker for a large batch, else inline.

    The work starts at the call, not at the first ``next``: in the worker the caller may
    do other work (write the previous batch) while it runs; inline it is done before this
    returns. ``function`` must be importable by name and must not touch the database.
    """
    if len(items) < MIN_BATCH or not enabled():
        return iter([function(item) for item in items])
    try:
        submitted: Iterator[Any] = _get().map(function, items, chunksize=CHUNK)
    except BrokenProcessPool:
        _reset()
        return iter([function(item) for item in items])
    return _collect(function, items, submitted)


def _collect(
    function: Callable[[T], R], items: Sequence[T], submitted: Iterator[Any]
) -> Iterator[R]:
    done = 0
    try:
        for result in submitted:
            yield result
            done += 1
    except BrokenProcessPool:
        logger.warning("the e-mail parse worker died; parsing the rest of the batch here")
        _reset()
        yield from map(function, items[done:])
