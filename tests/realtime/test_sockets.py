"""Agent and visitor websockets: who hears what, resume after reconnect, typing, presence."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rapport.accounts.models import Role
from rapport.conversations import actions
from rapport.conversations.models import Conversation
from rapport.inboxes.adapters.chat.models import ChatReceipt
from rapport.inboxes.models import InboxKind
from rapport.realtime import presence
from tests.factories import InboxFactory, UserFactory
from tests.realtime.conftest import (
    agent_socket,
    nothing_more,
    post_text,
    receive_until,
    run,
    session_cookie,
    start_visitor,
    visitor_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)


def is_message(frame: dict) -> bool:
    return frame["type"] == "message"


async def open_visitor(token: str, last_id: int = 0):
    socket = visitor_socket()
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "auth", "token": token, "last_id": last_id})
    ready = await socket.receive_json_from()
    assert ready["type"] == "ready"
    return socket


async def open_agent(cookie: bytes):
    socket = agent_socket(cookie)
    assert (await socket.connect())[0]
    hello = await socket.receive_json_from()
    assert hello["type"] == "hello"
    own = await receive_until(socket, lambda f: f["type"] == "presence")  # our own arrival
    assert own["user_id"] == hello["user_id"]
    return socket


async def all_messages(socket) -> list[int]:
    ids = []
    while not await socket.receive_nothing(timeout=0.3):
        frame = await socket.receive_json_from()
        if frame["type"] == "message":
            ids.append(frame["id"])
    return ids


def reply(conversation_id: int, author, text: str):
    conversation = Conversation.objects.get(pk=conversation_id)
    return actions.send_reply(conversation=conversation, author=author, text=text)


def note(conversation_id: int, author, text: str):
    conversation = Conversation.objects.get(pk=conversation_id)
    return actions.add_note(conversation=conversation, author=author, text=text)


def test_messages_flow_both_ways_and_notes_never_reach_the_visitor(chat_inbox, chat_agent):
    token = start_visitor(chat_inbox)
    cookie = session_cookie(chat_agent)

    async def scenario() -> None:
        agent, visitor = await open_agent(cookie), await open_visitor(token)
        sent = await database_sync_to_async(post_text)(token, "Where is my parcel?", "c-1")
        seen_by_agent = await receive_until(agent, is_message)
        assert (seen_by_agent["id"], seen_by_agent["direction"]) == (sent["id"], "in")
        assert (await receive_until(visitor, is_message))["client_id"] == "c-1"  # own echo

        conversation_id = sent["conversation_id"]
        await database_sync_to_async(note)(conversation_id, chat_agent, "Check the depot first")
        assert (await receive_until(agent, is_message))["direction"] == "note"
        await database_sync_to_async(reply)(conversation_id, chat_agent, "It ships today.")
        answer = await receive_until(visitor, is_message)
        assert (answer["from"], answer["text"], answer["author"]) == (
            "agent",
            "It ships today.",
            "Cora",
        )
        assert await nothing_more(visitor)  # the note never came
        await agent.disconnect()
        await visitor.disconnect()

    run(scenario)


def test_reconnect_replays_only_what_was_missed(chat_inbox, chat_agent):
    token = start_visitor(chat_inbox)
    first = post_text(token, "one", "c-1")
    conversation_id = first["conversation_id"]
    second = reply(conversation_id, chat_agent, "two").pk
    third = post_text(token, "three", "c-3")["id"]

    async def scenario() -> None:
        visitor = await open_visitor(token, last_id=second)
        replayed = await all_messages(visitor)
        # The missed message comes; what the client already had may come again from the
        # few seconds before its last id (commit order is not id order on PostgreSQL), and
        # the widget drops those by id.
        assert [i for i in replayed if i > second] == [third]
        assert set(replayed) <= {first["id"], second, third}
        await visitor.disconnect()

        fresh = await open_visitor(token, last_id=0)  # a new device: the whole history
        ids = [(await receive_until(fresh, is_message))["id"] for _ in range(3)]
        assert ids == [first["id"], second, third]
        await fresh.disconnect()

    run(scenario)


def test_visitor_only_hears_their_own_conversation(chat_inbox):
    alice, bob = start_visitor(chat_inbox), start_visitor(chat_inbox)

    async def scenario() -> None:
        bob_socket = await open_visitor(bob)
        await database_sync_to_async(post_text)(alice, "private to alice", "a-1")
        assert await nothing_more(bob_socket, 0.5)
        await bob_socket.disconnect()

    run(scenario)


def test_forged_or_foreign_visitor_token_is_refused(chat_inbox):
    token = start_visitor(chat_inbox)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    async def scenario() -> None:
        for bad in (forged, "not-a-token"):
            socket = visitor_socket()
            await socket.connect()
            await socket.send_json_to({"type": "auth", "token": bad, "last_id": 0})
            assert (await socket.receive_event())["code"] == 4401
        silent = visitor_socket()
        await silent.connect()
        await silent.send_json_to({"type": "typing", "active": True})  # anything but auth
        assert (await silent.receive_event())["code"] == 4401

    run(scenario)


def test_visitor_socket_checks_the_inbox_allowed_origins(chat_inbox):
    chat_inbox.config["allowed_origins"] = ["https://shop.example"]
    chat_inbox.save()
    token = start_visitor(chat_inbox)

    async def scenario() -> None:
        socket = visitor_socket(origin="https://evil.example")
        await socket.connect()
        await socket.send_json_to({"type": "auth", "token": token, "last_id": 0})
        assert (await socket.receive_event())["code"] == 4403

    run(scenario)


def test_agent_only_hears_inboxes_they_belong_to(chat_inbox, chat_agent, outsider):
    other_inbox = InboxFactory(kind=InboxKind.CHAT, name="Other shop")
    token = start_visitor(chat_inbox)
    outsider_cookie = session_cookie(outsider)
    other_inbox.members.add(outsider)

    async def scenario() -> None:
        spy = await open_agent(outsider_cookie)
        sent = await database_sync_to_async(post_text)(token, "secret order 42", "c-1")
        assert await nothing_more(spy, 0.5)
        await spy.send_json_to({"type": "watch", "conversation_id": sent["conversation_id"]})
        refused = await spy.receive_json_from()
        assert refused == {"type": "error", "code": 4403, "what": "watch"}
        await spy.send_json_to({"type": "typing", "conversation_id": sent["conversation_id"]})
        assert await nothing_more(spy)
        await spy.disconnect()

    run(scenario)


def test_agent_socket_needs_a_session_and_our_origin(chat_agent):
    cookie = session_cookie(chat_agent)

    async def scenario() -> None:
        assert (await agent_socket(None).connect())[0] is False
        assert (await agent_socket(cookie, origin=b"https://evil.example").connect())[0] is False

    run(scenario)


def test_typing_reaches_colleagues_and_the_visitor_but_notes_stay_internal(chat_inbox, chat_agent):
    colleague = UserFactory(name="Dana Desk", role=Role.AGENT)
    chat_inbox.members.add(colleague)
    token = start_visitor(chat_inbox)
    conversation_id = post_text(token, "hello", "c-1")["conversation_id"]
    cora, dana = session_cookie(chat_agent), session_cookie(colleague)

    async def scenario() -> None:
        first, second = await open_agent(cora), await open_agent(dana)
        visitor = await open_visitor(token)
        for socket in (first, second):
            await socket.send_json_to({"type": "watch", "conversation_id": conversation_id})
            await receive_until(socket, lambda f: f["type"] == "watching")
        typing = {"type": "typing", "conversation_id": conversation_id, "active": True}
        await first.send_json_to({**typing, "mode": "reply"})
        hint = await receive_until(second, lambda f: f["type"] == "typing")
        assert (hint["name"], hint["mode"], hint["active"]) == ("Cora Chat", "reply", True)
        assert (await receive_until(visitor, lambda f: f["type"] == "typing"))["from"] == "agent"
        await first.send_json_to({**typing, "mode": "note"})
        assert (await receive_until(second, lambda f: f["type"] == "typing"))["mode"] == "note"
        assert await nothing_more(visitor)  # a note being written is nobody's business outside

        await visitor.send_json_to({"type": "typing", "active": True})
        from_visitor = await receive_until(first, lambda f: f["type"] == "typing")
        assert from_visitor["from"] == "visitor"
        for socket in (first, second, visitor):
            await socket.disconnect()

    run(scenario)


def test_presence_follows_sockets_and_feeds_routing(chat_inbox, chat_agent):
    cookie = session_cookie(chat_agent)

    async def scenario() -> None:
        online = database_sync_to_async(presence.online_agents)
        assert await online(chat_inbox.pk) == []
        tab1, tab2 = await open_agent(cookie), await open_agent(cookie)
        assert await online(chat_inbox.pk) == [chat_agent.pk]
        await tab1.send_json_to({"type": "presence", "status": "away"})
        away = await receive_until(tab2, lambda f: f["type"] == "presence")
        assert away["status"] == "away"
        assert await online(chat_inbox.pk) == []
        await tab1.send_json_to({"type": "presence", "status": "online"})
        await receive_until(tab2, lambda f: f["type"] == "presence")
        await tab1.disconnect()
        assert await online(chat_inbox.pk) == [chat_agent.pk]  # the other tab is still open
        await tab2.disconnect()
        assert await online(chat_inbox.pk) == []

    run(scenario)


def test_widget_is_told_when_the_last_agent_leaves(chat_inbox, chat_agent):
    cookie = session_cookie(chat_agent)
    token = start_visitor(chat_inbox)

    async def scenario() -> None:
        visitor = await open_visitor(token)
        agent = await open_agent(cookie)
        came = await receive_until(visitor, lambda f: f["type"] == "availability")
        assert came["online"] is True
        await agent.disconnect()
        left = await receive_until(visitor, lambda f: f["type"] == "availability")
        assert left["online"] is False
        await visitor.disconnect()

    run(scenario)


def test_read_marks_travel_both_ways(chat_inbox, chat_agent):
    token = start_visitor(chat_inbox)
    sent = post_text(token, "hello", "c-1")
    conversation_id = sent["conversation_id"]
    answer = reply(conversation_id, chat_agent, "hi there").pk
    cookie = session_cookie(chat_agent)

    async def scenario() -> None:
        agent, visitor = await open_agent(cookie), await open_visitor(token)
        await agent.send_json_to({"type": "watch", "conversation_id": conversation_id})
        await receive_until(agent, lambda f: f["type"] == "watching")
        await visitor.send_json_to({"type": "seen", "id": answer, "read": True})
        receipt = await receive_until(agent, lambda f: f["type"] == "receipt")
        assert (receipt["delivered_up_to"], receipt["read_up_to"]) == (answer, answer)
        await agent.send_json_to(
            {"type": "read", "conversation_id": conversation_id, "up_to": sent["id"]}
        )
        mark = await receive_until(
            visitor, lambda f: f["type"] == "receipt" and f["agent_read_up_to"] > 0
        )
        assert mark["agent_read_up_to"] == sent["id"]
        await agent.disconnect()
        await visitor.disconnect()

    run(scenario)
    receipt = ChatReceipt.objects.get(conversation_id=conversation_id)
    assert receipt.visitor_read_up_to == answer


def test_a_visitor_cannot_mark_someone_elses_message(chat_inbox, chat_agent):
    alice, mallory = start_visitor(chat_inbox), start_visitor(chat_inbox)
    conversation_id = post_text(alice, "hello", "c-1")["conversation_id"]
    answer = reply(conversation_id, chat_agent, "hi alice").pk

    async def scenario() -> None:
        socket = await open_visitor(mallory)
        await socket.send_json_to({"type": "seen", "id": answer, "read": True})
        await socket.send_json_to({"type": "ping"})
        assert (await socket.receive_json_from())["type"] == "pong"
        await socket.disconnect()

    run(scenario)
    assert not ChatReceipt.objects.filter(conversation_id=conversation_id).exists()


def test_oversized_and_malformed_frames_close_the_socket(chat_inbox):
    token = start_visitor(chat_inbox)

    async def scenario() -> None:
        socket = await open_visitor(token)
        await socket.send_text("{not json")
        assert (await socket.receive_event())["code"] == 4400
        other = await open_visitor(token)
        await other.send_text('{"type": "ping", "pad": "' + "x" * 5000 + '"}')
        assert (await other.receive_event())["code"] == 4400

    run(scenario)
