"""Scale-out: two uvicorn processes on one PostgreSQL database, fanned out through Redis.

A visitor connected to process A and an agent connected to process B see each other's
messages (and the agent's typing) as they happen.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.realtime.servers import Uvicorn, need, server_env, serverctl

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

DATABASE = "rapport_realtime_test"  # our own database, created and dropped here
PG_SERVER = os.environ.get(
    "RAPPORT_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_SERVER = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_DB = 13  # our own Redis database number, flushed here


def with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


def postgres_admin() -> Any:
    import psycopg

    try:
        return psycopg.connect(
            with_path(PG_SERVER, "/postgres"), autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError:
        return None


def redis_client() -> Any:
    import redis

    client = redis.Redis.from_url(with_path(REDIS_SERVER, f"/{REDIS_DB}"), socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        return None
    return client


@pytest.fixture(scope="module")
def two_processes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Uvicorn, Uvicorn, dict]]:
    admin, cache = postgres_admin(), redis_client()
    need("PostgreSQL", admin is not None)
    need("Redis", cache is not None)
    cache.flushdb()
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{DATABASE}"')
    data = tmp_path_factory.mktemp("scale-out")
    env = server_env(
        data,
        DATABASE_URL=with_path(PG_SERVER, f"/{DATABASE}"),
        REDIS_URL=with_path(REDIS_SERVER, f"/{REDIS_DB}"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    setup = serverctl(env, "setup")
    first, second = Uvicorn(env, data / "a.log"), Uvicorn(env, data / "b.log")
    setup["session"] = serverctl(env, "session", str(setup["agent_id"]))
    yield first, second, setup
    first.stop()
    second.stop()
    admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.close()
    cache.flushdb()


def frames_until(socket: ClientConnection, kind: str, timeout: float = 5) -> dict[str, Any]:
    while True:
        frame = json.loads(socket.recv(timeout=timeout))
        if frame["type"] == kind:
            return dict(frame)


def test_visitor_on_a_and_agent_on_b_hear_each_other(two_processes):
    process_a, process_b, setup = two_processes
    session = setup["session"]
    cookie = f"{session['name']}={session['value']}"
    started = httpx.post(f"{process_a.url}/chat/v1/inboxes/{setup['inbox_key']}/sessions", json={})
    token = started.json()["token"]

    ws_a = process_a.url.replace("http", "ws")
    ws_b = process_b.url.replace("http", "ws")
    with (
        connect(f"{ws_a}/ws/chat", origin="http://shop.example") as visitor,
        connect(
            f"{ws_b}/ws/agent", origin=process_b.url, additional_headers={"Cookie": cookie}
        ) as agent,
    ):
        visitor.send(json.dumps({"type": "auth", "token": token, "last_id": 0}))
        assert frames_until(visitor, "ready")["online"] is True  # B's agent counts on A
        assert frames_until(agent, "hello")["user_id"] == setup["agent_id"]

        # Visitor → A → PostgreSQL → Redis → B → agent.
        posted = httpx.post(
            f"{process_a.url}/chat/v1/messages",
            json={"text": "Hello from process A", "client_id": "a-1"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert posted.status_code == 201
        conversation_id = posted.json()["message"]["conversation_id"]
        heard = frames_until(agent, "message")
        assert (heard["conversation_id"], heard["preview"]) == (
            conversation_id,
            "Hello from process A",
        )

        # The agent's typing on B reaches the visitor on A.
        agent.send(json.dumps({"type": "watch", "conversation_id": conversation_id}))
        frames_until(agent, "watching")
        typing = {
            "type": "typing",
            "conversation_id": conversation_id,
            "mode": "reply",
            "active": True,
        }
        agent.send(json.dumps(typing))
        assert frames_until(visitor, "typing")["from"] == "agent"

        # Agent → B's reply form → Redis → A → visitor.
        reply_through_the_agent_app(process_b.url, cookie, conversation_id, "Hello from process B")
        while True:
            frame = frames_until(visitor, "message")
            if frame["from"] == "agent":
                break
        assert frame["text"] == "Hello from process B"


def reply_through_the_agent_app(base: str, cookie: str, conversation_id: int, text: str) -> None:
    with httpx.Client(base_url=base, headers={"Cookie": cookie}) as client:
        page = client.get(f"/conversations/{conversation_id}")
        assert page.status_code == 200
        csrf = page.cookies.get("csrftoken") or re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text
        ).group(1)  # type: ignore[union-attr]
        cookies = f"{cookie}; csrftoken={page.cookies.get('csrftoken', '')}"
        sent = client.post(
            f"/conversations/{conversation_id}/reply",
            data={"text": text},
            headers={"X-CSRFToken": csrf, "HX-Request": "true", "Cookie": cookies},
        )
        assert sent.status_code == 200, sent.text[:500]


def test_logs_are_clean(two_processes):
    process_a, process_b, _setup = two_processes
    for server in (process_a, process_b):
        log = Path(server.log_path).read_text()
        assert "Traceback" not in log, log[-2000:]
