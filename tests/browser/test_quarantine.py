"""Settings → Quarantine in a real browser, on the demo: the admin sees the quarantined
mail with its reason, downloads it exactly as received, and retries it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.accounts.models import User
from rapport.demo import load_demo
from rapport.demo.loader import QUARANTINED_MAIL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demos_quarantined_mail_can_be_seen_downloaded_and_retried(browsing):
    load_demo()
    owen = User.objects.get(email="owen@rapport.localhost")
    page = browsing.page(owen)
    page.goto("/settings/")
    page.get_by_role("link", name="Quarantine").click()
    row = page.locator(".quarantine-table tbody tr")
    assert row.count() == 1
    assert "no valid sender" in row.inner_text()
    assert "Shop mail" in row.inner_text()

    with page.expect_download() as download:
        row.get_by_role("link", name="Download").click()
    assert Path(download.value.path()).read_bytes() == QUARANTINED_MAIL

    row.get_by_role("button", name="Retry").click()
    assert (
        "still quarantined"
        in page.locator(".flash, [role=alert], [role=status]").first.inner_text()
    )
    assert page.locator(".quarantine-table tbody tr").count() == 1
