"""Two-factor sign-in in a real browser: an admin sets it up under Settings → Sign-in and
requires it for agents; an agent is then led through enrolment at sign-in, and the next
sign-in asks for a code, with no page open in between."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from rapport.accounts.models import Role
from tests.factories import PASSWORD, InboxFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30 * steps))


def password_step(browsing, email: str):
    page = browsing.page()
    page.goto("/login")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def shoot(page, screenshots, name: str) -> None:
    if screenshots is not None:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def test_an_admin_sets_up_two_factor_and_requires_it_for_agents(browsing, screenshots):
    UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    page = password_step(browsing, "ada@shop.example")
    page.wait_for_url("**/inbox")

    page.goto("/settings/sign-in")
    shoot(page, screenshots, "sign-in-settings-off")
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    qr = page.locator(".qr-code svg")
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] >= 150
    secret = page.locator("[data-secret]").inner_text().strip()
    shoot(page, screenshots, "sign-in-settings-enrol")
    page.fill("input[name=code]", code_for(secret))
    page.get_by_role("button", name="Turn on").click()

    codes = page.locator("[data-recovery-codes] code")
    assert codes.count() == 10
    assert page.get_by_text("shown only once").is_visible()
    page.get_by_label("Agents").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("those roles set up two-factor").is_visible()
    assert page.get_by_text("On", exact=True).is_visible()
    shoot(page, screenshots, "sign-in-settings-on")


def test_an_agent_whose_role_requires_it_enrols_then_signs_in_with_a_code(browsing, screenshots):
    from rapport.accounts.models import SignInPolicy

    SignInPolicy.objects.update_or_create(pk=1, defaults={"two_factor_roles": [Role.AGENT]})
    inbox = InboxFactory(name="Website")
    maria = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    inbox.members.add(maria)

    page = password_step(browsing, "maria@shop.example")
    page.wait_for_url("**/login/enrol")
    assert page.get_by_role("heading", name="Set up two-factor sign-in").is_visible()
    shoot(page, screenshots, "login-enrol")
    secret = page.locator("[data-secret]").inner_text().strip()
    page.fill("input[name=code]", "000000")
    page.get_by_role("button", name="Turn on and sign in").click()
    assert page.get_by_text("That code is not right").is_visible()
    page.fill("input[name=code]", code_for(secret))
    page.get_by_role("button", name="Turn on and sign in").click()
    recovery = [
        code.strip() for code in page.locator("[data-recovery-codes] code").all_inner_texts()
    ]
    assert len(recovery) == 10
    shoot(page, screenshots, "login-recovery-codes")
    page.get_by_role("link", name="I saved them, continue").click()
    page.wait_for_url("**/inbox")

    # Next time: the password, then a code; the inbox is closed in between.
    again = password_step(browsing, "maria@shop.example")
    again.wait_for_url("**/login/code")
    shoot(again, screenshots, "login-code")
    again.goto("/inbox")
    again.wait_for_url("**/login?next=/inbox")
    again.goto("/login/code")
    again.fill("input[name=code]", code_for(secret, 1))
    again.get_by_role("button", name="Sign in").click()
    again.wait_for_url("**/inbox")
    assert again.locator(".user-menu").count() == 1  # the signed-in shell

    # A recovery code works once.
    lost_phone = password_step(browsing, "maria@shop.example")
    lost_phone.wait_for_url("**/login/code")
    lost_phone.fill("input[name=code]", recovery[0])
    lost_phone.get_by_role("button", name="Sign in").click()
    lost_phone.wait_for_url("**/inbox")


def test_a_changed_encryption_key_is_explained_and_a_recovery_code_gets_in(
    browsing, screenshots, settings
):
    from rapport.accounts.actions import two_factor

    settings.RAPPORT_ENCRYPTION_KEY = "the-key-the-secret-was-stored-under-00"
    maria = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    secret = two_factor.start_enrolment(user=maria).secret
    codes = two_factor.confirm_enrolment(user=maria, code=code_for(secret))
    settings.RAPPORT_ENCRYPTION_KEY = "a-new-key-and-the-old-one-not-listed-00"

    page = password_step(browsing, "maria@shop.example")
    page.wait_for_url("**/login/code")
    page.fill("input[name=code]", code_for(secret, 1))
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_text("its encryption key has changed").is_visible()
    shoot(page, screenshots, "sign-in-code-key-changed")
    page.fill("input[name=code]", codes[0])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")
