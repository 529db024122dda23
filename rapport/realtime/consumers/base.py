"""What agent and visitor sockets share: JSON frames, pushes from the layer, group bookkeeping."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from typing import Any, TypeVar

from asgiref.typing import WebSocketConnectEvent, WebSocketDisconnectEvent
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import close_old_connections

from rapport.realtime import layer, resume

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_FRAME_BYTES = 4096  # agents send small control frames; a visitor's messages are larger
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_FRAME = 4400
CLOSE_TOO_MANY = 4429
FRAMES_PER_WINDOW = 120  # typing, pings and read marks come a few per second at most
WINDOW_SECONDS = 10.0


class PushConsumer(AsyncJsonWebsocketConsumer):
    """Base: joins groups, forwards layer pushes, and rejects oversized or malformed frames."""

    joined: list[str]
    max_frame: int = MAX_FRAME_BYTES  # for frames of ``large_types``; others stay small
    large_types: frozenset[str] = frozenset()
    window_start: float = 0.0
    frames: int = 0

    async def websocket_connect(self, message: WebSocketConnectEvent) -> None:
        layer.remember_loop()
        self.joined = []
        await super().websocket_connect(message)
        resume.opened(self)  # closed with 1012 to resume if the layer's subscription is cut

    async def websocket_disconnect(self, message: WebSocketDisconnectEvent) -> None:
        resume.closed(self)
        await super().websocket_disconnect(message)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' ``dispatch`` without its hop to a thread before every event.

        Channels (4.2+) calls ``close_old_connections`` on its sync thread before each
        event: every frame a client sends and every push, a thread hand-off each, on the
        loop that serves all sockets (1,000 of them at once when an agent comes online).
        These consumers touch the database only through ``in_thread``
        (``database_sync_to_async``) and ``in_writer_thread``, which close stale
        connections in the thread that owns them, before and after each call.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def join(self, groups: list[str]) -> None:
        for group in groups:
            if group not in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
                self.joined.append(group)

    async def leave(self, group: str) -> None:
        if group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.joined.remove(group)

    async def leave_all(self) -> None:
        for group in list(self.joined):
            await self.leave(group)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if self.flooding():
            await self.close(code=CLOSE_TOO_MANY)
            return
        if text_data is None or len(text_data) > self.max_frame:
            await self.close(code=CLOSE_BAD_FRAME)
            return
        try:
            content = json.loads(text_data)
        except (json.JSONDecodeError, RecursionError):  # not JSON, or nested too deeply
            await self.close(code=CLOSE_BAD_FRAME)
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.close(code=CLOSE_BAD_FRAME)
            return
        if len(text_data) > MAX_FRAME_BYTES and content["type"] not in self.large_types:
            await self.close(code=CLOSE_BAD_FRAME)
            return
        await self.receive_json(content)

    def flooding(self) -> bool:
        now = time.monotonic()
        if now - self.window_start > WINDOW_SECONDS:
            self.window_start, self.frames = now, 0
        self.frames += 1
        return self.frames > FRAMES_PER_WINDOW

    async def rapport_push(self, event: dict[str, Any]) -> None:
        """Every layer message lands here (see ``layer.HANDLER``): pushes, in order."""
        for push in event["pushes"]:
            if push.get("exclude") == self.channel_name:
                continue  # one's own typing signal
            await self.deliver(push["data"])

    async def deliver(self, data: dict[str, Any]) -> None:
        try:
            await self.send_json(data)
        except RuntimeError:
            # The client closed while this push was queued; its disconnect event is next.
            logger.debug("push to a closed socket dropped")


def in_thread(func: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Run blocking database or cache work in the thread pool, off the event loop.

    Not Django's single "thread-sensitive" thread: a thousand sockets resuming at once
    would queue behind each other and behind every HTTP view on that one thread.
    """
    wrapped: Callable[..., Awaitable[T]] = database_sync_to_async(func, thread_sensitive=False)
    return wrapped


def in_writer_thread(func: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Run a write (a visitor's message) on the socket writers' threads, one per database
    writer: one thread on SQLite, where writes take turns anyway.

    In the shared pool, six threads started their messages at once and then queued on
    SQLite's write lock while taking the GIL from the one that held it: each transaction
    stretched out and 50-100 ms waits built up at 100 new visitors/s (bench/realtime.py).

    Not through ``sync_to_async``: it copies the socket's context into the thread and back,
    and asgiref 3.13 re-creates every ``Local`` storage in it both ways — about a dozen
    objects per message that then live as long as the socket. With a thousand sockets they
    were half of what each young garbage collection walked (20-35 ms of CPU, the server
    stopped meanwhile: docs/benchmarks.md, sixth session). The writer threads run in their
    own context instead and keep their database connection as any thread does; the calls
    need nothing from the socket's context (they take the visitor as an argument).
    """

    async def in_writer(*args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_writers(), partial(_write, func, *args, **kwargs))

    return in_writer


def _write(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    # As channels' database_sync_to_async: a connection past its age or broken is replaced.
    close_old_connections()
    try:
        return func(*args, **kwargs)
    finally:
        close_old_connections()


@cache
def _writers() -> ThreadPoolExecutor:
    from django.db import connection

    threads = 1 if connection.vendor == "sqlite" else settings.WEB_THREADS
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="socket-writer")


def scope_ip(scope: Any) -> str:
    """The client's address, as ``core.ratelimit.client_ip`` sees it for HTTP.

    HTTP's ``REMOTE_ADDR`` is the ASGI scope's ``client`` (a2wsgi copies it), which a proxy
    in front rewrites for websockets and HTTP alike (uvicorn ``--proxy-headers``); headers
    such as X-Forwarded-For are forgeable and ignored here as they are there.
    """
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def as_int(value: object, default: int = 0) -> int:
    """A number from a client frame; anything else is ``default`` (never an exception)."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return default
