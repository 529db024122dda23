"""Invitations in a real browser: an admin invites a teammate with a role, a team and an
inbox; the teammate opens the e-mailed link, chooses a name and password and lands in the
inbox; the same link then shows a clear refusal."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rapport.accounts.models import Role, User
from tests.factories import PASSWORD, InboxFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, screenshots, name: str) -> None:
    if screenshots is not None:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def test_an_invited_teammate_sets_up_their_seat_once(browsing, screenshots):
    InboxFactory(name="Website")
    InboxFactory(name="Wholesale")
    TeamFactory(name="Billing")
    UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    page = browsing.page()
    page.goto("/login")
    page.fill("input[name=username]", "ada@shop.example")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")

    page.goto("/settings/agents/")
    page.get_by_role("link", name="Invite an agent").click()
    page.fill("input[name=email]", "nina@shop.example")
    page.fill("input[name=name]", "Nina")
    page.select_option("select[name=role]", "light")
    page.get_by_label("Billing").check()
    page.get_by_label("Website").check()
    shoot(page, screenshots, "settings-invite")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url("**/settings/agents/")
    assert page.get_by_text("Invitation sent to nina@shop.example").is_visible()
    assert page.locator("[data-invitations]").get_by_text("nina@shop.example").is_visible()
    shoot(page, screenshots, "settings-agents-invitations")

    link = re.search(r"https?://\S+(/invitations/\S+)", mail.outbox[-1].body).group(1)
    invitee = browsing.page()
    invitee.goto(link)
    assert invitee.get_by_text("You will sign in as nina@shop.example").is_visible()
    shoot(invitee, screenshots, "invitation-accept")
    invitee.fill("input[name=name]", "Nina Novak")
    invitee.fill("input[name=password]", "a good long passphrase")
    invitee.fill("input[name=password_again]", "a good long passphrase")
    invitee.get_by_role("button", name="Create my seat").click()
    invitee.wait_for_url("**/inbox")
    nina = User.objects.get(email="nina@shop.example")
    assert (nina.name, nina.role) == ("Nina Novak", Role.LIGHT)
    assert [inbox.name for inbox in nina.inboxes.all()] == ["Website"]
    assert [team.name for team in nina.teams.all()] == ["Billing"]

    replay = browsing.page()
    replay.goto(link)
    assert replay.get_by_text("This invitation was already used").is_visible()
    shoot(replay, screenshots, "invitation-used")
