"""The agent app's socket: ``/ws/agent``, signed in by the Django session cookie.

Subscribes only to the inboxes the agent can see (checked again on every connect, so a
removed membership takes effect at the next reconnect at the latest), the agent's own
group, and — per opened conversation, after an access check — that conversation's typing
and read marks.
"""

from __future__ import annotations

from typing import Any

from rapport.accounts.models import User
from rapport.realtime import agentside, groups, layer, presence
from rapport.realtime.consumers.base import (
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHORISED,
    PushConsumer,
    as_int,
    in_thread,
)
from rapport.realtime.payloads import Payload

TYPING_MODES = ("reply", "note")


class AgentConsumer(PushConsumer):
    user: User
    watching: agentside.Watch | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")  # resolved by AuthMiddlewareStack before we run
        if not isinstance(user, User) or not user.is_active:
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        self.user = user
        await self.join(await in_thread(agentside.agent_groups)(user))
        await self.accept()
        status = await in_thread(presence.agent_connected)(user.pk)
        snapshot = await in_thread(agentside.presence_snapshot)()
        await self.send_json({"type": "hello", "user_id": user.pk, "presence": snapshot})
        await self.announce(status)

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        await self.stop_typing()
        await self.leave_all()
        status = await in_thread(presence.agent_disconnected)(self.user.pk)
        if status == presence.OFFLINE:
            await self.announce(status)

    async def announce(self, status: str) -> None:
        """Tell staff and the widgets of the agent's chat inboxes."""
        await layer.asend([groups.STAFF], agentside.presence_payload(self.user, status))
        updates = await in_thread(agentside.widget_updates)(self.user)
        for group, payload in updates:
            await layer.asend([group], payload)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        handler = {
            "ping": self.on_ping,
            "presence": self.on_presence,
            "watch": self.on_watch,
            "unwatch": self.on_unwatch,
            "typing": self.on_typing,
            "read": self.on_read,
        }.get(content["type"])
        if handler is not None:
            await handler(content)

    async def on_ping(self, content: dict[str, Any]) -> None:
        await in_thread(presence.heartbeat)(self.user.pk)
        await self.send_json({"type": "pong"})

    async def on_presence(self, content: dict[str, Any]) -> None:
        status = await in_thread(presence.set_status)(self.user.pk, str(content.get("status")))
        await self.announce(status)

    async def on_watch(self, content: dict[str, Any]) -> None:
        await self.on_unwatch(content)
        conversation_id = as_int(content.get("conversation_id"))
        watch = await in_thread(agentside.watch)(
            self.user, conversation_id, as_int(content.get("last_id"))
        )
        if watch is None:
            await self.send_json({"type": "error", "code": CLOSE_FORBIDDEN, "what": "watch"})
            return
        self.watching = watch
        await self.join([groups.conversation(watch.conversation_id)])
        for payload in watch.replay:
            await self.send_json(payload)
        await self.send_json({"type": "watching", "conversation_id": watch.conversation_id})

    async def on_unwatch(self, content: dict[str, Any]) -> None:
        if self.watching is not None:
            await self.stop_typing()
            await self.leave(groups.conversation(self.watching.conversation_id))
            self.watching = None

    async def on_typing(self, content: dict[str, Any]) -> None:
        watch = self.watching
        if watch is None or as_int(content.get("conversation_id")) != watch.conversation_id:
            return  # typing only counts in the conversation the agent has open
        mode = content.get("mode") if content.get("mode") in TYPING_MODES else "reply"
        await self.typing(bool(content.get("active")), str(mode))

    async def typing(self, active: bool, mode: str) -> None:
        watch = self.watching
        if watch is None:
            return
        signal: Payload = {
            "type": "typing",
            "conversation_id": watch.conversation_id,
            "from": "agent",
            "user_id": self.user.pk,
            "name": str(self.user),
            "mode": mode,
            "active": active,
        }
        group = groups.conversation(watch.conversation_id)
        await layer.asend([group], signal, exclude=self.channel_name)
        if watch.is_chat and mode == "reply":  # a note is internal: the visitor never sees it
            visitor_signal = {"type": "typing", "from": "agent", "active": active}
            await layer.asend(watch.visitor_groups, visitor_signal)

    async def stop_typing(self) -> None:
        if self.watching is not None:
            await self.typing(False, "reply")

    async def on_read(self, content: dict[str, Any]) -> None:
        watch = self.watching
        if watch is None or not watch.is_chat:
            return
        if as_int(content.get("conversation_id")) == watch.conversation_id:
            await in_thread(agentside.mark_read)(
                self.user, watch.conversation_id, as_int(content.get("up_to"))
            )
