"""Fixtures for the live chat and the realtime sockets: a chat inbox, sockets, a clean layer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import Client

from rapport.accounts.models import Role, User
from rapport.config.asgi import application
from rapport.inboxes.models import Inbox, InboxKind
from rapport.realtime import layer as realtime_layer
from tests.factories import InboxFactory, UserFactory
from tests.outbox.conftest import smtp_server  # noqa: F401  (shared fixture: a real SMTP server)
from tests.realtime.communicator import Socket

SECRET = "site-identity-secret"
ORIGIN = "http://shop.example"


@pytest.fixture(autouse=True)
def clean_layer_and_cache() -> Iterator[None]:
    """Presence, rate limits and layer groups must not leak from one test into the next."""
    cache.clear()
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.flush)()
    # Each test runs its sockets in a new event loop; a layer instance (and the loop the
    # pushes were handed to) from an earlier test may hold asyncio locks of a closed loop.
    channel_layers.backends.clear()
    realtime_layer.forget_loop()
    # Sockets do their database work in pool threads; persistent connections there would
    # outlive the test and keep PostgreSQL from dropping the test database.
    database = connections.settings["default"]
    kept, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], 0
    yield
    database["CONN_MAX_AGE"] = kept
    cache.clear()
    channel_layers.backends.clear()
    realtime_layer.forget_loop()


@pytest.fixture
def chat_inbox(db: None) -> Inbox:
    return InboxFactory(
        name="Website chat",
        kind=InboxKind.CHAT,
        greeting="Hi! How can we help?",
        config={"identity_secret": SECRET, "color": "#0f766e"},
    )


@pytest.fixture
def chat_agent(chat_inbox: Inbox) -> User:
    user = UserFactory(email="cora@shop.example", name="Cora Chat", role=Role.AGENT)
    chat_inbox.members.add(user)
    return user


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def agent_socket(cookie: bytes | None, origin: bytes = b"http://testserver") -> Socket:
    """``cookie``: from ``session_cookie(user)``, made before the event loop starts."""
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return Socket(application, "/ws/agent", headers=headers)


def visitor_socket(origin: str = ORIGIN) -> Socket:
    return Socket(application, "/ws/chat", headers=[(b"origin", origin.encode())])


def start_visitor(inbox: Inbox, **body: Any) -> str:
    response = Client().post(
        f"/chat/v1/inboxes/{inbox.public_key}/sessions",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def post_text(token: str, text: str, client_id: str) -> dict[str, Any]:
    response = Client().post(
        "/chat/v1/messages",
        data=json.dumps({"text": text, "client_id": client_id}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    return dict(response.json()["message"])


async def receive_until(
    socket: Socket, wanted: Callable[[dict[str, Any]], bool], timeout: float = 3
) -> dict[str, Any]:
    """The first frame ``wanted`` accepts; frames before it are skipped."""

    async def loop() -> dict[str, Any]:
        while True:
            frame = await socket.receive_json_from(timeout=timeout)
            if wanted(frame):
                return dict(frame)

    return await asyncio.wait_for(loop(), timeout)


async def nothing_more(socket: Socket, wait: float = 0.3) -> bool:
    return bool(await socket.receive_nothing(timeout=wait))


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())  # type: ignore[arg-type]
