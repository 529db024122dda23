"""A fixed-window rate limit on the shared cache (local memory, or Redis when scaled out).

When Redis cannot be reached the limit *fails open* onto a count in this process's
memory: a visitor's message must still be stored (it was refused with a 500 and lost
before), and a script is still held to the same numbers per process. Across processes
the limit is looser while Redis is away — the trade for not turning people away.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from django.core.cache import BaseCache, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from rapport.core.cache import CACHE_AWAY

logger = logging.getLogger(__name__)

# Counts while Redis is away: bounded (LocMemCache culls the oldest third when full).
_local = LocMemCache("rapport-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 20_000}})
WARN_EVERY = 60.0  # seconds between "Redis is away" warnings, so the log is not flooded
_last_warning = 0.0

# (key, limit, window in seconds)
Rule = tuple[str, int, int]


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, set the proxy to overwrite REMOTE_ADDR; X-Forwarded-For is forgeable.
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def seconds_left_in_window(window_seconds: int) -> int:
    """When a fixed window ends: what a 429's ``Retry-After`` says."""
    return max(1, window_seconds - int(time.time()) % window_seconds)


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; return False once more than ``limit`` hits fell in the window."""
    return all(hit_all([(key, limit, window_seconds)]))


def hit_all(rules: Sequence[Rule]) -> list[bool]:
    """Count one hit on each rule's key; per rule, whether its key is still within limit.

    Every key is counted even when an earlier one is over: a script refused by one limit
    still uses up the others. On Redis all of them go in one round trip (a chat message
    checks four), instead of two per key through the cache API.
    """
    now = time.time()
    windowed = [(f"rl:{key}:{int(now // window)}", limit, window) for key, limit, window in rules]
    store = caches["default"]  # ``cache`` is a proxy to it; isinstance needs the real one
    if isinstance(store, RedisCache):
        counts = _count_on_redis_or_here(store, windowed)
    else:
        counts = [_count_in_cache(cache, key, window) for key, _limit, window in windowed]
    return [count <= limit for count, (_key, limit, _window) in zip(counts, windowed, strict=True)]


def _count_in_cache(store: BaseCache, key: str, window: int) -> int:
    store.add(key, 0, timeout=window + 1)
    try:
        return int(store.incr(key))
    except ValueError:  # expired between add and incr
        store.set(key, 1, timeout=window + 1)
        return 1


def _count_on_redis_or_here(store: RedisCache, windowed: Sequence[Rule]) -> list[int]:
    try:
        return _count_on_redis(store, windowed)
    except CACHE_AWAY as error:
        _warn(error)
        return [_count_in_cache(_local, key, window) for key, _limit, window in windowed]


def _warn(error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY:
        _last_warning = now
        logger.warning("rate limits counted in this process: Redis is unreachable (%s)", error)


def _count_on_redis(store: RedisCache, windowed: Sequence[Rule]) -> list[int]:
    """SET NX with the window's expiry, then INCR, for every key, pipelined."""
    keys = [store.make_and_validate_key(key) for key, _limit, _window in windowed]
    client = store._cache.get_client(keys[0], write=True)
    pipeline = client.pipeline(transaction=False)
    for key, (_key, _limit, window) in zip(keys, windowed, strict=True):
        pipeline.set(key, 0, ex=window + 1, nx=True)
        pipeline.incr(key)
    answers = pipeline.execute()
    return [int(count) for count in answers[1::2]]
