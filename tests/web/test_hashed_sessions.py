"""Sessions are stored under a hash of their key: the cookie finds its row, but a key read
from the database (a backup) makes no cookie. Sign-in, sign-out and the agent websocket
work as before, and sessions from before the upgrade are kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.sessions import SessionStore, stored_key
from tests.factories import PASSWORD


def signed_in(user: User) -> tuple[Client, str]:
    client = Client()
    response = client.post("/login", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client, client.cookies[settings.SESSION_COOKIE_NAME].value


def with_cookie(key: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def test_the_cookies_key_is_not_in_the_database(agent):
    client, cookie = signed_in(agent)

    stored = list(Session.objects.values_list("session_key", flat=True))
    assert cookie not in stored
    assert stored == [stored_key(cookie)]
    assert client.get("/inbox").status_code == 200
    assert client.get("/api/v1/agents/me").json()["email"] == agent.email


def test_a_key_read_from_the_database_signs_nobody_in(agent):
    _client, cookie = signed_in(agent)
    from_backup = Session.objects.get().session_key

    response = with_cookie(from_backup).get("/inbox")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/inbox"
    assert with_cookie(cookie).get("/inbox").status_code == 200


def test_signing_in_replaces_the_row_and_signing_out_deletes_it(agent):
    earlier = SessionStore()
    earlier["seen"] = True
    earlier.save()
    client = with_cookie(str(earlier.session_key))

    client.post("/login", {"username": agent.email, "password": PASSWORD})

    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert cookie != earlier.session_key  # a new key at sign-in (no session fixation)
    assert list(Session.objects.values_list("session_key", flat=True)) == [stored_key(cookie)]
    client.post("/logout")
    assert not Session.objects.exists()
    assert client.get("/inbox").status_code == 302


def test_the_async_side_finds_and_deletes_by_the_hash(db: None) -> None:
    # The agent websocket loads its session through these (Channels' session middleware).
    store = SessionStore()
    store["who"] = "maria"
    async_to_sync(store.asave)()
    key = store.session_key
    assert key is not None
    assert Session.objects.filter(session_key=stored_key(key)).exists()

    again = SessionStore(key)
    assert async_to_sync(again.aload)() == {"who": "maria"}
    assert async_to_sync(again.aexists)(key)
    async_to_sync(again.adelete)()
    assert not Session.objects.exists()


BEFORE = [("core", "0001_initial")]
AFTER = [("core", "0002_totp_hashed_session_keys")]


@pytest.mark.django_db(transaction=True)
def test_sessions_from_before_the_upgrade_stay_signed_in(agent) -> None:
    signed_in(agent)
    data = Session.objects.get().session_data  # what Django's own store would hold
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # going back signs everyone out
    assert not Session.objects.exists()
    plain = "oldstyleplainsessionkey000000001"
    now = timezone.now()
    Session.objects.create(session_key=plain, session_data=data, expire_date=now + timedelta(1))
    expired = "expiredplainsessionkey0000000001"
    Session.objects.create(session_key=expired, session_data=data, expire_date=now - timedelta(1))

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    assert list(Session.objects.values_list("session_key", flat=True)) == [stored_key(plain)]
    assert with_cookie(plain).get("/inbox").status_code == 200
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
