"""The widget and live.js as files: served, small, and free of markup injection sinks."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.test import Client

from rapport.accounts.models import User

ROOT = Path(__file__).resolve().parents[2] / "rapport"
WIDGET = ROOT / "inboxes/adapters/chat/static/chat/widget.js"
LIVE = ROOT / "realtime/static/realtime/live.js"


def test_widget_is_small_and_never_parses_text_as_html():
    source = WIDGET.read_text()
    assert len(gzip.compress(source.encode(), 9)) <= 30 * 1024
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink


def test_live_js_only_parses_server_rendered_fragments():
    source = LIVE.read_text()
    assert source.count("innerHTML") == 1  # the Django-escaped message fragment, nothing else
    assert "textContent" in source


@pytest.mark.django_db
def test_agent_pages_may_open_the_websocket_and_nothing_else(chat_agent: User):
    client = Client()
    client.force_login(chat_agent)
    policy = client.get("/inbox")["Content-Security-Policy"]
    assert "connect-src 'self' ws://testserver wss://testserver" in policy
    assert "script-src 'self';" in policy


def test_both_scripts_are_served_as_static_files():
    for path in ("/static/chat/widget.js", "/static/realtime/live.js", "/static/realtime/live.css"):
        response = Client().get(path)
        assert response.status_code == 200, path
