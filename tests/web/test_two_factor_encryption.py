"""The TOTP secret at rest: encrypted in its column, sign-in through the real pages still
works, a rotated key keeps working, and a wrong key is a clear sign-in error, not a 500."""

from __future__ import annotations

import logging
import re

import pyotp
import pytest
from django.core.cache import cache
from django.db import connection

from rapport.accounts.actions import two_factor
from rapport.accounts.models import TwoFactor
from rapport.core import encryption
from tests.web.test_two_factor import enrol, later_code, password_step, stored_secret

KEY_A = "first-encryption-key-of-the-installation"
KEY_B = "second-encryption-key-after-the-rotation"


@pytest.fixture(autouse=True)
def fresh_limits() -> None:
    cache.clear()


@pytest.fixture
def key_a(settings):
    settings.RAPPORT_ENCRYPTION_KEY, settings.RAPPORT_ENCRYPTION_OLD_KEYS = KEY_A, []
    return settings


def stored_column(user_id: int) -> str:
    """The column as a database backup has it (raw SQL: no model code in between)."""
    table = TwoFactor._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT encrypted_secret FROM {table} WHERE user_id = %s", [user_id])  # noqa: S608
        return cursor.fetchone()[0]


def test_enrolling_on_the_settings_page_stores_no_base32_secret(agent_client, agent, key_a):
    agent_client.post("/settings/sign-in", {"action": "start"})
    page = agent_client.get("/settings/sign-in").content.decode()
    shown = re.search(r"data-secret>([A-Z2-7]+)<", page)
    assert shown is not None
    secret = shown.group(1)

    on = agent_client.post(
        "/settings/sign-in", {"action": "confirm", "code": later_code(secret, 0)}
    )

    assert on.status_code == 200
    column = stored_column(agent.pk)
    assert column.startswith("fernet:")
    assert secret not in column
    assert secret not in column.upper()
    assert encryption.decrypt(column) == secret


def test_sign_in_with_a_code_works_through_the_pages(agent, key_a):
    secret, _codes = enrol(agent)
    client, response = password_step(agent)
    assert response["Location"] == "/login/code"

    signed_in = client.post("/login/code", {"code": later_code(secret)})

    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/inbox"
    assert client.get("/inbox").status_code == 200


def test_after_a_key_rotation_sign_in_works_before_and_after_reencrypting(agent, settings, key_a):
    secret, _codes = enrol(agent)
    settings.RAPPORT_ENCRYPTION_KEY, settings.RAPPORT_ENCRYPTION_OLD_KEYS = KEY_B, [KEY_A]

    client, _response = password_step(agent)
    assert client.post("/login/code", {"code": later_code(secret, 1)}).status_code == 302
    assert two_factor.stored_secrets() == two_factor.StoredSecrets(1, 0, 1)

    assert two_factor.reencrypt_secrets() == (1, 0)
    assert two_factor.reencrypt_secrets() == (0, 0)  # nothing left under the old key
    settings.RAPPORT_ENCRYPTION_OLD_KEYS = []  # the old key dropped
    assert two_factor.stored_secrets() == two_factor.StoredSecrets(1, 0, 0)
    cache.clear()
    TwoFactor.objects.filter(user=agent).update(last_step=0)  # as if a minute went by
    again, _response = password_step(agent)
    assert again.post("/login/code", {"code": later_code(secret, 0)}).status_code == 302


def test_a_wrong_key_is_a_clear_sign_in_error_and_is_logged(agent, settings, key_a, caplog):
    secret, codes = enrol(agent)
    settings.RAPPORT_ENCRYPTION_KEY = KEY_B  # changed, and the old one not listed

    client, _response = password_step(agent)
    with caplog.at_level(logging.ERROR, logger="rapport.accounts.actions.two_factor"):
        refused = client.post("/login/code", {"code": later_code(secret)})

    assert refused.status_code == 503
    page = refused.content.decode()
    assert "cannot check codes from authenticator apps right now" in page
    assert "Sign in with one of your recovery codes" in page
    assert client.get("/inbox").status_code == 302  # not signed in
    assert any(f"user {agent.pk} opens with no configured key" in m for m in caplog.messages)
    # The recovery codes are hashes, not encrypted: they still sign in.
    assert client.post("/login/code", {"code": codes[0]}).status_code == 302
    assert client.get("/inbox").status_code == 200


def test_a_wrong_key_while_enrolling_shows_a_new_secret(agent_client, agent, settings, key_a):
    agent_client.post("/settings/sign-in", {"action": "start"})
    first = stored_secret(agent)
    settings.RAPPORT_ENCRYPTION_KEY = KEY_B

    confirm = agent_client.post(
        "/settings/sign-in", {"action": "confirm", "code": pyotp.TOTP(first).now()}
    )

    assert confirm.status_code == 400
    assert "start again with a new QR code" in confirm.content.decode()
    page = agent_client.get("/settings/sign-in").content.decode()
    second = stored_secret(agent)
    assert second != first
    assert f"data-secret>{second}<" in page
    assert not two_factor.is_enrolled(agent)
