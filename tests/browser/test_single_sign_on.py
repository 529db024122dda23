"""Single sign-on end to end through Chromium, against a real OpenID provider (a second
Django process running django-oauth-toolkit, RSA key generated here): a new person of an
allowed domain gets a seat just in time; someone of another domain, or whose address the
provider has not verified, is refused with a clear page; a seat with two-factor on still
asks for the code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from rapport.accounts import sso
from rapport.accounts.actions import two_factor
from rapport.accounts.models import Role, User
from rapport.core.models import AuditEntry
from tests.factories import UserFactory
from tests.oidc_provider.server import CLIENT_ID, CLIENT_SECRET, Provider, running_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def provider(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    workdir = tmp_path_factory.mktemp("oidc")
    with running_provider(workdir, f"{live_server.url}/login/sso/callback") as running:
        yield running


@pytest.fixture
def sso_on(settings: Any, provider: Provider) -> Provider:
    settings.OIDC_DISCOVERY_URL = provider.url  # the issuer: the discovery path is added
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ALLOWED_DOMAINS = ["shop.example"]
    settings.OIDC_DEFAULT_ROLE = "agent"
    settings.OIDC_PROVIDER_NAME = "Example ID"
    return provider


def sign_in_at_provider(browsing: Any, username: str, password: str, next_url: str = "") -> Any:
    page = browsing.page()
    page.goto("/login" + (f"?next={next_url}" if next_url else ""))
    page.get_by_role("link", name="Sign in with Example ID").click()
    page.wait_for_url("http://127.0.0.1:*/login/**")  # the provider's own sign-in page
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Continue").click()
    return page


def test_a_new_person_of_an_allowed_domain_gets_a_seat(browsing, sso_on, screenshots):
    login = browsing.page()
    login.goto("/login")
    if screenshots is not None:
        login.screenshot(path=str(Path(screenshots) / "login-sso.png"), full_page=True)

    page = sign_in_at_provider(browsing, "nina", "nina-pass")

    page.wait_for_url("**/inbox")
    nina = User.objects.get(email="nina@shop.example")
    assert (nina.name, nina.role) == ("Nina Novak", Role.AGENT)
    assert not nina.has_usable_password()
    entry = AuditEntry.objects.get(verb="agent.created", object_id=nina.pk)
    assert entry.changes["via"] == "sso"


def test_an_existing_seat_signs_in_and_returns_where_it_was_going(browsing, sso_on):
    maria = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.SUPERVISOR)

    page = sign_in_at_provider(browsing, "maria", "maria-pass", next_url="/settings/sign-in")

    page.wait_for_url("**/settings/sign-in")
    assert User.objects.filter(email="maria@shop.example").count() == 1
    maria.refresh_from_db()
    assert maria.role == Role.SUPERVISOR  # SSO never changes a role


def test_another_domain_is_refused_with_a_clear_page(browsing, sso_on, screenshots):
    page = sign_in_at_provider(browsing, "eve", "eve-pass")

    page.wait_for_url("**/login/sso/callback**")
    assert page.get_by_text("accounts at elsewhere.example cannot sign in here").is_visible()
    if screenshots is not None:
        page.screenshot(path=str(Path(screenshots) / "login-sso-refused.png"), full_page=True)
    assert not User.objects.filter(email="eve@elsewhere.example").exists()
    page.goto("/inbox")
    page.wait_for_url("**/login?next=/inbox")


def test_an_unverified_address_is_refused(browsing, sso_on):
    page = sign_in_at_provider(browsing, "una", "una-pass")

    page.wait_for_url("**/login/sso/callback**")
    assert page.get_by_text("una@shop.example is not verified at the provider").is_visible()
    assert not User.objects.filter(email="una@shop.example").exists()


def test_two_factor_still_asks_for_the_code_after_single_sign_on(browsing, sso_on):
    maria = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    secret = two_factor.start_enrolment(user=maria).secret
    two_factor.confirm_enrolment(user=maria, code=pyotp.TOTP(secret).now())

    page = sign_in_at_provider(browsing, "maria", "maria-pass")

    page.wait_for_url("**/login/code")
    page.goto("/inbox")
    page.wait_for_url("**/login?next=/inbox")  # not signed in before the code


def test_without_configuration_there_is_no_button(browsing):
    assert sso.config() is None
    page = browsing.page()
    page.goto("/login")
    assert page.get_by_role("link", name="Sign in with").count() == 0
    page.goto("/login/sso")
    assert page.get_by_text("Single sign-on is not set up on this Rapport").is_visible()


def test_rapport_check_reaches_the_real_provider(sso_on):
    from rapport.cli_checks import check_single_sign_on

    result = check_single_sign_on()

    assert result.status == "ok"
    assert result.detail == f"{sso_on.url} answers; for shop.example"
