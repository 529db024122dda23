"""Two-factor sign-in: enrolment, the code step, recovery codes, replay, rate limits, the
admin's per-role rule, and that nothing is signed in between the password and the code."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from rapport.accounts.actions import two_factor
from rapport.accounts.models import RecoveryCode, Role, SignInPolicy, TwoFactor, User
from rapport.core import encryption
from rapport.core.models import AuditEntry
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def fresh_limits() -> None:
    cache.clear()


def enrol(user: User) -> tuple[str, list[str]]:
    """Turn two-factor on for ``user`` as the settings page would; (secret, recovery codes)."""
    secret = two_factor.start_enrolment(user=user).secret
    codes = two_factor.confirm_enrolment(user=user, code=pyotp.TOTP(secret).now())
    cache.clear()  # the confirmation counted as an attempt
    return secret, codes


def stored_secret(user: User) -> str:
    """The base32 secret of ``user``'s authenticator, decrypted from its row."""
    return encryption.decrypt(TwoFactor.objects.get(user=user).encrypted_secret)


def later_code(secret: str, steps: int = 1) -> str:
    """The code of a later 30-second step (a replayed current code would be refused)."""
    return pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30 * steps))


def password_step(user: User, **extra: str) -> tuple[Client, object]:
    client = Client()
    response = client.post("/login", {"username": user.email, "password": PASSWORD, **extra})
    return client, response


def test_with_two_factor_on_the_password_leads_to_the_code_step(agent):
    enrol(agent)

    client, response = password_step(agent)

    assert response.status_code == 302
    assert response["Location"] == "/login/code"
    page = client.get("/login/code").content.decode()
    assert "Enter your code" in page
    assert 'autocomplete="one-time-code"' in page


def test_between_the_steps_no_page_api_or_socket_is_open(agent, conversation):
    enrol(agent)
    client, _response = password_step(agent)

    steps = {"/login/code", "/login/enrol"}  # the pages of this very step
    pages = [
        *(url for url in plain_pages() if url not in steps),
        f"/conversations/{conversation.pk}",
    ]
    assert len(pages) > 20
    anonymous = Client()
    for url in pages:
        # Half-way through signing in is exactly as much as not signed in at all.
        assert client.get(url).status_code == anonymous.get(url).status_code, url
    response = client.get("/inbox")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/inbox"
    api = client.get("/api/v1/agents/me")
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "unauthenticated"
    assert client.post("/api/v1/customers", {}, content_type="application/json").status_code in {
        401,
        403,
    }


# The agent websocket between the steps: tests/realtime/test_two_factor_socket.py.


