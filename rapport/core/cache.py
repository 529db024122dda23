"""Django's Redis cache with one connection pool per process.

Django keeps a cache object per thread, and under ASGI per task: every websocket
consumer that touched the cache (presence, rate limits) built its own ``RedisCache``
with its own connection pool, so a thousand open widget sockets held a thousand Redis
connections and ~35 KiB of memory each (bench/realtime.py). redis-py's pools are
thread-safe; here every cache object of one configuration shares one client.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any, ClassVar

from django.core.cache.backends.redis import RedisCache


class SharedPoolRedisCache(RedisCache):
    _clients: ClassVar[dict[str, Any]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._configuration = repr((server, sorted(params.get("OPTIONS", {}).items())))

    @cached_property
    def _cache(self) -> Any:
        with self._lock:
            client = self._clients.get(self._configuration)
            if client is None:
                client = RedisCache._cache.func(self)  # type: ignore[attr-defined]  # Django's own
                self._clients[self._configuration] = client
        return client


def _cache_away_errors() -> tuple[type[Exception], ...]:
    try:
        from redis.exceptions import RedisError
    except ImportError:  # one machine: local memory, which cannot be away
        return (OSError,)
    return (RedisError, OSError)


# What the shared cache raises when Redis cannot be reached (refused, reset, timed out):
# callers that can do without the cache for a moment catch these and degrade.
CACHE_AWAY = _cache_away_errors()
