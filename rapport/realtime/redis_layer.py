"""channels_redis' layer, with a group send in two Redis round trips instead of four.

``RedisChannelLayer.group_send`` drops expired members, reads the members, drops expired
messages of every member channel, then runs its Lua script: four round trips one after
the other, each waiting for the event loop that serves every socket. A chat message
sends to two or three groups, so at 100 messages/s that was over a thousand waits a
second on the visitors' process (bench/realtime.py, two processes through Redis).
Here the first two go in one pipeline and the per-channel clean-up runs inside the
script, which does the rest exactly as before (capacity check, ZADD, EXPIRE).

Each process waits for its pushes with a blocking BZPOPMIN of ``brpop_timeout`` (5 s),
and redis-py 8 gives up reading after 5 s by default, so when a busy loop came back to
the answer a little late the read timed out and took the socket's consumer down with it
(2-6 sockets a run of the benchmark). A late read now just waits again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# KEYS: the member channels' keys. ARGV: one message per key, one capacity per key,
# then the current time and the message expiry (seconds).
GROUP_SEND = """
local over_capacity = 0
local current_time = ARGV[#ARGV - 1]
local expiry = ARGV[#ARGV]
local oldest = math.floor(tonumber(current_time)) - tonumber(expiry)
for i=1,#KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, oldest)
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
        redis.call('ZADD', KEYS[i], current_time, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


class RedisChannelLayerWithFewerRoundTrips(RedisChannelLayer):
    async def _brpop_with_clean(self, index: int, channel: str, timeout: float) -> Any:
        try:
            return await super()._brpop_with_clean(index, channel, timeout)
        except RedisTimeoutError:
            # The answer to the blocking wait was read late (see above). Waiting again
            # keeps the socket; before, its consumer died with this error.
            logger.warning("late read of a blocking wait on Redis (%s); waiting again", channel)
            return None  # as if the wait had ended empty: receive waits again

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert self.require_valid_group_name(group), "Group name not valid"
        key = self._group_key(group)
        connection = self.connection(self.consistent_hash(group))
        pipeline = connection.pipeline(transaction=False)
        pipeline.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)
        pipeline.zrange(key, 0, -1)
        _dropped, members = await pipeline.execute()
        channel_names = [member.decode("utf8") for member in members]
        if not channel_names:
            return
        by_connection, messages, capacities = self._map_channel_keys_to_connection(
            channel_names, message
        )
        for index, channel_keys in by_connection.items():
            arguments = [messages[k] for k in channel_keys] + [capacities[k] for k in channel_keys]
            arguments += [time.time(), self.expiry]
            over_capacity = await self.connection(index).eval(
                GROUP_SEND, len(channel_keys), *channel_keys, *arguments
            )
            if over_capacity > 0:
                logger.info(
                    "%s of %s channels over capacity in group %s",
                    over_capacity,
                    len(channel_names),
                    group,
                )
