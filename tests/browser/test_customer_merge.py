"""Merging a duplicate customer in Chromium: from the conversation to the customer, the
suggestion, the side-by-side confirmation, and the kept customer with both conversations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rapport.accounts.models import Role
from rapport.customers.models import Customer
from rapport.inboxes.models import InboxKind
from tests.customers.helpers import writes_in
from tests.factories import InboxFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(transactional_db: None) -> dict[str, Any]:
    web = InboxFactory(name="Website", kind=InboxKind.WEBFORM)
    texts = InboxFactory(name="Shop app", kind=InboxKind.API)
    agent = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    web.members.add(agent)
    texts.members.add(agent)
    by_mail = writes_in(web, "email", "nora@example.com", "Nora Keller", "Scarf never arrived")
    by_phone = writes_in(texts, "phone", "+14155550142", "Nora Keller", "Boots in size 39?")
    return {"agent": agent, "by_mail": by_mail, "by_phone": by_phone}


def shoot(page: Any, screenshots: Path | None, name: str) -> None:
    if screenshots:
        page.screenshot(path=str(screenshots / f"customer-{name}.png"), full_page=True)


def test_see_the_suggestion_merge_and_land_on_the_kept_customer(
    browsing: Any, desk: dict[str, Any], screenshots: Path | None
) -> None:
    kept, other = desk["by_mail"].customer, desk["by_phone"].customer
    page = browsing.page(user=desk["agent"])
    page.goto(f"/conversations/{desk['by_mail'].pk}")

    page.locator("[data-customer-link]").click()
    page.wait_for_url(f"**/customers/{kept.pk}")
    suggestion = page.locator(f'[data-duplicate="{other.pk}"]')
    assert "Possible duplicate: Nora Keller" in suggestion.inner_text()
    assert "same name" in suggestion.inner_text()
    shoot(page, screenshots, "suggestion")

    suggestion.get_by_role("link", name="Merge…").click()
    page.wait_for_url(f"**/customers/{kept.pk}/merge/{other.pk}")
    assert page.get_by_role("region", name="Kept: Nora Keller").is_visible()
    assert "+14155550142" in page.locator(".merge-plan").inner_text()
    shoot(page, screenshots, "confirm")

    page.locator("[data-merge]").click()
    page.wait_for_url(f"**/customers/{kept.pk}")
    conversations = page.locator(".customer-conversations").inner_text()
    assert "Scarf never arrived" in conversations
    assert "Boots in size 39?" in conversations
    assert "Merged Nora Keller (customer" in page.locator(".flash").inner_text()
    assert "merged Nora Keller" in page.locator(".history").inner_text()
    assert page.locator("[data-duplicate]").count() == 0
    shoot(page, screenshots, "merged")
    assert not Customer.objects.filter(pk=other.pk).exists()


def test_the_pages_fit_a_phone(
    browsing: Any, desk: dict[str, Any], screenshots: Path | None
) -> None:
    from tests.browser.conftest import PHONE

    kept, other = desk["by_mail"].customer, desk["by_phone"].customer
    page = browsing.page(user=desk["agent"], viewport=PHONE)
    for url, name in (
        (f"/customers/{kept.pk}", "phone-customer"),
        (f"/customers/{kept.pk}/merge/{other.pk}", "phone-confirm"),
        ("/customers/duplicates", "phone-duplicates"),
    ):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} scrolls sideways ({width}px)"
        shoot(page, screenshots, name)


def test_not_the_same_person_from_the_list_and_from_the_customer_page(
    browsing: Any, desk: dict[str, Any], screenshots: Path | None
) -> None:
    """The buttons post with the page's CSRF token, as a real browser sends it."""
    older, newer = desk["by_mail"].customer, desk["by_phone"].customer
    third = writes_in(desk["by_mail"].inbox, "email", "nk@example.com", "NORA KELLER").customer
    page = browsing.page(user=desk["agent"])
    page.goto("/customers/duplicates")
    shoot(page, screenshots, "duplicates")

    row = page.locator(f'tr[data-pair="{older.pk}-{newer.pk}"]')
    row.get_by_role("button", name="Not the same person").click()
    page.wait_for_url("**/customers/duplicates")
    assert page.locator(f'tr[data-pair="{older.pk}-{newer.pk}"]').count() == 0
    assert page.locator("tr[data-pair]").count() == 2  # each of them with the third

    page.goto(f"/customers/{older.pk}")
    page.locator(f'[data-duplicate="{third.pk}"]').get_by_role(
        "button", name="Not the same person"
    ).click()
    page.wait_for_url(f"**/customers/{older.pk}")
    assert page.locator("[data-duplicate]").count() == 0
    assert "not the same person as NORA KELLER" in page.locator(".history").inner_text()
    shoot(page, screenshots, "not-the-same-person")
