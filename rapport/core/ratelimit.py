"""A fixed-window rate limit on the shared cache (local memory, or Redis when scaled out)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

# (key, limit, window in seconds)
Rule = tuple[str, int, int]


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, set the proxy to overwrite REMOTE_ADDR; X-Forwarded-For is forgeable.
    return str(request.META.get("REMOTE_ADDR", "unknown"))


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
        counts = _count_on_redis(store, windowed)
    else:
        counts = [_count_in_cache(key, window) for key, _limit, window in windowed]
    return [count <= limit for count, (_key, limit, _window) in zip(counts, windowed, strict=True)]


def _count_in_cache(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window + 1)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        return 1


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
