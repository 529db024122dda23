"""Settings → API tokens in a real browser: an agent makes a read-only token limited to one
inbox, copies it from the page it is shown on once, and it works on the API."""

from __future__ import annotations

import httpx
import pytest

from rapport.accounts.models import Role
from tests.factories import PASSWORD, InboxFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_makes_a_read_only_token_for_one_inbox(browsing, live_server, screenshots):
    website = InboxFactory(name="Website")
    wholesale = InboxFactory(name="Wholesale")
    maria = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    website.members.add(maria)
    wholesale.members.add(maria)
    page = browsing.page()
    page.goto("/login")
    page.fill("input[name=username]", maria.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")

    page.goto("/settings/tokens/")
    assert page.get_by_role("link", name="Agents").count() == 0  # admins' tabs stay hidden
    page.fill("input[name=name]", "Weekly report")
    page.get_by_label("Read only").check()
    page.get_by_label("Website").check()
    page.get_by_role("button", name="Create token").click()

    assert page.get_by_text("shown only once").is_visible()
    plain = page.locator("[data-copy-source]").inner_text().strip()
    row = page.locator("tr", has_text="Weekly report")
    assert "Read only" in row.inner_text()
    assert "Website" in row.inner_text()
    if screenshots is not None:
        page.screenshot(path=str(screenshots / "settings-api-tokens.png"), full_page=True)

    headers = {"Authorization": f"Bearer {plain}"}
    inboxes = httpx.get(f"{live_server.url}/api/v1/inboxes", headers=headers).json()
    assert [inbox["name"] for inbox in inboxes] == ["Website"]
    write = httpx.post(f"{live_server.url}/api/v1/tokens", headers=headers, json={"name": "x"})
    assert write.status_code == 403

    row.get_by_role("button", name="Revoke").click()
    assert page.get_by_text("it no longer opens the API").is_visible()
    gone = httpx.get(f"{live_server.url}/api/v1/inboxes", headers=headers)
    assert gone.status_code == 401
