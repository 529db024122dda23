"""Issue 21, hole 9: the API docs page has a strict CSP, and Swagger UI still works under it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rapport.core.middleware import DOCS_POLICY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_sends_a_policy_without_inline_script(db: Any) -> None:
    response = Client().get("/api/docs")
    policy = response["Content-Security-Policy"]
    assert policy == DOCS_POLICY
    assert "script-src 'self';" in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_swagger_ui_renders_every_operation_under_the_policy(browsing: Any) -> None:
    violations: list[str] = []
    page = browsing.page()
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/api/docs")
    page.wait_for_selector(".opblock-summary", timeout=15_000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/conversations" in text for text in operations)
    assert violations == []
