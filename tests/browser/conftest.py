"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium missing is a skip on a developer's machine (with a message saying so) and a
failure in CI (``CI=true``), so CI can never pass without having run these.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from rapport.accounts.models import User
from tests.availability import could_not_run

# Playwright's sync API runs an event loop in this thread; Django would then refuse the
# database calls the tests make between browser steps. The tests are single-threaded.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


# Per module, not per session: a Playwright sync session keeps an event loop running in
# this thread, and another module that starts its own Playwright would then fail.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        could_not_run(f"Chromium not installed at {CHROMIUM}: browser tests could not run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Browsing:
    """Opens pages for one test and collects JavaScript errors, which fail the test."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[Any] = []
        self.errors: list[str] = []

    def page(self, user: User | None = None, viewport: dict[str, int] = DESKTOP) -> Any:
        context = self.browser.new_context(viewport=viewport, base_url=self.base_url)
        self.contexts.append(context)
        if user is not None:
            context.add_cookies([self.session_cookie(user)])
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", self.on_console)
        return page

    def on_console(self, message: Any) -> None:
        # A 4xx answer a test asks for is logged by Chromium ("Failed to load resource") and
        # by htmx ("Response Status Error Code"); app.js shows it to the agent instead.
        # pytest-django's live_server speaks WSGI, so live.js's websocket is refused there;
        # live updates are tested against a real uvicorn in test_chat_widget.py and
        # tests/realtime/.
        expected = (
            "Failed to load resource",
            "Response Status Error Code",
            "WebSocket connection to",
        )
        if message.type == "error" and not message.text.startswith(expected):
            self.errors.append(f"console: {message.text}")

    def session_cookie(self, user: User) -> dict[str, str]:
        client = Client()
        client.force_login(user)
        value = client.cookies[settings.SESSION_COOKIE_NAME].value
        return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": self.base_url}

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(chromium: Any, live_server: Any, transactional_db: None) -> Iterator[Browsing]:
    session = Browsing(chromium, live_server.url)
    yield session
    session.close()
    assert session.errors == []


@pytest.fixture
def screenshots() -> Path | None:
    """Set RAPPORT_SCREENSHOTS to a directory to keep screenshots of the pages tested."""
    where = os.environ.get("RAPPORT_SCREENSHOTS")
    if not where:
        return None
    path = Path(where)
    path.mkdir(parents=True, exist_ok=True)
    return path
