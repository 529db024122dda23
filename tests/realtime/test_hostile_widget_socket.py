"""Hostile input on the widget's socket: an error frame with a reason, or a clean close.

A frame that is not a JSON object (nested 5,000 levels included) closes the socket with
4400, the widget's "bad frame" code, instead of crashing the consumer; text that cannot be
stored (a lone surrogate, NUL) is an ``error`` frame naming why, the socket stays open,
and nothing is stored.
"""

from __future__ import annotations

import json
import time

import pytest

from rapport.conversations.models import Message
from rapport.realtime.consumers.base import CLOSE_BAD_FRAME
from tests.realtime.conftest import receive_until, run, start_visitor
from tests.realtime.test_socket_messages import answer_to, message_frame
from tests.realtime.test_sockets import open_visitor

pytestmark = pytest.mark.django_db(transaction=True)

FAST = 1.0


@pytest.mark.parametrize(
    "frame",
    [
        "[" * 5000 + "]" * 5000,
        '{"type": "message", "text": ' + "[" * 5000 + "]" * 5000 + "}",
    ],
    ids=["array", "inside-a-message"],
)
def test_json_nested_5000_levels_closes_the_socket_as_a_bad_frame(chat_inbox, frame):
    token = start_visitor(chat_inbox)

    async def scenario() -> None:
        visitor = await open_visitor(token)
        started = time.perf_counter()
        await visitor.send_text(frame)
        closed = await visitor.receive_event()
        assert (closed["type"], closed["code"]) == ("websocket.close", CLOSE_BAD_FRAME)
        assert time.perf_counter() - started < FAST

    run(scenario)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("text", "client_id", "page", "says"),
    [
        ("hi \ud800", "u-1", "https://shop.example/", "lone UTF-16 surrogate"),
        ("hi", "u-\udfff", "https://shop.example/", "client_id contains a lone UTF-16"),
        ("hi", "u-1", "https://shop.example/\ud800", "page contains a lone UTF-16"),
        ("a\x00b", "u-1", "https://shop.example/", "NUL"),
        ("hi", "u-\x00", "https://shop.example/", "NUL"),
        ("hi", "u-1", "\x00", "NUL"),
    ],
)
def test_unstorable_text_is_an_error_frame_and_the_socket_stays_open(
    chat_inbox, text, client_id, page, says
):
    token = start_visitor(chat_inbox)

    async def scenario() -> None:
        visitor = await open_visitor(token)
        started = time.perf_counter()
        # ensure_ascii (json's default) sends a lone surrogate as its \\ud800 escape.
        await visitor.send_text(json.dumps(message_frame(text, client_id, page)))
        error = await receive_until(visitor, lambda f: f["type"] in ("ack", "error"))
        assert error["type"] == "error"
        assert says in error["error"]
        assert time.perf_counter() - started < FAST
        # Still open: a proper message is stored and acknowledged.
        await visitor.send_json_to(message_frame("now properly", "ok-1"))
        assert (await receive_until(visitor, answer_to("ok-1")))["type"] == "ack"
        await visitor.disconnect()

    run(scenario)
    assert list(Message.objects.values_list("text", flat=True)) == ["now properly"]
