"""The fixed-window limit counts every rule in one go, on local memory and on Redis."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from rapport.core.ratelimit import hit, hit_all


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_each_rule_is_counted_and_answered_on_its_own():
    rules = [("tight", 2, 60), ("loose", 5, 60)]
    assert hit_all(rules) == [True, True]
    assert hit_all(rules) == [True, True]
    assert hit_all(rules) == [False, True]  # the third hit is over the tight limit only
    # An over-limit key still counts: scripts keep using up the other limits.
    assert hit_all(rules) == [False, True]
    assert hit_all(rules) == [False, True]
    assert hit_all(rules) == [False, False]


def test_windows_are_per_key_and_hit_is_one_rule():
    assert hit("a", limit=1, window_seconds=60)
    assert not hit("a", limit=1, window_seconds=60)
    assert hit("b", limit=1, window_seconds=60)


def test_the_window_expires_in_the_store():
    hit("expiring", limit=1, window_seconds=1)
    keys = [k for k in _stored_keys() if "expiring" in k]
    assert keys, "the counter is in the cache"


def _stored_keys():
    if isinstance(caches["default"], RedisCache):
        client = cache._cache.get_client(write=False)
        keys = [k.decode() for k in client.keys("*rl:*")]
        assert all(0 < client.ttl(k) <= 2 for k in keys), "each counter expires with its window"
        return keys
    return list(cache._cache)  # LocMemCache's own dict


def _unreachable_redis() -> dict[str, dict[str, object]]:
    """A Redis cache on a port nobody listens on: every command fails to connect."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }


def test_without_redis_the_limit_fails_open_onto_a_count_in_this_process(caplog):
    from django.test import override_settings

    from rapport.core import ratelimit

    ratelimit._local.clear()
    with override_settings(CACHES=_unreachable_redis()):
        assert isinstance(caches["default"], RedisCache)
        answers = [hit("redis-away", limit=3, window_seconds=60) for _ in range(5)]

    # Let through (no exception, no refusal of people) up to the limit, then held back
    # by the local count: a script cannot use Redis being away to flood.
    assert answers == [True, True, True, False, False]
    assert "Redis is unreachable" in caplog.text
    ratelimit._local.clear()
