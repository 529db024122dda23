"""Sending to channel-layer groups from synchronous code (subscribers, adapters, jobs).

The in-memory layer keeps asyncio queues that belong to the server's event loop; putting
into them from another thread's loop would not wake the consumer. So when the server's
loop is known (the ASGI entry point records it) sync code hands its sends to that loop;
otherwise (a separate worker process, which only makes sense with Redis) it runs its own
loop through ``async_to_sync``.

Handing over does not wait: a request thread must not stall on websocket fan-out (it did,
~1 ms per message, in the ingest benchmark). One task on the server loop takes whatever
has been handed over and sends it: to each group in the order handed over, so a client
never sees message 2 before message 1, and to different groups at the same time. Sending
one push after the other had every chat message wait for all earlier ones' Redis round
trips, which at 100 messages/s was more than one loop could do.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from rapport.realtime import resume

logger = logging.getLogger(__name__)

HANDLER = "rapport.push"  # the consumers' ``rapport_push`` method receives every push

Payload = dict[str, Any]
Push = tuple[list[str], Payload]

_server_loop: asyncio.AbstractEventLoop | None = None
_pending: asyncio.Queue[list[Push]] | None = None  # lives on _server_loop
_sender: asyncio.Task[None] | None = None  # kept referenced: asyncio holds tasks weakly
_own_loop: asyncio.AbstractEventLoop | None = None  # start_own_loop's, in a worker


def remember_loop() -> None:
    """Called from the server's event loop (the ASGI entry point, for every connection)."""
    global _server_loop, _pending, _sender
    loop = asyncio.get_running_loop()
    if loop is _server_loop:
        return
    _server_loop = loop
    _pending = asyncio.Queue()
    _sender = loop.create_task(_send_in_order(_pending))
    channel_layer = get_channel_layer()
    if channel_layer is not None and not isinstance(channel_layer, InMemoryChannelLayer):
        resume.watch(channel_layer)  # pub/sub: sockets resume after a cut subscription


def start_own_loop() -> None:
    """For a process with no server loop (``rapport worker``): one event loop on a thread
    of its own takes the pushes, as a server's loop would. Without it each send ran on a
    new loop (``async_to_sync``) and opened a new Redis connection: a sixth of a
    processed webhook's time in a worker (bench/webhooks.py). Pushes still waiting when
    the process stops are lost, like a server's; agents' pages resume from their last id.
    """
    if _server_loop is not None:
        return
    ready = threading.Event()

    def run() -> None:
        global _server_loop, _pending, _sender, _own_loop
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        _own_loop = loop
        _pending = asyncio.Queue()
        _sender = loop.create_task(_send_in_order(_pending))
        _server_loop = loop
        loop.call_soon(ready.set)
        loop.run_forever()

    threading.Thread(target=run, name="push-sender", daemon=True).start()
    ready.wait(10)


def forget_loop() -> None:
    """Tests run each case in a new loop; the next one must not hand over to a closed one."""
    global _server_loop, _pending, _sender
    if _sender is not None and _server_loop is not None and not _server_loop.is_closed():
        _server_loop.call_soon_threadsafe(_sender.cancel)
        if _server_loop is _own_loop:  # start_own_loop's: its thread ends with it
            _server_loop.call_soon_threadsafe(_server_loop.stop)
    _server_loop = _pending = _sender = None
    resume.stop_watching()


async def _send_in_order(pending: asyncio.Queue[list[Push]]) -> None:
    while True:
        handed_over = [await pending.get()]
        while not pending.empty():
            handed_over.append(pending.get_nowait())
        pushes = [push for pushes in handed_over for push in pushes]
        try:
            await _send_all(pushes)
        except Exception:  # a broken layer must not stop the pushes that follow
            logger.exception("could not push to %s", [groups for groups, _ in pushes])
            resume.note_lost_push()  # this process's sockets resume once the layer is back


async def _send_to_group(group: str, pushes: list[Payload]) -> None:
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send(group, batch_envelope(pushes))


def envelope(data: Payload, exclude: str = "") -> Payload:
    """One layer message carrying one push. ``exclude``: a channel name that must not get
    its own typing signal back."""
    return batch_envelope([{"data": data, "exclude": exclude}])


def batch_envelope(pushes: list[Payload]) -> Payload:
    """One layer message carrying several pushes to one group, to be delivered in order.

    Under load a hot group (an inbox's agents) gets many pushes while the previous send
    is still on its way; one group send for all of them costs one set of Redis round
    trips instead of one per push.
    """
    return {"type": HANDLER, "pushes": pushes}


async def asend(groups: list[str], data: Payload, exclude: str = "") -> None:
    """Send ``data`` to every group; from async code."""
    layer = get_channel_layer()
    if layer is None or not groups:
        return
    message = envelope(data, exclude)
    await asyncio.gather(*(layer.group_send(group, message) for group in groups))


async def _send_all(pushes: list[Push]) -> None:
    """Each group's pushes in one layer message, in order; the groups side by side."""
    if get_channel_layer() is None:
        return
    per_group: dict[str, list[Payload]] = {}
    for groups, data in pushes:
        push = {"data": data, "exclude": ""}
        for group in groups:
            per_group.setdefault(group, []).append(push)
    # Every group is tried even when one fails; then the first failure is raised.
    sent = await asyncio.gather(
        *(_send_to_group(g, messages) for g, messages in per_group.items()),
        return_exceptions=True,
    )
    for outcome in sent:
        if isinstance(outcome, BaseException):
            raise outcome


def may_have_listeners(groups: list[str]) -> bool:
    """False only when certain that no socket is in any of ``groups``.

    Certain only for the in-memory layer, whose groups are all in this process: then a
    subscriber need not even build a payload nobody receives. Redis could answer only
    with a round trip, which costs what the send costs.
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    if isinstance(layer, InMemoryChannelLayer):
        return any(layer.groups.get(group) for group in groups)
    return True


def send(groups: list[str], data: Payload) -> None:
    """Send ``data`` to every group; from sync code (never from inside an event loop)."""
    send_each([(groups, data)])


def send_each(pushes: list[Push]) -> None:
    """Hand sends to the server loop without waiting; elsewhere send them right here."""
    pushes = [(groups, data) for groups, data in pushes if groups]
    if not pushes:
        return
    loop, pending = _server_loop, _pending
    if loop is not None and pending is not None and loop.is_running() and not loop.is_closed():
        loop.call_soon_threadsafe(pending.put_nowait, pushes)
    else:
        async_to_sync(_send_all)(pushes)
