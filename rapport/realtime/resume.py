"""Open sockets catch up after this process's channel-layer subscription was cut.

On Redis the channel layer is pub/sub: a push published while this process is cut off
from Redis (Redis restarting, a network blip) is gone for it, and its sockets stay open
without knowing they missed something. Clients already catch up when they *reconnect*
(the widget and the agent page ask for everything after their last id), so once the
subscription works again this process closes its sockets with 1012 ("service restart")
and they reconnect and resume.

How the cut is noticed: channels_redis 4.3 takes ``on_disconnect``/``on_reconnect``
arguments but never calls them, and redis-py re-subscribes silently, so there is no hook
to listen to. Instead a probe uses only the public channel-layer API: every
``PROBE_SECONDS`` the process sends itself one message through a group of its own (the
same PUBLISH → subscription path every push takes) and checks that it came back. A probe
that fails or does not come back within ``PROBE_TIMEOUT`` marks a cut; the first probe
that comes back after one closes the sockets. A cut shorter than the probe interval in
which no push was due misses nothing; one with a push that failed to publish *here* is
reported by ``layer`` (``note_lost_push``) and counts as a cut as well.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from typing import Any, Protocol

logger = logging.getLogger(__name__)

PROBE_SECONDS = 1.0
PROBE_TIMEOUT = 2.0
CLOSE_RESUME = 1012  # "service restart": clients reconnect and ask for what they missed


class Closable(Protocol):
    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None: ...


_open: weakref.WeakSet[Any] = weakref.WeakSet()  # sockets of this process
_state = {"cut": False}
_watchers: dict[int, asyncio.Task[None]] = {}  # per event loop (tests run several)


def opened(socket: Closable) -> None:
    _open.add(socket)


def closed(socket: Closable) -> None:
    _open.discard(socket)


def note_lost_push() -> None:
    """A push could not be published from this process: treat it as a cut."""
    _state["cut"] = True


def watch(layer: Any) -> None:
    """Start the probe on the running loop, once (pub/sub layers only)."""
    loop = asyncio.get_running_loop()
    if id(loop) not in _watchers:
        _watchers[id(loop)] = loop.create_task(_probe_forever(layer))


def stop_watching() -> None:
    """Tests run each case in a new loop: stop the probes of the loops they leave."""
    for task in _watchers.values():
        if not task.get_loop().is_closed():
            task.get_loop().call_soon_threadsafe(task.cancel)
    _watchers.clear()
    _state["cut"] = False


async def _probe_forever(layer: Any) -> None:
    channel = await layer.new_channel("rapport.probe.")
    group = f"rapport.probe.{uuid.uuid4().hex}"
    await layer.group_add(group, channel)
    came_back = {"n": 0}
    receiver = asyncio.ensure_future(_receive_probes(layer, channel, came_back))
    try:
        n = 0
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            n += 1
            if await _probe(layer, group, n, came_back):
                if _state["cut"]:
                    await _catch_up()
            elif not _state["cut"]:
                _state["cut"] = True
                logger.warning("channel layer subscription cut; sockets will resume after it")
    finally:
        receiver.cancel()


async def _receive_probes(layer: Any, channel: str, came_back: dict[str, int]) -> None:
    # Never cancelled while probing: channels_redis unsubscribes a channel whose receive
    # is cancelled, which would end the probe for good.
    while True:
        message = await layer.receive(channel)
        came_back["n"] = max(came_back["n"], int(message.get("n", 0)))


async def _probe(layer: Any, group: str, n: int, came_back: dict[str, int]) -> bool:
    try:
        await asyncio.wait_for(layer.group_send(group, {"type": "probe", "n": n}), PROBE_TIMEOUT)
    except Exception:  # Redis away: the publish fails (connection refused, timeout)
        return False
    deadline = time.monotonic() + PROBE_TIMEOUT
    while came_back["n"] < n and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return came_back["n"] >= n


async def _catch_up() -> None:
    _state["cut"] = False
    sockets = list(_open)
    logger.warning("channel layer subscription back: closing %d sockets to resume", len(sockets))
    for socket in sockets:
        try:
            await socket.close(code=CLOSE_RESUME)
        except Exception:  # already closing
            logger.debug("a socket closed before it could be asked to resume")
