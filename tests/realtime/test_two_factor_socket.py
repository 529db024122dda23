"""The agent websocket stays closed between the password and the two-factor code."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from rapport.accounts.actions import two_factor
from tests.factories import PASSWORD, UserFactory
from tests.realtime.conftest import agent_socket, run

pytestmark = pytest.mark.django_db(transaction=True)


def opens(client: Client) -> bool:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    socket = agent_socket(cookie.encode())
    accepted: list[bool] = []

    async def scenario() -> None:
        ok, _code = await socket.connect()
        accepted.append(ok)
        if ok:
            await socket.disconnect()

    run(scenario)
    return accepted[0]


def test_the_agent_socket_opens_only_after_the_code():
    agent = UserFactory(email="maria@shop.example")
    secret = two_factor.start_enrolment(user=agent).secret
    two_factor.confirm_enrolment(user=agent, code=pyotp.TOTP(secret).now())
    client = Client()
    client.post("/login", {"username": agent.email, "password": PASSWORD})

    between = opens(client)
    later = pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30))
    client.post("/login/code", {"code": later})
    after = opens(client)

    assert between is False
    assert after is True  # the same check with a signed-in session: the refusal was real
