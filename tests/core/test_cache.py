"""The Redis cache shares one connection pool per process across Django's per-task caches."""

from __future__ import annotations

import threading

from rapport.core.cache import SharedPoolRedisCache


def test_cache_objects_of_one_configuration_share_one_client():
    """Django builds a cache object per thread (and per task under ASGI); each used to open
    its own pool: a Redis connection per open websocket."""
    made = []

    def build():
        made.append(SharedPoolRedisCache("redis://127.0.0.1:6379/15", {})._cache)

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other = SharedPoolRedisCache("redis://127.0.0.1:6379/14", {})._cache
    assert len({id(client) for client in made}) == 1
    assert other is not made[0]
