"""The sockets' writer thread: a call leaves the socket's context as it was (nothing to
collect later), keeps its database connection between calls, and returns or raises as
the function did."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest
from asgiref.local import Local
from django.db import DEFAULT_DB_ALIAS, connection, connections

from rapport.core.errors import ValidationFailed
from rapport.realtime.consumers.base import in_writer_thread

set_in_thread = Local()


def query_and_set_a_local() -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    set_in_thread.value = "written by the thread"
    return threading.current_thread().name, id(connections[DEFAULT_DB_ALIAS])


def context_now() -> dict[object, object]:
    return dict(contextvars.copy_context().items())


@pytest.mark.django_db(transaction=True)
def test_a_write_leaves_the_sockets_context_as_it_was():
    async def socket() -> tuple[dict[object, object], dict[object, object], str]:
        await in_writer_thread(query_and_set_a_local)()  # the writers start (once)
        before = context_now()
        name, _ = await in_writer_thread(query_and_set_a_local)()
        return before, context_now(), name

    before, after, thread = asyncio.run(socket())

    # sync_to_async copied the context back with every asgiref Local storage in it made
    # anew: a thousand sockets each held a dozen new objects after every message.
    assert after.keys() == before.keys()
    assert all(after[var] is value for var, value in before.items())
    assert thread.startswith("socket-writer")
    assert not hasattr(set_in_thread, "value")  # here, in the caller's thread and context


@pytest.mark.django_db(transaction=True)
def test_the_writer_keeps_its_database_connection_between_calls():
    async def writes() -> list[tuple[str, int]]:
        return [await in_writer_thread(query_and_set_a_local)() for _ in range(6)]

    used = asyncio.run(writes())

    # One writer thread on SQLite, a pool on PostgreSQL (a call may land on any of them):
    # each thread keeps its own connection from call to call, never the test thread's.
    connections_of: dict[str, set[int]] = {}
    for thread, connection_id in used:
        connections_of.setdefault(thread, set()).add(connection_id)
    assert all(len(ids) == 1 for ids in connections_of.values()), connections_of
    assert id(connections[DEFAULT_DB_ALIAS]) not in {
        i for ids in connections_of.values() for i in ids
    }


def test_an_error_reaches_the_socket_as_raised():
    def refuse(text: str) -> None:
        raise ValidationFailed(f"not {text}")

    async def socket() -> None:
        await in_writer_thread(refuse)("this")

    with pytest.raises(ValidationFailed, match="not this"):
        asyncio.run(socket())
