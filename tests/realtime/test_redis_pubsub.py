"""What the realtime code relies on from the Redis pub/sub channel layer (settings).

Two layer objects stand for two server processes: a push sent to a group on one reaches
every member channel on the other, in the order sent, and a channel that left its group
gets nothing more.
"""

from __future__ import annotations

import asyncio
import os

import pytest
import redis
from channels_redis.pubsub import RedisPubSubChannelLayer

from rapport.config.env import redis_database
from tests.availability import could_not_run

REDIS_SERVER = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def processes():
    try:
        redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=3).ping()
    except redis.ConnectionError:
        could_not_run(f"Redis not reachable at {REDIS_SERVER}: the pub/sub test could not run")
    # A prefix of its own: no other test's or server's pushes reach these channels.
    return [RedisPubSubChannelLayer(hosts=[REDIS_SERVER], prefix="rapport-test") for _ in "ab"]


def test_a_group_send_reaches_the_members_on_the_other_process_in_order(processes):
    visitors_process, agents_process = processes

    async def scenario():
        agent = await agents_process.new_channel()
        other_agent = await agents_process.new_channel()
        await agents_process.group_add("inbox.1", agent)
        await agents_process.group_add("inbox.1", other_agent)
        for n in range(50):
            await visitors_process.group_send("inbox.1", {"type": "rapport.push", "n": n})
        got = {
            name: [(await agents_process.receive(name))["n"] for _ in range(50)]
            for name in (agent, other_agent)
        }
        await visitors_process.flush()
        await agents_process.flush()
        return got

    got = asyncio.run(asyncio.wait_for(scenario(), timeout=20))
    assert list(got.values()) == [list(range(50)), list(range(50))]


def test_a_channel_that_left_its_group_gets_nothing_more(processes):
    visitors_process, agents_process = processes

    async def scenario():
        leaving = await agents_process.new_channel()
        staying = await agents_process.new_channel()
        for channel in (leaving, staying):
            await agents_process.group_add("inbox.2", channel)
        await agents_process.group_discard("inbox.2", leaving)
        await visitors_process.group_send("inbox.2", {"type": "rapport.push", "n": 1})
        got = await agents_process.receive(staying)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(agents_process.receive(leaving), timeout=0.5)
        await visitors_process.flush()
        await agents_process.flush()
        return got

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=20))["n"] == 1


def test_installations_on_different_redis_databases_never_hear_each_other():
    """Pub/sub ignores database numbers, so the settings put the number in the prefix."""
    assert redis_database("redis://127.0.0.1:6379/15") == 15
    assert redis_database("redis://:secret@cache.internal:6379") == 0
    assert redis_database("redis://127.0.0.1:6379?db=3") == 3
    assert redis_database("unix:///run/redis.sock?db=2") == 2
    try:
        redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=3).ping()
    except redis.ConnectionError:
        could_not_run(f"Redis not reachable at {REDIS_SERVER}: the pub/sub test could not run")
    ours, theirs = (
        RedisPubSubChannelLayer(hosts=[REDIS_SERVER], prefix=f"rapport.{n}.") for n in (14, 15)
    )

    async def scenario():
        agent = await ours.new_channel()
        await ours.group_add("inbox.1", agent)
        await theirs.group_send("inbox.1", {"type": "rapport.push", "n": "theirs"})
        await RedisPubSubChannelLayer(hosts=[REDIS_SERVER], prefix="rapport.14.").group_send(
            "inbox.1", {"type": "rapport.push", "n": "ours"}
        )
        got = await ours.receive(agent)
        await ours.flush()
        await theirs.flush()
        return got

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=20))["n"] == "ours"
