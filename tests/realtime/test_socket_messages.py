"""Visitors send chat messages over their open widget socket: ack, error frames, limits."""

from __future__ import annotations

import pytest

from rapport.conversations.models import Message
from rapport.inboxes.adapters.chat import limits
from rapport.realtime.consumers import visitor as visitor_consumer
from tests.realtime.conftest import (
    nothing_more,
    receive_until,
    run,
    session_cookie,
    start_visitor,
    visitor_socket,
)
from tests.realtime.test_sockets import open_agent, open_visitor

pytestmark = pytest.mark.django_db(transaction=True)


def answer_to(client_id: str):
    return lambda frame: frame["type"] in ("ack", "error") and frame["client_id"] == client_id


def message_frame(text: object, client_id: object, page: object = "https://shop.example/"):
    return {"type": "message", "text": text, "client_id": client_id, "page": page}


def test_socket_message_is_acked_stored_once_and_pushed_to_the_agent(chat_inbox, chat_agent):
    token = start_visitor(chat_inbox)
    cookie = session_cookie(chat_agent)

    async def scenario() -> None:
        agent, visitor = await open_agent(cookie), await open_visitor(token)
        await visitor.send_json_to(message_frame("  Where is my parcel?  ", "s-1"))
        ack = await receive_until(visitor, answer_to("s-1"))
        assert ack["type"] == "ack"
        sent = ack["message"]
        assert (sent["text"], sent["from"], sent["client_id"]) == (
            "Where is my parcel?",
            "visitor",
            "s-1",
        )
        pushed = await receive_until(agent, lambda f: f["type"] == "message")
        assert (pushed["id"], pushed["direction"]) == (sent["id"], "in")

        # The same client_id again (a retry) is the same message, not a second one.
        await visitor.send_json_to(message_frame("Where is my parcel?", "s-1"))
        again = await receive_until(visitor, answer_to("s-1"))
        assert (again["type"], again["message"]["id"]) == ("ack", sent["id"])
        await agent.disconnect()
        await visitor.disconnect()

    run(scenario)
    stored = Message.objects.get()
    assert stored.text == "Where is my parcel?"
    assert stored.raw["ip"] == "127.0.0.1"  # the socket's client, as REMOTE_ADDR over HTTP
    assert stored.raw["page"] == "https://shop.example/"


def test_rate_limit_answers_with_an_error_frame(chat_inbox):
    chat_inbox.config = {**chat_inbox.config, "messages_per_ip_minute": 2}
    chat_inbox.save()
    token = start_visitor(chat_inbox)

    async def scenario() -> None:
        visitor = await open_visitor(token)
        for n in range(2):
            await visitor.send_json_to(message_frame(f"hello {n}", f"r-{n}"))
            assert (await receive_until(visitor, answer_to(f"r-{n}")))["type"] == "ack"
        await visitor.send_json_to(message_frame("one too many", "r-2"))
        error = await receive_until(visitor, answer_to("r-2"))
        assert error["type"] == "error"
        assert "too quickly" in error["error"]
        await visitor.disconnect()

    run(scenario)
    assert Message.objects.count() == 2


def test_empty_too_long_and_bad_client_id_are_error_frames(chat_inbox):
    token = start_visitor(chat_inbox)

    async def scenario() -> None:
        visitor = await open_visitor(token)
        await visitor.send_json_to(message_frame("   ", "e-1"))
        empty = await receive_until(visitor, answer_to("e-1"))
        assert (empty["type"], empty["error"]) == ("error", "the message is empty")

        await visitor.send_json_to(message_frame("x" * (limits.MAX_MESSAGE_CHARS + 1), "e-2"))
        long = await receive_until(visitor, answer_to("e-2"))
        assert long["type"] == "error"
        assert f"under {limits.MAX_MESSAGE_CHARS} characters" in long["error"]

        await visitor.send_json_to(message_frame("hi", "x" * 65))
        bad = await receive_until(visitor, lambda f: f["type"] == "error")
        assert "client_id" in bad["error"]
        await visitor.send_json_to(message_frame("hi", "   "))
        blank = await receive_until(visitor, lambda f: f["type"] == "error")
        assert "client_id" in blank["error"]
        await visitor.disconnect()

    run(scenario)
    assert not Message.objects.exists()


def test_wrong_types_are_an_error_frame_and_the_socket_stays_open(chat_inbox):
    token = start_visitor(chat_inbox)

    async def scenario() -> None:
        visitor = await open_visitor(token)
        for frame in (
            message_frame(["not", "text"], "t-1"),
            message_frame("hi", "t-1", page={"url": 1}),
            message_frame(None, "t-1"),
            {"type": "message", "client_id": "t-1"},
        ):
            await visitor.send_json_to(frame)
            error = await receive_until(visitor, answer_to("t-1"))
            assert (error["type"], error["error"]) == ("error", visitor_consumer.BAD_MESSAGE)
        await visitor.send_json_to(message_frame("hi", 42))
        error = await receive_until(visitor, lambda f: f["type"] == "error")
        assert error["client_id"] == ""
        # Still open and signed in: a good message goes through.
        await visitor.send_json_to({"type": "ping"})
        assert (await receive_until(visitor, lambda f: f["type"] == "pong"))["type"] == "pong"
        await visitor.send_json_to(message_frame("now properly", "t-2"))
        assert (await receive_until(visitor, answer_to("t-2")))["type"] == "ack"
        await visitor.disconnect()

    run(scenario)
    assert list(Message.objects.values_list("text", flat=True)) == ["now properly"]


def test_unexpected_failure_is_an_error_frame_the_widget_may_retry(chat_inbox, monkeypatch):
    token = start_visitor(chat_inbox)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(visitor_consumer.chat_actions, "post_message", broken)

    async def scenario() -> None:
        visitor = await open_visitor(token)
        await visitor.send_json_to(message_frame("hello", "f-1"))
        error = await receive_until(visitor, answer_to("f-1"))
        assert (error["type"], error["retry"]) == ("error", True)
        await visitor.send_json_to({"type": "ping"})
        assert (await receive_until(visitor, lambda f: f["type"] == "pong"))["type"] == "pong"
        await visitor.disconnect()

    run(scenario)


def test_an_unauthorised_socket_cannot_post(chat_inbox):
    token = start_visitor(chat_inbox)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    async def scenario() -> None:
        silent = visitor_socket()
        assert (await silent.connect())[0]
        await silent.send_json_to(message_frame("let me in", "u-1"))  # no auth first
        assert (await silent.receive_event())["code"] == 4401

        wrong = visitor_socket()
        assert (await wrong.connect())[0]
        await wrong.send_json_to({"type": "auth", "token": forged, "last_id": 0})
        assert (await wrong.receive_event())["code"] == 4401

        # A message with the token inside the frame instead of an auth frame is refused too.
        sneaky = visitor_socket()
        assert (await sneaky.connect())[0]
        await sneaky.send_json_to({**message_frame("hi", "u-2"), "token": token})
        assert (await sneaky.receive_event())["code"] == 4401
        assert await nothing_more(sneaky)

    run(scenario)
    assert not Message.objects.exists()
