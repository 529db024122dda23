"""A conversation an admin deletes leaves the other agents' screens live: the push says
which one is gone, to the agents of its inbox only, with nothing of its content."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from rapport.accounts.models import Role, User
from rapport.conversations import actions
from rapport.conversations.events import ConversationDeleted
from rapport.conversations.models import Conversation
from rapport.core.errors import PermissionDenied
from rapport.inboxes.models import Inbox, InboxKind
from rapport.realtime import push
from rapport.realtime.push import conversation_deleted
from tests.factories import InboxFactory, UserFactory
from tests.realtime.conftest import (
    agent_socket,
    nothing_more,
    post_text,
    receive_until,
    run,
    session_cookie,
    start_visitor,
)

pytestmark = pytest.mark.django_db(transaction=True)


def delete(conversation_id: int, admin: User) -> None:
    conversation = Conversation.objects.get(pk=conversation_id)
    actions.delete_conversation(conversation=conversation, actor=admin)


async def open_agent(cookie: bytes) -> Any:
    socket = agent_socket(cookie)
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


def is_deleted(frame: dict[str, Any]) -> bool:
    return frame["type"] == "conversation" and frame.get("change") == "deleted"


def test_the_agents_of_the_inbox_hear_which_conversation_is_gone(
    chat_inbox: Inbox, chat_agent: User, outsider: User
) -> None:
    admin = UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    InboxFactory(kind=InboxKind.CHAT, name="Other shop").members.add(outsider)
    token = start_visitor(chat_inbox)
    sent = post_text(token, "Cheap watches, click here", "c-1")
    cookie, outsider_cookie = session_cookie(chat_agent), session_cookie(outsider)

    async def scenario() -> None:
        agent, spy = await open_agent(cookie), await open_agent(outsider_cookie)
        await database_sync_to_async(delete)(sent["conversation_id"], admin)

        frame = await receive_until(agent, is_deleted)

        assert frame == {
            "type": "conversation",
            "change": "deleted",
            "conversation_id": sent["conversation_id"],
            "inbox_id": chat_inbox.pk,
            "actor_id": admin.pk,
        }
        assert await nothing_more(agent)  # once
        frames = []
        while not await spy.receive_nothing(timeout=0.3):
            frames.append(await spy.receive_json_from())
        assert not [f for f in frames if f["type"] == "conversation"]
        await agent.disconnect()
        await spy.disconnect()

    run(scenario)


def test_nothing_is_pushed_when_the_delete_is_refused_or_rolled_back(
    chat_inbox: Inbox, chat_agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(push.layer, "send", lambda groups, payload: sent.append((groups, payload)))
    token = start_visitor(chat_inbox)
    conversation_id = post_text(token, "Hello", "c-1")["conversation_id"]
    sent.clear()

    with pytest.raises(PermissionDenied, match="only admins"):
        delete(conversation_id, chat_agent)

    assert Conversation.objects.filter(pk=conversation_id).exists()
    assert [payload for _, payload in sent if payload.get("change") == "deleted"] == []


def test_the_payload_is_built_from_the_event_alone(
    chat_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row is gone when subscribers run: the push must not read it."""
    sent: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(push.layer, "send", lambda groups, payload: sent.append((groups, payload)))

    conversation_deleted(
        ConversationDeleted(conversation_id=987654, inbox_id=chat_inbox.pk, actor_id=None)
    )

    assert sent == [
        (
            [f"inbox.{chat_inbox.pk}"],
            {
                "type": "conversation",
                "change": "deleted",
                "conversation_id": 987654,
                "inbox_id": chat_inbox.pk,
                "actor_id": None,
            },
        )
    ]
