"""Limits on password guessing and on password-reset mails (issue 21, hole 7).

Sign-in is limited twice:

- **per account**, by the address typed (whether or not a seat has it, so the limit
  itself tells nothing): after ``FREE_FAILURES`` wrong passwords in a row, each further
  attempt must wait twice as long as the last (2 s, 4 s, … at most ``MAX_WAIT``), from any
  network. A right password resets it. Guessing one account from many addresses no longer
  gets more tries.
- **per network address**, counting only *failed* attempts, so an office behind one
  address is not locked out by its own people signing in, while one address spraying
  passwords over many accounts is.

Password-reset mails are limited per address typed and per network address; over the
per-account limit the page answers exactly as if the mail had gone (nothing to learn),
over the per-network limit it answers 429.

Counters live in the shared cache (Redis when scaled out), keyed by a hash of the address.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

from rapport.core.ratelimit import hit, seconds_left_in_window

FREE_FAILURES = 5  # wrong passwords before the first wait
MAX_WAIT = 15 * 60
FAILURE_MEMORY = 24 * 3600  # a run of failures is forgotten a day after the last one
IP_FAILURES = (50, 15 * 60)  # failed sign-ins per network address per window
RESETS_PER_ACCOUNT = (3, 3600)
RESETS_PER_IP = (10, 3600)


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not even checked, and when to come back."""

    retry_after: int
    reason: str  # "account" or "network"


def _account_keys(address: str) -> tuple[str, str]:
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{digest}", f"login-last:{digest}"


def _ip_key(ip: str) -> str:
    window = IP_FAILURES[1]
    return f"login-failures-ip:{ip}:{int(time.time() // window)}"


def _incr(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def wait_after(failures: int) -> int:
    """Seconds an account must wait after ``failures`` wrong passwords in a row."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_WAIT, 2 ** (failures - FREE_FAILURES + 1))


def begin_sign_in(*, address: str, ip: str) -> Refusal | None:
    """Count an attempt before its password is checked; a Refusal if it must wait.

    The attempt is counted as a failure up front (``note_success`` forgets it), with an
    atomic increment: parallel guesses each get their own number, so a burst of them
    cannot all slip through before the first failure is written down.
    """
    if int(cache.get(_ip_key(ip), 0)) >= IP_FAILURES[0]:
        return Refusal(retry_after=seconds_left_in_window(IP_FAILURES[1]), reason="network")
    count_key, last_key = _account_keys(address)
    number = _incr(count_key, FAILURE_MEMORY)
    now = time.time()
    wait = wait_after(number - 1) - (now - float(cache.get(last_key, 0.0)))
    if wait > 0:
        cache.decr(count_key)  # a refused attempt is not a guess
        return Refusal(retry_after=math.ceil(wait), reason="account")
    cache.set(last_key, now, timeout=FAILURE_MEMORY)
    return None


def note_failure(*, ip: str) -> None:
    """A wrong password: the account was counted already, the network is counted now."""
    _incr(_ip_key(ip), IP_FAILURES[1] + 1)


def note_success(*, address: str) -> None:
    cache.delete_many(list(_account_keys(address)))


def reset_mail_allowed(*, address: str, ip: str) -> tuple[bool, bool]:
    """(may this network ask at all, may a mail go to this address) — both counted."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    ip_ok = hit(f"reset:ip:{ip}", limit=RESETS_PER_IP[0], window_seconds=RESETS_PER_IP[1])
    account_ok = hit(
        f"reset:acct:{digest}", limit=RESETS_PER_ACCOUNT[0], window_seconds=RESETS_PER_ACCOUNT[1]
    )
    return ip_ok, account_ok
