"""The new sign-in pages fit a phone and a desktop without sideways scrolling: two-factor
settings while enrolling, API tokens with a scoped one, the invitation form and list, and
the invitee's page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rapport.accounts.actions import invitations, two_factor
from rapport.accounts.models import Role, TokenAccess
from rapport.accounts.tokens import create_token
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import InboxFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def overflow(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_sign_in_pages_fit_the_screen(browsing, viewport, screenshots):
    inbox = InboxFactory(name="Website contact form")
    TeamFactory(name="Customer care")
    ada = UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    two_factor.start_enrolment(user=ada)
    create_token(
        user=ada,
        name="Weekly report",
        access=TokenAccess.READ,
        inbox_ids=[inbox.pk],
    )
    invitations.invite_agent(actor=ada, email="nina@shop.example", role=Role.AGENT)
    link = re.search(r"/invitations/\S+", mail.outbox[-1].body).group(0)
    size = "phone" if viewport == PHONE else "desktop"
    page = browsing.page(user=ada, viewport=viewport)
    visitor = browsing.page(viewport=viewport)
    for who, name, path in [
        (page, "sign-in", "/settings/sign-in"),
        (page, "tokens", "/settings/tokens/"),
        (page, "invite", "/settings/agents/new"),
        (page, "agents", "/settings/agents/"),
        (visitor, "accept", link),
    ]:
        who.goto(path)
        assert overflow(who) <= 0, f"{path} scrolls sideways at {viewport}"
        if screenshots:
            who.screenshot(path=str(screenshots / f"layout-{name}-{size}.png"), full_page=True)
