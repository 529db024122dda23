"""End to end: a demo website with the chat widget and the agent app, in Chromium, in real time.

Rapport runs in a real uvicorn process (websockets) on a file SQLite database; the demo
site is another origin; replies that cannot reach a departed visitor arrive at a real SMTP
server.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.outbox.conftest import SmtpServer
from tests.realtime.servers import DemoSite, Uvicorn, need, server_env, serverctl

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XSS = 'Hello <img src=x onerror="alert(1)"> <b>lamp</b> 💡'
WIDGET = "rapport-chat"  # Playwright's CSS engine reaches into the open shadow root

pytestmark = pytest.mark.browser


@dataclass
class Stack:
    server: Uvicorn
    site: DemoSite
    smtp: SmtpServer
    setup: dict[str, Any]
    env: dict[str, str]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    need(f"Chromium ({CHROMIUM})", Path(CHROMIUM).exists())
    data = tmp_path_factory.mktemp("live-chat")
    smtp = SmtpServer()
    smtp.start()
    env = server_env(
        data,
        DATABASE_URL=f"sqlite:///{data / 'rapport.sqlite3'}",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
    )
    setup = serverctl(env, "setup")
    server = Uvicorn(env, data / "uvicorn.log")
    site = DemoSite(data / "site", server.url, str(setup["inbox_key"]))
    yield Stack(server, site, smtp, setup, env)
    site.stop()
    server.stop()
    smtp.stop()


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def no_dialogs(page: Any) -> list[str]:
    """Any alert() would mean injected script ran."""
    opened: list[str] = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def go_live(page: Any, stack: Stack) -> None:
    """Load live.js as base.html will (the lead wires the tag), and wait for the socket."""
    page.evaluate(
        """([src, user]) => { const s = document.createElement('script');
             s.src = src; s.dataset.user = user; document.head.appendChild(s); }""",
        ["/static/realtime/live.js", str(stack.setup["agent_id"])],
    )
    page.wait_for_function("() => window.RapportLive && window.RapportLive.connected")


def agent_page(browser: Any, stack: Stack) -> Any:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{stack.server.url}/login")
    page.fill("input[name=username]", str(stack.setup["email"]))
    page.fill("input[name=password]", str(stack.setup["password"]))
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox**")
    page.goto(f"{stack.server.url}/inbox?view=all")
    go_live(page, stack)
    return page


def open_widget(page: Any) -> None:
    page.click(f"{WIDGET} .launcher")
    page.wait_for_selector(f"{WIDGET} .panel", state="visible")


def widget_texts(page: Any, kind: str) -> list[str]:
    return list(page.locator(f"{WIDGET} .msg.{kind}[data-id] .bubble").all_inner_texts())


def wait_for_mail(smtp: SmtpServer, count: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while len(smtp.mailbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def wait_until_the_server_sees_the_visitor_gone(agent: Any, timeout: float = 60) -> None:
    """Until the reply box says the visitor left, as the server sees it: their socket's
    close is handled there some time after the browser closed it (long under load), and a
    reply sent before would go to the chat only, never by e-mail. The box is rendered
    from the same presence the reply's sending checks. A closed browser context may drop
    the socket without a close frame; then only uvicorn's pings find it gone (one every
    20 s, 20 s to answer), hence up to 40 s and more: a CI run once waited past 30 s."""
    deadline = time.monotonic() + timeout
    while agent.locator("#composer [data-visitor='left']").count() == 0:
        assert time.monotonic() < deadline, "the server still counts the visitor's chat open"
        agent.wait_for_timeout(200)
        agent.reload()
        agent.wait_for_selector(".convo[data-conversation]")


def test_visitor_and_agent_chat_live_across_a_reload_then_fall_back_to_email(browser, stack):
    agent = agent_page(browser, stack)
    agent_dialogs = no_dialogs(agent)
    visitor_context = browser.new_context(viewport={"width": 1200, "height": 800})
    visitor = visitor_context.new_page()
    visitor_dialogs = no_dialogs(visitor)
    visitor.goto(f"{stack.site.url}/index.html")

    # The widget draws itself in its shadow root despite the page's hostile CSS.
    open_widget(visitor)
    assert visitor.locator(f"{WIDGET} .head h2").inner_text() == "Shop chat"
    visitor.wait_for_selector(f"{WIDGET} .dot.on")  # an agent is online
    assert "Hi! Ask us anything." in visitor.locator(f"{WIDGET} .greeting").inner_text()

    # Visitor → agent: the new conversation appears in the agent's list without a reload.
    visitor.fill(f"{WIDGET} textarea", XSS)
    visitor.keyboard.press("Enter")
    visitor.wait_for_selector(f"{WIDGET} .msg.visitor[data-id] .mark:has-text('Delivered')")
    row = agent.locator("[data-list] a[data-row]").first
    row.wait_for(timeout=10_000)
    row.click()
    agent.wait_for_selector(".convo[data-conversation]")
    assert agent.locator("#composer [data-visitor='in-chat']").count() == 1
    go_live(agent, stack)
    body = agent.locator("#timeline .msg-in .msg-body").first
    assert body.inner_text().strip() == XSS.strip()  # shown as text, not as markup
    assert agent.locator("#timeline img[src='x']").count() == 0

    # Agent → visitor, with the "typing" hint first.
    agent.fill("#composer-text", "")
    agent.type("#composer-text", "Our lamps ship in 2 days.")
    visitor.wait_for_selector(f"{WIDGET} .typing:has-text('typing')")
    agent.click("#composer button.btn-primary[data-send]")
    visitor.wait_for_selector(f"{WIDGET} .msg.agent[data-id] .bubble:has-text('ship in 2 days')")

    # A reload and a navigation keep the conversation (token in localStorage), once each.
    visitor.reload()
    open_widget(visitor)
    visitor.wait_for_selector(f"{WIDGET} .msg.agent[data-id]")
    assert widget_texts(visitor, "visitor") == [XSS]
    assert widget_texts(visitor, "agent") == ["Our lamps ship in 2 days."]
    visitor.goto(f"{stack.site.url}/other.html")
    open_widget(visitor)
    visitor.type(f"{WIDGET} textarea", "And do you have blue ones?")
    agent.wait_for_selector(".live-typing:has-text('The customer is typing')")
    visitor.keyboard.press("Enter")
    agent.wait_for_selector("#timeline .msg-in:has-text('blue ones')")  # live, no reload
    assert widget_texts(visitor, "visitor") == [XSS, "And do you have blue ones?"]
    assert agent.locator("#timeline .msg-in").count() == 2

    # Agent → visitor again, arriving on the new page.
    agent.fill("#composer-text", "Yes, in three sizes.")
    agent.click("#composer button.btn-primary[data-send]")
    visitor.wait_for_selector(f"{WIDGET} .bubble:has-text('three sizes')")

    # The agent leaves: the widget says so and asks for an e-mail address.
    agent.context.close()
    visitor.wait_for_selector(f"{WIDGET} .dot:not(.on)", timeout=30_000)
    visitor.wait_for_selector(f"{WIDGET} form.form", state="visible")
    assert "Leave your e-mail" in visitor.locator(f"{WIDGET} form.form p").inner_text()
    visitor.fill(f"{WIDGET} input[type=email]", "vic@mail.example")
    visitor.fill(f"{WIDGET} input[name=name]", "Vic Visitor")
    visitor.click(f"{WIDGET} form.form button")
    visitor.wait_for_selector(f"{WIDGET} .notice:has-text('vic@mail.example')")
    visitor_context.close()  # the visitor leaves too

    # A reply written now reaches the visitor by e-mail, threaded by a stable Message-ID.
    agent = agent_page(browser, stack)
    agent.goto(f"{stack.server.url}/inbox?view=all")
    agent.locator("[data-list] a[data-row]").first.click()
    agent.wait_for_selector(".convo[data-conversation]")
    conversation_id = agent.locator(".convo").get_attribute("data-conversation")
    wait_until_the_server_sees_the_visitor_gone(agent)
    assert "also goes by e-mail to vic@mail.example" in agent.locator("[data-visitor]").inner_text()
    agent.fill("#composer-text", "Blue ones are back in stock!")
    agent.click("#composer button.btn-primary[data-send]")
    wait_for_mail(stack.smtp, 1)
    mail = stack.smtp.mailbox.messages[-1]
    assert mail["To"] == "Vic Visitor <vic@mail.example>"
    # The e-mail channel's signed id (the server signs with its own secret key).
    assert re.match(rf"<rapport\.\d+\.{conversation_id}\.\d+\.[0-9a-f]{{20}}@", mail["Message-ID"])
    assert mail["Reply-To"] == "help@shop.example"
    assert "Blue ones are back in stock!" in mail.get_content()
    assert agent_dialogs == []
    assert visitor_dialogs == []
    agent.context.close()


def test_widget_is_a_full_screen_dialog_on_a_phone_and_keyboard_friendly(browser, stack):
    context = browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{stack.site.url}/index.html")
    launcher = page.locator(f"{WIDGET} .launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.focus()
    page.keyboard.press("Enter")
    panel = page.locator(f"{WIDGET} .panel")
    panel.wait_for(state="visible")
    box = panel.bounding_box()
    assert box is not None
    assert (box["width"], box["height"]) == (375, 700)
    assert panel.get_attribute("role") == "dialog"
    assert page.locator(f"{WIDGET} .log").get_attribute("role") == "log"
    focused = page.evaluate(
        "() => document.querySelector('rapport-chat').shadowRoot.activeElement.tagName"
    )
    assert focused in {"TEXTAREA", "INPUT"}
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert launcher.get_attribute("aria-expanded") == "false"
    context.close()


def test_the_widget_shows_the_servers_reason_when_it_refuses_a_message(browser, stack):
    """A refusal is JSON with CORS, so the widget can say why: here text with a lone UTF-16
    surrogate (as a broken paste produces), which cannot be stored."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{stack.site.url}/index.html")
    open_widget(page)
    page.locator(f"{WIDGET} textarea").fill("first, to start a session")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{WIDGET} .msg.visitor[data-id]")
    page.evaluate(
        """() => { const box = document.querySelector('rapport-chat').shadowRoot
                     .querySelector('textarea');
                   box.value = 'broken ' + String.fromCharCode(0xD800) + ' paste'; }"""
    )
    page.keyboard.press("Enter")

    notice = page.locator(f"{WIDGET} .notice")
    notice.wait_for(state="visible")
    assert "lone UTF-16 surrogate" in notice.inner_text()
    failed = page.locator(f"{WIDGET} .msg.visitor.failed")
    failed.wait_for()
    assert "Not sent" in failed.inner_text()
    assert widget_texts(page, "visitor") == ["first, to start a session"]

    # The same refusal over HTTP (no socket) is readable too: JSON with CORS from the site.
    answer = page.evaluate(
        """async ([url, token]) => {
             const response = await fetch(url + '/chat/v1/messages', {method: 'POST',
               headers: {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'},
               body: '{"text": "a\\\\u0000b", "client_id": "x-1"}'});
             return [response.status, (await response.json()).error]; }""",
        [stack.server.url, page.evaluate(TOKEN_IN_STORAGE)],
    )
    assert answer == [400, "text must not contain NUL characters"]
    context.close()