def plain_pages() -> list[str]:
    """Every URL of the URL conf without parameters (the API's own are checked apart)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[str] = []

    def walk(patterns: list, prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if not route.startswith("api"):
                    walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern) and "<" not in route and "^" not in route:
                found.append("/" + prefix + route.rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return found


def test_the_right_code_signs_in_and_goes_where_asked(agent, conversation):
    secret, _codes = enrol(agent)
    url = f"/conversations/{conversation.pk}"
    client, _response = password_step(agent, next=url)

    response = client.post("/login/code", {"code": later_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == url
    assert client.get(url).status_code == 200
    me = client.get("/api/v1/agents/me").json()
    assert (me["email"], me["two_factor_enabled"]) == (agent.email, True)


def test_a_wrong_code_is_refused_with_a_clear_message(agent):
    enrol(agent)
    client, _response = password_step(agent)

    response = client.post("/login/code", {"code": "000000"})

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert client.get("/inbox").status_code == 302


def test_a_code_works_once_even_within_its_window(agent):
    secret, _codes = enrol(agent)
    code = later_code(secret)
    first, _response = password_step(agent)
    assert first.post("/login/code", {"code": code}).status_code == 302

    second, _response = password_step(agent)
    replay = second.post("/login/code", {"code": code})

    assert replay.status_code == 400
    assert second.get("/inbox").status_code == 302


def test_codes_are_rate_limited_per_person(agent):
    secret, _codes = enrol(agent)
    client, _response = password_step(agent)
    for _attempt in range(two_factor.ATTEMPTS_PER_WINDOW):
        assert client.post("/login/code", {"code": "111111"}).status_code == 400

    # Even the right code waits now, and from a fresh session too: the limit is per person.
    limited = client.post("/login/code", {"code": later_code(secret)})
    other, _response = password_step(agent)
    also_limited = other.post("/login/code", {"code": later_code(secret)})

    assert limited.status_code == 429
    assert limited["Retry-After"] == str(two_factor.WINDOW_SECONDS)
    assert "Too many codes tried" in limited.content.decode()
    assert also_limited.status_code == 429


def test_a_recovery_code_signs_in_once_and_is_audited(agent):
    _secret, codes = enrol(agent)
    client, _response = password_step(agent)

    response = client.post("/login/code", {"code": codes[0].upper()})

    assert response.status_code == 302
    assert client.get("/inbox").status_code == 200
    again, _response = password_step(agent)
    assert again.post("/login/code", {"code": codes[0]}).status_code == 400
    entry = AuditEntry.objects.get(verb="two_factor.recovery_code_used")
    assert entry.actor == agent
    assert entry.changes == {"left": 9}


def test_recovery_codes_are_stored_hashed(agent):
    _secret, codes = enrol(agent)

    stored = set(RecoveryCode.objects.filter(user=agent).values_list("code_hash", flat=True))

    assert len(stored) == 10
    assert not any(code.replace("-", "") in stored or code in stored for code in codes)


def test_the_code_step_without_the_password_step_asks_to_sign_in_again(agent):
    enrol(agent)

    response = Client().post("/login/code", {"code": "123456"})

    assert response.status_code == 400
    assert "Please sign in again" in response.content.decode()


def test_the_password_step_expires(agent, monkeypatch):
    secret, _codes = enrol(agent)
    client, _response = password_step(agent)
    import time

    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 11 * 60)

    response = client.post("/login/code", {"code": later_code(secret)})

    assert response.status_code == 400
    assert "Please sign in again" in response.content.decode()


def test_a_required_role_is_led_to_enrol_at_sign_in(agent):
    SignInPolicy.objects.update_or_create(pk=1, defaults={"two_factor_roles": [Role.AGENT]})
    client, response = password_step(agent)
    assert response["Location"] == "/login/enrol"
    page = client.get("/login/enrol").content.decode()
    assert "<svg" in page
    secret = stored_secret(agent)
    assert secret in page
    assert client.get("/inbox").status_code == 302  # not signed in while enrolling

    done = client.post("/login/enrol", {"code": pyotp.TOTP(secret).now()})

    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.content.decode())
    assert len(codes) == 10
    assert done["Cache-Control"] == "no-store"
    assert client.get("/inbox").status_code == 200
    assert AuditEntry.objects.filter(verb="two_factor.enabled", actor=agent).exists()


def test_roles_not_required_sign_in_with_the_password_alone(agent):
    SignInPolicy.objects.update_or_create(pk=1, defaults={"two_factor_roles": [Role.ADMIN]})

    _client, response = password_step(agent)

    assert response["Location"] == "/inbox"


def test_enrolling_from_settings_then_turning_it_off_needs_password_and_code(agent_client, agent):
    agent_client.post("/settings/sign-in", {"action": "start"})
    secret = stored_secret(agent)
    page = agent_client.get("/settings/sign-in").content.decode()
    assert secret in page

    on = agent_client.post(
        "/settings/sign-in", {"action": "confirm", "code": later_code(secret, 0)}
    )
    assert on.status_code == 200
    assert "shown only once" in on.content.decode()
    assert two_factor.is_enrolled(agent)

    wrong = agent_client.post(
        "/settings/sign-in",
        {"action": "turn_off", "password": "wrong", "code": later_code(secret)},
    )
    assert wrong.status_code == 400
    assert "The password is not right" in wrong.content.decode()
    off = agent_client.post(
        "/settings/sign-in",
        {"action": "turn_off", "password": PASSWORD, "code": later_code(secret)},
    )
    assert off.status_code == 302
    assert not two_factor.is_enrolled(agent)
    assert AuditEntry.objects.filter(verb="two_factor.disabled", actor=agent).exists()


def test_a_required_role_cannot_turn_it_off(agent_client, agent):
    secret, _codes = enrol(agent)
    SignInPolicy.objects.update_or_create(pk=1, defaults={"two_factor_roles": [Role.AGENT]})

    response = agent_client.post(
        "/settings/sign-in",
        {"action": "turn_off", "password": PASSWORD, "code": later_code(secret)},
    )

    assert response.status_code == 403
    assert "required for Agents" in response.content.decode()
    assert two_factor.is_enrolled(agent)


def test_only_admins_set_the_rule_and_it_is_audited(admin_client, agent_client, admin):
    refused = agent_client.post(
        "/settings/sign-in", {"action": "policy", "two_factor_roles": ["agent"]}
    )
    assert refused.status_code == 403

    saved = admin_client.post(
        "/settings/sign-in", {"action": "policy", "two_factor_roles": ["admin", "supervisor"]}
    )

    assert saved.status_code == 302
    assert SignInPolicy.current().two_factor_roles == ["admin", "supervisor"]
    entry = AuditEntry.objects.get(verb="sign_in_policy.updated")
    assert entry.actor == admin
    assert entry.changes == {"old": [], "new": ["admin", "supervisor"]}
    page = admin_client.get("/settings/sign-in").content.decode()
    assert 'value="admin"' in page
    assert "Require two-factor for" in page


def test_an_unknown_role_in_the_rule_is_refused(admin_client):
    response = admin_client.post(
        "/settings/sign-in", {"action": "policy", "two_factor_roles": ["x"]}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_new_recovery_codes_replace_the_old_ones(agent_client, agent):
    secret, old = enrol(agent)

    response = agent_client.post(
        "/settings/sign-in", {"action": "renew", "code": later_code(secret)}
    )

    assert response.status_code == 200
    new = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode())
    assert len(new) == 10
    assert set(new).isdisjoint(old)
    client, _response = password_step(agent)
    assert client.post("/login/code", {"code": old[1]}).status_code == 400
    assert client.post("/login/code", {"code": new[1]}).status_code == 302


def test_an_admin_resets_a_lost_authenticator(admin_client, agent_client, admin, agent):
    enrol(agent)
    page = admin_client.get(f"/settings/agents/{agent.pk}").content.decode()
    assert "Reset two-factor" in page

    refused = agent_client.post(f"/settings/agents/{agent.pk}/two-factor/reset")
    response = admin_client.post(f"/settings/agents/{agent.pk}/two-factor/reset")

    assert refused.status_code == 403
    assert response.status_code == 302
    assert not two_factor.is_enrolled(agent)
    assert not RecoveryCode.objects.filter(user=agent).exists()
    assert AuditEntry.objects.get(verb="two_factor.reset").actor == admin
    _client, signed_in = password_step(agent)
    assert signed_in["Location"] == "/inbox"
