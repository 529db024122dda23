"""Single sign-on without a browser: which claims make a seat, forged callbacks, and the
configuration checks (the full flow against a real provider: tests/browser/)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.test import Client

from rapport.accounts import sso
from rapport.accounts.models import Role, User
from rapport.core.errors import PermissionDenied, ValidationFailed
from tests.factories import UserFactory

CONFIG = sso.SsoConfig(
    discovery_url="http://127.0.0.1:9/.well-known/openid-configuration",
    client_id="rapport",
    client_secret="s",
    allowed_domains=("shop.example",),
    default_role=Role.LIGHT,
    provider_name="Example ID",
)


@pytest.fixture
def sso_on(settings):
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.OIDC_CLIENT_ID = "rapport"
    settings.OIDC_ALLOWED_DOMAINS = ["shop.example"]
    settings.OIDC_PROVIDER_NAME = "Example ID"


def test_a_new_address_of_an_allowed_domain_gets_the_default_role(db):
    user = sso.sign_in_user(
        sso=CONFIG, claims={"email": "Nina@Shop.example", "email_verified": True, "name": "Nina"}
    )

    assert (user.email, user.name, user.role) == ("nina@shop.example", "Nina", Role.LIGHT)
    assert not user.has_usable_password()
    assert list(user.inboxes.all()) == []


def test_an_existing_seat_is_matched_by_address_and_keeps_its_role(db):
    ada = UserFactory(email="ada@shop.example", role=Role.ADMIN)

    user = sso.sign_in_user(sso=CONFIG, claims={"email": "ADA@shop.example"})

    assert user == ada
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("claims", "error", "message"),
    [
        ({"email": "eve@elsewhere.example"}, PermissionDenied, "at elsewhere.example cannot"),
        ({"email": "x@shop.example", "email_verified": False}, PermissionDenied, "not verified"),
        ({"sub": "123"}, ValidationFailed, "did not tell us your e-mail"),
        # A subdomain is another domain: only the ones listed.
        ({"email": "eve@evil.shop.example"}, PermissionDenied, "at evil.shop.example cannot"),
    ],
)
def test_claims_that_do_not_make_a_seat(db, claims, error, message):
    with pytest.raises(error, match=message):
        sso.sign_in_user(sso=CONFIG, claims=claims)

    assert not User.objects.exists()


def test_a_deactivated_seat_stays_out(db):
    UserFactory(email="old@shop.example", is_active=False)

    with pytest.raises(PermissionDenied, match="deactivated"):
        sso.sign_in_user(sso=CONFIG, claims={"email": "old@shop.example"})


def test_a_forged_callback_is_refused_and_signs_no_one_in(db, sso_on):
    client = Client()

    response = client.get("/login/sso/callback", {"code": "stolen", "state": "made-up"})

    assert response.status_code == 400
    assert "The sign-in was not completed" in response.content.decode()
    assert client.get("/inbox").status_code == 302


def test_an_unreachable_provider_is_a_clear_502(db, sso_on):
    response = Client().get("/login/sso")

    assert response.status_code == 502
    assert "Example ID could not be reached" in response.content.decode()


def test_the_button_shows_only_when_configured(db, sso_on, settings):
    assert "Sign in with Example ID" in Client().get("/login").content.decode()
    settings.OIDC_CLIENT_ID = ""
    assert "Sign in with" not in Client().get("/login").content.decode()
    assert Client().get("/login/sso").status_code == 404


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OIDC_DEFAULT_ROLE", "owner", "OIDC_DEFAULT_ROLE must be admin, supervisor"),
        ("OIDC_DISCOVERY_URL", "idp.example", "OIDC_DISCOVERY_URL must be an http(s) URL"),
    ],
)
def test_a_bad_setting_stops_rapport_at_start(variable, value, message, tmp_path):
    env = {"RAPPORT_DATA_DIR": str(tmp_path), variable: value, "PATH": "/usr/bin:/bin"}
    code = "import rapport.config.settings"

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )

    assert result.returncode != 0
    assert message in result.stderr


def test_rapport_check_skips_single_sign_on_when_off(db):
    from rapport.cli_checks import check_single_sign_on

    assert check_single_sign_on().status == "skip"


def test_rapport_check_names_an_unreachable_provider(db, sso_on):
    from rapport.cli_checks import check_single_sign_on

    result = check_single_sign_on()

    assert result.status == "fail"
    assert "cannot read http://127.0.0.1:9/.well-known/openid-configuration" in result.detail
    assert "check OIDC_DISCOVERY_URL" in result.detail
