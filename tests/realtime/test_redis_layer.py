"""The Redis layer's two-round-trip group send delivers what channels_redis' own would."""

from __future__ import annotations

import asyncio
import os

import pytest
import redis

from rapport.realtime.redis_layer import RedisChannelLayerWithFewerRoundTrips
from tests.availability import could_not_run

REDIS_SERVER = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
URL = REDIS_SERVER.rsplit("/", 1)[0] + "/14"  # our own database number, flushed here


@pytest.fixture
def layer():
    client = redis.Redis.from_url(URL, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.ConnectionError:
        could_not_run(f"Redis not reachable at {URL}: the Redis layer test could not run")
    yield RedisChannelLayerWithFewerRoundTrips(hosts=[URL], capacity=2, expiry=60)
    client.flushdb()


def test_group_send_reaches_every_member_in_order_up_to_capacity(layer):
    async def scenario():
        first = await layer.new_channel()
        second = await layer.new_channel()
        await layer.group_add("inbox.1", first)
        await layer.group_add("inbox.1", second)
        for n in range(3):  # capacity 2: the third is dropped, as channels_redis does
            await layer.group_send("inbox.1", {"type": "rapport.push", "n": n})
        await layer.group_send("nobody.here", {"type": "rapport.push", "n": 9})
        got = {
            name: [(await layer.receive(name))["n"] for _ in range(2)] for name in (first, second)
        }
        await layer.flush()
        return got

    got = asyncio.run(scenario())
    assert list(got.values()) == [[0, 1], [0, 1]]


def test_a_late_read_of_the_blocking_wait_waits_again(layer, monkeypatch, caplog):
    """redis-py 8 times a read out after 5 s, as long as the layer's wait: that must not
    end the receive (it took the socket's consumer down with it)."""
    parent = RedisChannelLayerWithFewerRoundTrips.__mro__[1]
    real_wait = parent._brpop_with_clean
    late = [True]

    async def late_once(self, index, channel, timeout):
        if late.pop() if late else False:
            raise redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")
        return await real_wait(self, index, channel, timeout)

    monkeypatch.setattr(parent, "_brpop_with_clean", late_once)

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add("visitor.1", channel)
        await layer.group_send("visitor.1", {"type": "rapport.push", "n": 1})
        got = await asyncio.wait_for(layer.receive(channel), timeout=10)
        await layer.flush()
        return got

    assert asyncio.run(scenario())["n"] == 1
    assert "late read" in caplog.text
