"""The app shell: scripts and styles, CSRF for htmx, keyboard shortcut hooks, the CSP."""

from __future__ import annotations

import re

import pytest


def test_the_shell_loads_htmx_and_the_app_from_static_files(agent_client):
    html = agent_client.get("/inbox").content.decode()

    assert '<script src="/static/rapport/vendor/htmx.min.js" defer></script>' in html
    assert '<script src="/static/rapport/app.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/rapport/app.css">' in html


@pytest.mark.parametrize("path", ["app.css", "app.js", "vendor/htmx.min.js", "favicon.svg"])
def test_static_files_are_served(agent_client, path):
    response = agent_client.get(f"/static/rapport/{path}")

    assert response.status_code == 200


def test_htmx_requests_carry_the_csrf_token(agent_client):
    html = agent_client.get("/inbox").content.decode()

    token = re.search(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""", html)
    assert token
    assert len(token.group(1)) >= 32


def test_pages_forbid_inline_scripts(agent_client):
    policy = agent_client.get("/inbox")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_shortcut_help_lists_every_shortcut(agent_client):
    html = agent_client.get("/inbox").content.decode()

    assert 'id="shortcuts" hidden' in html
    for label in [
        "Next / previous conversation",
        "Open conversation",
        "Reply",
        "Internal note",
        "Assign to me",
        "Resolve",
        "Go to the inbox",
        "Focus the filters",
        "Show this help",
    ]:
        assert label in html


def test_the_pages_carry_the_hooks_the_shortcuts_press(agent_client, conversation):
    inbox = agent_client.get("/inbox").content.decode()
    page = agent_client.get(f"/conversations/{conversation.pk}").content.decode()

    assert "data-row" in inbox
    assert "data-shortcut-focus" in inbox
    assert 'data-shortcut="assign-me"' in page
    assert 'data-shortcut="resolve"' in page
    assert "data-composer" in page


def test_the_user_menu_signs_out_with_a_post(agent_client):
    html = agent_client.get("/inbox").content.decode()

    assert '<form method="post" action="/logout">' in html
    assert "Maria Agent" in html


def test_no_page_uses_inline_handlers(agent_client, admin_client, conversation):
    pages = [
        agent_client.get(p) for p in ("/inbox", f"/conversations/{conversation.pk}", "/mentions")
    ]
    pages += [
        admin_client.get(p)
        for p in ("/settings/inboxes/", "/settings/agents/", "/settings/tokens/")
    ]

    for response in pages:
        html = response.content.decode()
        assert not re.search(r"\son[a-z]+=", html), response.request["PATH_INFO"]
        assert "hx-on" not in html
        assert "<script>" not in html
