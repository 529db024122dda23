"""Hole 7 of issue 21: password guessing is limited per account, not only per network.

The attack: 100 guesses on one account from 5 addresses were all checked. Now an account
waits twice as long after each wrong password past the first five, whatever the address
the guesses come from; known and unknown addresses get the same answers and the same
hashing work; reset mails are limited per address and per network.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.core.cache import cache
from django.test import Client

from rapport.accounts import throttle
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters() -> Any:
    cache.clear()
    yield
    cache.clear()


def sign_in(address: str, password: str, ip: str) -> Any:
    return Client(REMOTE_ADDR=ip).post("/login", {"username": address, "password": password})


def test_guesses_from_many_addresses_are_slowed_per_account(agent: Any) -> None:
    answers = [sign_in(agent.email, f"guess {n}", f"10.0.0.{n % 5}") for n in range(20)]
    checked = [a for a in answers if a.status_code == 400]
    limited = [a for a in answers if a.status_code == 429]
    assert len(checked) == throttle.FREE_FAILURES
    assert len(limited) == 20 - throttle.FREE_FAILURES
    assert limited[0]["Retry-After"] == "2"
    # Even the right password is not checked while the account waits.
    assert sign_in(agent.email, PASSWORD, "10.0.0.9").status_code == 429


def test_the_wait_doubles_and_ends(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    waits = []
    for _ in range(throttle.FREE_FAILURES + 4):
        answer = sign_in(agent.email, "wrong", "10.0.0.1")
        if answer.status_code == 429:
            waits.append(int(answer["Retry-After"]))
            now[0] += waits[-1]
            assert sign_in(agent.email, "wrong", "10.0.0.1").status_code == 400
    assert waits == [2, 4, 8, 16]
    now[0] += 32
    assert sign_in(agent.email, PASSWORD, "10.0.0.1").status_code == 302
    assert sign_in(agent.email, "wrong", "10.0.0.1").status_code == 400  # the run was reset


def page_without_variables(response: Any, address: str) -> str:
    """The page with what legitimately differs taken out: the CSRF token, the address."""
    html = response.content.decode().replace(address, "ADDRESS")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_an_unknown_address_is_answered_like_a_known_one(agent: Any) -> None:
    known = [sign_in(agent.email, "wrong", "10.0.0.1") for _ in range(7)]
    unknown = [sign_in("nobody@shop.example", "wrong", "10.0.0.2") for _ in range(7)]
    assert [a.status_code for a in known] == [a.status_code for a in unknown]
    for mine, theirs in zip(known, unknown, strict=True):
        assert page_without_variables(mine, agent.email) == page_without_variables(
            theirs, "nobody@shop.example"
        )


def test_known_and_unknown_addresses_cost_the_same_hashing(
    agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same work, so the time does not tell whether a seat has the address."""
    hasher = type(get_hasher())
    calls: list[str] = []
    real = hasher.encode
    monkeypatch.setattr(
        hasher, "encode", lambda self, *a, **k: calls.append("x") or real(self, *a, **k)
    )
    sign_in(agent.email, "wrong", "10.0.0.1")
    known = len(calls)
    sign_in("nobody@shop.example", "wrong", "10.0.0.1")
    assert known == len(calls) - known == 1


def test_one_network_spraying_many_accounts_is_stopped(db: Any) -> None:
    limit = throttle.IP_FAILURES[0]
    for n in range(limit):
        assert sign_in(f"user{n}@shop.example", "Winter2026!", "10.9.9.9").status_code == 400
    refused = sign_in("another@shop.example", "Winter2026!", "10.9.9.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "from your network" in refused.content.decode()
    assert sign_in("another@shop.example", "Winter2026!", "10.9.9.10").status_code == 400


def test_an_office_signing_in_successfully_is_never_limited(agent: Any, admin: Any) -> None:
    for _ in range(throttle.IP_FAILURES[0] + 5):
        assert sign_in(agent.email, PASSWORD, "192.0.2.1").status_code == 302


def test_reset_mails_are_limited_per_account(agent: Any) -> None:
    answers = [
        Client(REMOTE_ADDR=f"10.0.1.{n}").post("/password/reset", {"email": agent.email})
        for n in range(10)
    ]
    assert {a["Location"] for a in answers} == {"/password/reset/sent"}  # nothing to learn
    assert len(mail.outbox) == throttle.RESETS_PER_ACCOUNT[0]


def test_reset_requests_are_limited_per_network(db: Any) -> None:
    client = Client(REMOTE_ADDR="10.0.2.1")
    for n in range(throttle.RESETS_PER_IP[0]):
        client.post("/password/reset", {"email": f"user{n}@shop.example"})
    refused = client.post("/password/reset", {"email": "last@shop.example"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"


def test_the_reset_mail_is_left_to_the_worker(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request only enqueues a seat's id: an SMTP round trip for known addresses only
    would tell, by the time taken, who has a seat."""
    from rapport.accounts.views import auth

    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(auth, "send_password_reset_task", lambda *args: queued.append(args))
    for address in (agent.email, "nobody@shop.example"):
        answer = Client().post("/password/reset", {"email": address})
        assert answer["Location"] == "/password/reset/sent"
    assert queued == [(agent.pk, "testserver", False)]
    assert mail.outbox == []
