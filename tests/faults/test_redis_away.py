"""Redis stopped, and a 2-second Redis blip, under a real server: nothing lost, nothing doubled.

The server runs as scaled out (``REDIS_URL``: cache, rate limits, the job queue and the
channel layer on Redis) against a private ``redis-server`` that the test kills; the
database is the server's own SQLite file. Jobs are really enqueued on Redis (no immediate
mode), so a reply's enqueue meets the dead queue too.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from rapport.realtime.resume import CLOSE_RESUME
from tests.faults.conftest import Rapport, inbound_texts, rapport_server
from tests.faults.servers import PrivateRedis
from tests.realtime.servers import serverctl


@pytest.fixture
def rapport(tmp_path: Path, private_redis: PrivateRedis):
    server = rapport_server(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'rapport.sqlite3'}",  # never the suite's own
        REDIS_URL=private_redis.url,
        RAPPORT_JOBS_IMMEDIATE="0",
    )
    yield server
    server.stop()


def sent_texts(
    rapport: Rapport, kinds: tuple[str, ...] = ("chat", "api", "webform", "mail")
) -> list[str]:
    return sorted(s.text for s in rapport.sent if s.kind in kinds)


def test_with_redis_stopped_every_message_is_stored_and_answered_2xx(rapport, private_redis):
    assert rapport.chat_session() == 200
    conversation_id = rapport.api().status  # one stored while Redis is up
    private_redis.stop()

    assert rapport.chat_session() == 200  # a new visitor too: its limit counts in-process
    widget = rapport.http.get(f"/chat/v1/inboxes/{rapport.setup['chat_key']}/widget")
    assert widget.status_code == 200, widget.text  # presence unknown: nobody shown online
    assert widget.json()["online"] is False
    for _ in range(10):
        rapport.chat()
        rapport.api()
        rapport.webform()
        rapport.mail()
    latest = serverside_latest_api_conversation(rapport)
    replies = [rapport.reply(latest) for _ in range(3)]

    expected = {"chat": 201, "api": 201, "webform": 200, "mail": 200, "reply": 201}
    assert [(s.kind, s.status) for s in rapport.sent] == [
        (s.kind, expected[s.kind]) for s in rapport.sent
    ]
    assert conversation_id == 201
    stored = rapport.stored()
    assert inbound_texts(stored) == sent_texts(rapport)  # 0 lost, 0 doubled
    # Replies and the mails' acknowledgements are stored with their deliveries queued:
    # the sweeper sends them once the queue is back.
    mails = [s for s in rapport.sent if s.kind == "mail"]
    assert stored["deliveries"].count("queued") == len(replies) + len(mails)


def test_a_two_second_redis_blip_loses_and_doubles_nothing(rapport, private_redis):
    assert rapport.chat_session() == 200
    stop = threading.Event()

    def keep_sending() -> None:
        while not stop.is_set():
            rapport.chat()
            rapport.api()
            time.sleep(0.02)

    sender = threading.Thread(target=keep_sending)
    sender.start()
    time.sleep(1.0)
    private_redis.stop()
    time.sleep(2.0)
    private_redis.start()
    time.sleep(1.0)
    stop.set()
    sender.join()

    assert len(rapport.sent) > 40
    assert {s.status for s in rapport.sent} == {201}
    assert inbound_texts(rapport.stored()) == sent_texts(rapport)


def serverside_latest_api_conversation(rapport: Rapport) -> int:
    response = rapport.http.get(
        "/api/v1/conversations",
        headers={"Authorization": f"Bearer {rapport.setup['token']}"},
    )
    assert response.status_code == 200, response.text
    return int(response.json()["items"][0]["id"])


class Listener:
    """A real websocket client that records every frame and how the server closed it."""

    def __init__(self, url: str, first_frames: list[dict[str, object]], **options: object) -> None:
        self.frames: list[dict[str, object]] = []
        self.close_code: int | None = None
        self.socket: ClientConnection | None = None
        opened = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(url, first_frames, options, opened), daemon=True
        )
        self.thread.start()
        assert opened.wait(10), "the socket did not open"

    def _run(
        self, url: str, first: list[dict[str, object]], options: Any, opened: threading.Event
    ) -> None:
        with connect(url, open_timeout=10, **options) as socket:
            self.socket = socket
            for frame in first:
                socket.send(json.dumps(frame))
            opened.set()
            try:
                for text in socket:
                    self.frames.append(json.loads(text))
            except ConnectionClosed:
                pass
            self.close_code = socket.close_code

    def message_ids(self) -> set[int]:
        return {int(f["id"]) for f in self.frames if f.get("type") == "message"}  # type: ignore[call-overload]

    def wait_closed(self, timeout: float) -> int | None:
        self.thread.join(timeout)
        return self.close_code

    def wait_for(self, wanted: set[int], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not wanted <= self.message_ids() and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
        self.thread.join(5)


def test_after_a_redis_blip_open_sockets_resume_and_miss_nothing(rapport, private_redis):
    """The agent page and the widget were open through the blip: the server closes them
    with 1012 once its subscription works again, and resuming from the last id they saw
    fills exactly the gap (the pushes of the blip were lost with Redis)."""
    ws = rapport.server.url.replace("http", "ws")
    assert rapport.chat_session() == 200
    first = rapport.chat()
    conversation = serverside_latest_conversation(rapport)
    cookie = serverctl(rapport.env, "session", str(rapport.setup["agent_id"]))
    agent_header = {"Cookie": f"{cookie['name']}={cookie['value']}"}
    watch = {"type": "watch", "conversation_id": conversation, "last_id": 0}
    agent = Listener(
        f"{ws}/ws/agent", [watch], additional_headers=agent_header, origin=rapport.server.url
    )
    visitor = Listener(f"{ws}/ws/chat", [{"type": "auth", "token": rapport.chat_token}])
    time.sleep(0.5)
    assert first.status == 201

    private_redis.stop()
    during = [rapport.chat() for _ in range(5)] + [rapport.reply(conversation) for _ in range(3)]
    time.sleep(2.0)
    private_redis.start()
    codes = agent.wait_closed(timeout=15), visitor.wait_closed(timeout=15)

    assert codes == (CLOSE_RESUME, CLOSE_RESUME)
    assert {s.status for s in during} == {201}
    all_ids = stored_message_ids(rapport, conversation)
    assert len(all_ids) == 1 + len(during)
    missed_by_agent = all_ids - agent.message_ids()
    missed_by_visitor = all_ids - visitor.message_ids()
    assert missed_by_agent, "the blip's pushes were lost with Redis"
    assert missed_by_visitor

    # Resume as live.js and the widget do: everything after the last id each saw.
    agent_again = Listener(
        f"{ws}/ws/agent",
        [watch | {"last_id": max(agent.message_ids())}],
        additional_headers=agent_header,
        origin=rapport.server.url,
    )
    visitor_again = Listener(
        f"{ws}/ws/chat",
        [{"type": "auth", "token": rapport.chat_token, "last_id": max(visitor.message_ids())}],
    )
    agent_again.wait_for(missed_by_agent)
    visitor_again.wait_for(missed_by_visitor)
    assert agent.message_ids() | agent_again.message_ids() == all_ids
    assert visitor.message_ids() | visitor_again.message_ids() == all_ids
    agent_again.close()
    visitor_again.close()


def serverside_latest_conversation(rapport: Rapport) -> int:
    return serverside_latest_api_conversation(rapport)


def stored_message_ids(rapport: Rapport, conversation_id: int) -> set[int]:
    response = rapport.http.get(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers={"Authorization": f"Bearer {rapport.setup['token']}"},
    )
    assert response.status_code == 200, response.text
    return {int(m["id"]) for m in response.json()["items"]}