TOKEN_IN_STORAGE = """() => { for (let i = 0; i < localStorage.length; i++) {
    const value = JSON.parse(localStorage.getItem(localStorage.key(i)) || '{}');
    if (value.token) return value.token; } return ''; }"""


HOLD_THE_SOCKET = """() => {
  // While held, live.js's reconnects are refused (a path with no socket behind it, on the
  // page's own host as its CSP requires), as when the server is away; released, they
  // reach the agent socket again.
  const Real = window.WebSocket;
  window.__hold = true;
  window.WebSocket = function (url) { return new Real(window.__hold ? url + '-nowhere' : url); };
  window.RapportLive.socket.close();
}"""


def test_an_agent_page_that_was_offline_fetches_what_it_missed(browser, stack):
    """The conversation and the inbox list fill in the messages that arrived while the
    agent's socket was away, from the last message id the page shows."""
    with httpx.Client(base_url=stack.server.url) as http:
        key = stack.setup["inbox_key"]
        token = http.post(f"/chat/v1/inboxes/{key}/sessions", json={}).json()["token"]

        def visitor_says(text: str, client_id: str) -> int:
            response = http.post(
                "/chat/v1/messages",
                json={"text": text, "client_id": client_id},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201, response.text
            return int(response.json()["message"]["conversation_id"])

        conversation_id = visitor_says("Before the agent went offline", "off-1")
        agent = agent_page(browser, stack)
        agent.goto(f"{stack.server.url}/conversations/{conversation_id}")
        agent.wait_for_selector(".convo[data-conversation]")
        go_live(agent, stack)

        agent.evaluate(HOLD_THE_SOCKET)
        agent.wait_for_function("() => !window.RapportLive.connected")
        visitor_says("Said while the agent was offline", "off-2")
        visitor_says("And once more", "off-3")
        time.sleep(1)
        assert agent.locator("#timeline .msg-in:has-text('once more')").count() == 0

        agent.evaluate("() => { window.__hold = false; }")
        agent.wait_for_function("() => window.RapportLive.connected", timeout=20_000)
        agent.wait_for_selector("#timeline .msg-in:has-text('once more')", timeout=10_000)
        texts = agent.locator("#timeline .msg-in .msg-body").all_inner_texts()
        assert [t.strip() for t in texts[-3:]] == [
            "Before the agent went offline",
            "Said while the agent was offline",
            "And once more",
        ]
        agent.context.close()


def test_a_conversation_an_admin_deletes_leaves_the_agents_screens_live(browser, stack):
    """The agent's inbox list drops the row and their open conversation says it is gone,
    without a reload, while an admin deletes it elsewhere (here through the API)."""
    admin = serverctl(stack.env, "admin_token")
    with httpx.Client(base_url=stack.server.url) as http:
        key = stack.setup["inbox_key"]
        token = http.post(f"/chat/v1/inboxes/{key}/sessions", json={}).json()["token"]
        said = http.post(
            "/chat/v1/messages",
            json={"text": "Cheap watches, click here", "client_id": "spam-1"},
            headers={"Authorization": f"Bearer {token}"},
        )
        conversation_id = int(said.json()["message"]["conversation_id"])
        listing = agent_page(browser, stack)
        row = listing.locator(f"[data-list] [data-row='{conversation_id}']")
        row.wait_for()
        reading = listing.context.new_page()
        reading.goto(f"{stack.server.url}/conversations/{conversation_id}")
        reading.wait_for_selector(".convo[data-conversation]")
        go_live(reading, stack)

        deleted = http.delete(
            f"/api/v1/conversations/{conversation_id}",
            headers={"Authorization": f"Bearer {admin['token']}"},
        )

        assert deleted.status_code == 204, deleted.text
        reading.get_by_role("alert").filter(has_text="This conversation was deleted").wait_for()
        assert reading.locator("#composer-text").is_disabled()
        row.wait_for(state="detached")
        listing.context.close()
