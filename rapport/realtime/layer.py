"""Sending to channel-layer groups from synchronous code (subscribers, adapters, jobs).

The in-memory layer keeps asyncio queues that belong to the server's event loop; putting
into them from another thread's loop would not wake the consumer. So when the server's
loop is known (a websocket consumer records it on connect) sync code hands the send to
that loop; otherwise (a separate worker process, which only makes sense with Redis) it
runs its own loop through ``async_to_sync``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

HANDLER = "rapport.push"  # the consumers' ``rapport_push`` method receives every push
SEND_TIMEOUT = 5.0

_server_loop: asyncio.AbstractEventLoop | None = None

Payload = dict[str, Any]


def remember_loop() -> None:
    """Called from the server's event loop by every consumer that connects."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()


def envelope(data: Payload, exclude: str = "") -> Payload:
    """``exclude``: a channel name that must not get its own typing signal back."""
    return {"type": HANDLER, "data": data, "exclude": exclude}


async def asend(groups: list[str], data: Payload, exclude: str = "") -> None:
    """Send ``data`` to every group; from async code."""
    layer = get_channel_layer()
    if layer is None or not groups:
        return
    message = envelope(data, exclude)
    await asyncio.gather(*(layer.group_send(group, message) for group in groups))


Push = tuple[list[str], Payload]


async def _send_all(pushes: list[Push]) -> None:
    await asyncio.gather(*(asend(groups, data) for groups, data in pushes))


def send(groups: list[str], data: Payload) -> None:
    """Send ``data`` to every group; from sync code (never from inside an event loop)."""
    send_each([(groups, data)])


def send_each(pushes: list[Push]) -> None:
    """Several sends in one hop to the event loop (each hop costs a thread switch)."""
    pushes = [(groups, data) for groups, data in pushes if groups]
    if not pushes:
        return
    loop = _server_loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        # Wait for the loop to take the sends: a send cut off when a loop closes can leave
        # the Redis layer's connection lock held. The loop is free while a sync request
        # runs in its thread, so this is quick.
        asyncio.run_coroutine_threadsafe(_send_all(pushes), loop).result(timeout=SEND_TIMEOUT)
    else:
        async_to_sync(_send_all)(pushes)
