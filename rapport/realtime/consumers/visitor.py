"""The chat widget's socket: ``/ws/chat``, cross-origin, signed in by the visitor token.

Browsers cannot put a header on a websocket, and a token in the URL ends up in access
logs, so the token comes in the first frame: ``{"type": "auth", "token": ..., "last_id": N}``.
Until then the socket hears nothing; without it within ``AUTH_SECONDS`` it is closed.
The visitor only ever joins their own identity's group and their inbox's availability.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rapport.inboxes.adapters.chat.tokens import Visitor
from rapport.realtime import layer, presence, visitorside
from rapport.realtime.consumers.base import CLOSE_UNAUTHORISED, PushConsumer, as_int, in_thread

AUTH_SECONDS = 10
TYPING_EVERY = 1.0  # seconds; a faster client is ignored, not punished


class VisitorConsumer(PushConsumer):
    visitor: Visitor | None = None
    deadline: asyncio.TimerHandle | None = None
    last_typing: float = 0.0
    closing: asyncio.Future[None] | None = None

    async def connect(self) -> None:
        await self.accept()
        loop = asyncio.get_running_loop()
        self.deadline = loop.call_later(AUTH_SECONDS, self.close_unauthenticated)

    def close_unauthenticated(self) -> None:
        if self.visitor is None:
            self.closing = asyncio.ensure_future(self.close(code=CLOSE_UNAUTHORISED))

    async def disconnect(self, code: int) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        await self.leave_all()
        if self.visitor is not None:
            await in_thread(presence.visitor_disconnected)(self.visitor.group)

    def origin(self) -> str:
        for name, value in self.scope.get("headers", []):
            if name == b"origin":
                return str(value.decode("latin-1"))
        return ""

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if self.visitor is None:
            await self.authenticate(content)
            return
        if content["type"] == "ping":
            await in_thread(presence.visitor_heartbeat)(self.visitor.group)
            await self.send_json({"type": "pong"})
        elif content["type"] == "typing":
            await self.on_typing(bool(content.get("active")))
        elif content["type"] == "seen":
            await in_thread(visitorside.seen)(
                self.visitor, as_int(content.get("id")), bool(content.get("read"))
            )

    async def authenticate(self, content: dict[str, Any]) -> None:
        token = content.get("token")
        if content["type"] != "auth" or not isinstance(token, str) or len(token) > 1000:
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        try:
            visitor, groups = await in_thread(visitorside.authorise)(token, self.origin())
        except visitorside.Refused as refused:
            await self.close(code=refused.code)
            return
        self.visitor = visitor
        # Join before reading what was missed: a message written in between then arrives
        # both ways and the widget drops the second copy by id, instead of it being lost.
        await self.join(groups)
        frames = await in_thread(visitorside.replay)(visitor, as_int(content.get("last_id")))
        for frame in frames:
            await self.send_json(frame)

    async def on_typing(self, active: bool) -> None:
        now = time.monotonic()
        if active and now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now
        assert self.visitor is not None
        group = await in_thread(visitorside.typing_group)(self.visitor)
        if group is not None:
            await layer.asend([group], {"type": "typing", "from": "visitor", "active": active})
