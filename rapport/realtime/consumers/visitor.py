"""The chat widget's socket: ``/ws/chat``, cross-origin, signed in by the visitor token.

Browsers cannot put a header on a websocket, and a token in the URL ends up in access
logs, so the token comes in the first frame: ``{"type": "auth", "token": ..., "last_id": N}``.
Until then the socket hears nothing; without it within ``AUTH_SECONDS`` it is closed.
The visitor only ever joins their own identity's group and their inbox's availability.

Once signed in, the widget sends its messages here too: ``{"type": "message", "text": ...,
"client_id": ..., "page": ...}`` is stored by the same ``post_message`` as the HTTP
endpoint (validation, rate limits, idempotency by ``client_id``) and answered with
``{"type": "ack", "client_id": ..., "message": {...}}`` or ``{"type": "error",
"client_id": ..., "error": "<message for the visitor>"}``. Attachments stay on HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from rapport.core.errors import RapportError
from rapport.inboxes.adapters.chat import actions as chat_actions
from rapport.inboxes.adapters.chat import limits, selectors
from rapport.inboxes.adapters.chat.serializers import visitor_message
from rapport.inboxes.adapters.chat.tokens import Visitor
from rapport.inboxes.models import Inbox
from rapport.realtime import layer, presence, visitorside
from rapport.realtime.consumers.base import (
    CLOSE_UNAUTHORISED,
    PushConsumer,
    as_int,
    in_thread,
    in_writer_thread,
    scope_ip,
)

logger = logging.getLogger(__name__)

AUTH_SECONDS = 10
TYPING_EVERY = 1.0  # seconds; a faster client is ignored, not punished
# A message frame carries up to MAX_MESSAGE_CHARS of text; JSON escapes can grow it.
MAX_VISITOR_FRAME = 6 * limits.MAX_MESSAGE_CHARS + 2048
MAX_CLIENT_ID_CHARS = 100  # as the HTTP endpoint; post_message then allows 64
MAX_PAGE_CHARS = 2000
BAD_MESSAGE = "a message needs text, client_id and page as text"
NOT_STORED = "the message could not be stored; please try again"
# Sockets reuse their inbox (active? its limits) this long instead of reading it per
# message: a thousand widgets each sending now and then would otherwise read it every time.
INBOX_SECONDS = 5.0
_recent_inboxes: dict[int, tuple[float, Inbox]] = {}  # inbox id → (read at, inbox)


def recent_chat_inbox(inbox_id: int) -> Inbox:
    """The active chat inbox as read at most ``INBOX_SECONDS`` ago in this process."""
    now = time.monotonic()
    read_at, inbox = _recent_inboxes.get(inbox_id, (0.0, None))
    if inbox is None or now - read_at > INBOX_SECONDS:
        _recent_inboxes.pop(inbox_id, None)
        inbox = selectors.chat_inbox(inbox_id=inbox_id)  # NotFound once deactivated
        _recent_inboxes[inbox_id] = (now, inbox)
    return inbox


def forget_recent_inboxes() -> None:
    """Read every inbox afresh next time (tests: ids repeat after a rollback)."""
    _recent_inboxes.clear()


def post_message(visitor: Visitor, text: str, client_id: str, page: str, ip: str) -> dict[str, Any]:
    """Store a message sent over the socket (in a writer thread); the widget's view of it."""
    received = chat_actions.post_message(
        inbox=recent_chat_inbox(visitor.inbox_id),
        visitor=visitor,
        text=text,
        client_id=client_id,
        page_url=page,
        ip=ip,
    )
    return visitor_message(received.message)


class VisitorConsumer(PushConsumer):
    max_frame = MAX_VISITOR_FRAME
    large_types = frozenset({"message"})
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
        elif content["type"] == "message":
            await self.on_message(content)

    async def on_message(self, content: dict[str, Any]) -> None:
        """Store the visitor's message; answer ``ack`` or ``error`` (never close for it)."""
        assert self.visitor is not None
        text, client_id, page = (
            content.get("text"),
            content.get("client_id"),
            content.get("page", ""),
        )
        echo = client_id if isinstance(client_id, str) else ""
        echo = echo[:MAX_CLIENT_ID_CHARS]
        if (
            not isinstance(text, str)
            or not isinstance(client_id, str)
            or not isinstance(page, str)
            or len(client_id) > MAX_CLIENT_ID_CHARS
        ):
            await self.deliver({"type": "error", "client_id": echo, "error": BAD_MESSAGE})
            return
        try:
            message = await in_writer_thread(post_message)(
                self.visitor,
                text,
                client_id,
                page[:MAX_PAGE_CHARS],
                scope_ip(self.scope),
            )
        except RapportError as error:
            await self.deliver({"type": "error", "client_id": echo, "error": error.message})
            return
        except Exception:
            # A database hiccup must not take the socket down; the widget retries over HTTP.
            logger.exception("storing a chat message from the socket failed")
            await self.deliver(
                {"type": "error", "client_id": echo, "error": NOT_STORED, "retry": True}
            )
            return
        await self.deliver({"type": "ack", "client_id": echo, "message": message})

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
