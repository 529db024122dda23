"""A real Rapport server (uvicorn) against private Redis/PostgreSQL servers, and senders
that count what was sent, so a fault test can compare it with what was stored."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings

from tests.email.conftest import dovecot  # noqa: F401 - the Dovecot fixture, reused
from tests.faults.servers import PrivatePostgres, PrivateRedis
from tests.faults.workers import WorkerStarter, database_url
from tests.outbox.conftest import stalling_smtp  # noqa: F401 - the SMTP fixture, reused
from tests.realtime.servers import ROOT, Uvicorn, server_env


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    yield redis
    redis.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    postgres = PrivatePostgres()
    yield postgres
    postgres.destroy()


@dataclass
class Sent:
    """One request a test sent, what it carried and what came back."""

    kind: str  # "chat", "api", "webform", "mail", "reply"
    text: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body_text: str = ""


class Rapport:
    """The server under test and ways to send it one customer message of each kind."""

    numbers = itertools.count(1)

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.setup = serverctl_faults(env, "setup")
        self.server = Uvicorn(env, log)
        self.http = httpx.Client(base_url=self.server.url, timeout=30)
        self.sent: list[Sent] = []
        self.chat_token = ""
        self.chat_count = 0

    def stored(self) -> dict[str, Any]:
        return serverctl_faults(self.env, "stored")

    def _record(self, kind: str, text: str, response: httpx.Response) -> Sent:
        sent = Sent(kind, text, response.status_code, dict(response.headers), response.text)
        self.sent.append(sent)
        return sent

    def chat_session(self) -> int:
        response = self.http.post(f"/chat/v1/inboxes/{self.setup['chat_key']}/sessions", json={})
        if response.status_code == 200:
            self.chat_token = response.json()["token"]
        return response.status_code

    def chat(self, n: int = 0) -> Sent:
        """One visitor's message (``n``: again, as a retry); every 20 a new visitor, under
        the per-visitor limit."""
        self.chat_count += 1
        if self.chat_count % 20 == 0:
            self.chat_session()
        n = n or next(self.numbers)
        text = f"chat message {n}"
        response = self.http.post(
            "/chat/v1/messages",
            json={"text": text, "client_id": f"c-{n}"},
            headers={"Authorization": f"Bearer {self.chat_token}"},
        )
        return self._record("chat", text, response)

    def api(self, n: int = 0) -> Sent:
        n = n or next(self.numbers)
        text = f"api message {n}"
        response = self.http.post(
            f"/api/v1/inboxes/{self.setup['api_inbox']}/messages",
            json={
                "identity": {"kind": "email", "address": f"kim{n % 3}@mail.example"},
                "text": text,
                "external_id": f"a-{n}",
            },
            headers={"Authorization": f"Bearer {self.setup['token']}"},
        )
        return self._record("api", text, response)

    def webform(self, n: int = 0) -> Sent:
        n = n or next(self.numbers)
        text = f"web form message {n}"
        form = {"name": "Carol", "email": f"carol{n}@mail.example", "message": text}
        response = self.http.post(f"/f/{self.setup['webform_key']}", data=form)
        return self._record("webform", text, response)

    def mail(self, n: int = 0) -> Sent:
        """A Postmark inbound webhook post: one customer's mail, with its own Message-ID."""
        n = n or next(self.numbers)
        text = f"mail message {n}"
        payload = {
            "FromFull": {"Email": f"mo{n}@mail.example", "Name": "Mo"},
            "ToFull": [{"Email": "help@shop.example", "Name": ""}],
            "Subject": f"Order {n}",
            "MessageID": f"pm-{n}",
            "TextBody": text,
            "Headers": [{"Name": "Message-ID", "Value": f"<m{n}@mail.example>"}],
            "Date": "Mon, 2 Jun 2025 10:00:00 +0000",
        }
        response = self.http.post(
            f"/email/inbound/postmark/{self.setup['email_key']}",
            json=payload,
            auth=("pm", "secret"),
        )
        return self._record("mail", text, response)

    def reply(self, conversation_id: int) -> Sent:
        n = next(self.numbers)
        text = f"reply {n}"
        response = self.http.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {self.setup['token']}"},
        )
        return self._record("reply", text, response)

    def stop(self) -> None:
        self.http.close()
        self.server.stop()


def serverctl_faults(env: dict[str, str], *args: str) -> dict[str, Any]:
    """``tests.faults.ctl`` in the server's environment (its database, its Redis)."""
    done = subprocess.run(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "tests.faults.ctl", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tests.faults.ctl {args} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def rapport_server(tmp_path: Path, **env: str) -> Rapport:
    return Rapport(server_env(tmp_path / "data", **env), tmp_path / "uvicorn.log")


def inbound_texts(stored: dict[str, Any]) -> list[str]:
    return sorted(text for _kind, text in stored["messages"])


# --- a real worker killed mid-job (tests/faults/test_*_kill.py) ---------------------------


@pytest.fixture
def worker_env(settings: Any) -> dict[str, str]:
    """What a worker process needs to share this test's database and job queue."""
    # REDIS_URL stays as the test has it: with it, the job queue the test enqueues to is
    # Redis, and a worker without it would read another queue (SQLite) and never run them.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="rapport.config.settings",
        RAPPORT_DATA_DIR=str(django_settings.DATA_DIR),
        RAPPORT_TESTING="0",
        RAPPORT_JOBS_IMMEDIATE="0",
        DATABASE_URL=database_url(),
        SECRET_KEY=django_settings.SECRET_KEY,
        EMAIL_BACKEND=settings.EMAIL_BACKEND,
        EMAIL_HOST=str(settings.EMAIL_HOST),
        EMAIL_PORT=str(settings.EMAIL_PORT),
        EMAIL_TIMEOUT=str(settings.EMAIL_TIMEOUT),
        DEFAULT_FROM_EMAIL=settings.DEFAULT_FROM_EMAIL,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
    )
    return env


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[WorkerStarter]:
    starter = WorkerStarter(tmp_path / "worker.log")
    yield starter
    starter.stop_all()
    print((tmp_path / "worker.log").read_text(errors="replace")[-3000:])  # shown on failure
