"""A fixed-window rate limit on the shared cache (local memory, or Redis when scaled out)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, set the proxy to overwrite REMOTE_ADDR; X-Forwarded-For is forgeable.
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; return False once more than ``limit`` hits fell in the window."""
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{key}:{window}"
    cache.add(cache_key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit
