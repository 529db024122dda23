"""Settings → Inboxes for the e-mail and chat channels: create, edit, test, retry (admins only)."""

from __future__ import annotations

from unittest import mock

import pytest

from rapport.core.models import AuditEntry
from rapport.inboxes.adapters.email.ingest import store_raw
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from rapport.inboxes.models import Inbox, InboxKind
from tests.factories import InboxFactory
from tests.outbox.conftest import free_port

SUPPORT = "support@shop.example"
MAIL = (
    b"From: Carol <carol@mail.example>\r\nTo: support@shop.example\r\nSubject: Lamp\r\n"
    b"Message-ID: <lamp@mail.example>\r\n\r\nThe lamp arrived broken.\r\n"
)


def email_fields(**changes: object) -> dict[str, object]:
    """What the browser posts for a complete e-mail inbox with IMAP and SMTP."""
    fields: dict[str, object] = {
        "addresses": f"{SUPPORT}\nhelp@shop.example",
        "from_name": "Shop support",
        "imap_enabled": "on",
        "imap_host": "imap.shop.example",
        "imap_port": "993",
        "imap_security": "tls",
        "imap_username": "support",
        "imap_password": "imap-secret",
        "imap_password_env": "",
        "imap_folder": "INBOX",
        "imap_after_fetch": "move",
        "imap_move_to": "Done",
        "imap_use_idle": "on",
        "smtp_enabled": "on",
        "smtp_host": "smtp.shop.example",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "smtp_username": "support",
        "smtp_password": "smtp-secret",
        "auto_acknowledge": "on",
        "auto_acknowledge_text": "Thanks! Your number is #{number}.",
        "automatic_cap": "2",
        "authserv_ids": "mx.shop.example",
        "acknowledge_senders": "Partner.example, boss@mail.example",
        "max_message_mb": "25",
        "webhook_basic_auth": "hook:pass",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


@pytest.fixture
def email_inbox(db: None) -> Inbox:
    return InboxFactory(
        name="Mail",
        kind=InboxKind.EMAIL,
        config={
            "addresses": [SUPPORT],
            "imap": {"host": "imap.shop.example", "port": 993, "password": "old-secret"},
            "webhook_signing_key": "mg-key",
        },
    )


@pytest.fixture
def chat_inbox(db: None) -> Inbox:
    return InboxFactory(
        name="Website chat",
        kind=InboxKind.CHAT,
        greeting="Hi there",
        config={"color": "#0ea5e9", "identity_secret": "s" * 40},
    )


# ---- e-mail inboxes ----


def test_create_an_email_inbox_with_its_mailbox_settings(admin_client, admin, agent):
    response = admin_client.post(
        "/settings/inboxes/new/email",
        {"name": "Help mail", "members": [agent.pk], **email_fields()},
    )

    inbox = Inbox.objects.get(name="Help mail")
    assert response["Location"] == f"/settings/inboxes/{inbox.pk}/email"
    assert inbox.kind == InboxKind.EMAIL
    config = inbox.config
    assert config["addresses"] == [SUPPORT, "help@shop.example"]
    assert config["imap"]["host"] == "imap.shop.example"
    assert (config["imap"]["after_fetch"], config["imap"]["move_to"]) == ("move", "Done")
    assert config["imap"]["password"] == "imap-secret"
    assert config["smtp"]["security"] == "starttls"
    assert (config["auto_acknowledge"], config["automatic_cap"]) == (True, 2)
    assert config["authserv_ids"] == ["mx.shop.example"]
    assert config["acknowledge_senders"] == ["partner.example", "boss@mail.example"]
    assert config["max_message_bytes"] == 25 * 1024 * 1024
    assert list(inbox.members.all()) == [agent]
    assert AuditEntry.objects.get(verb="inbox.created", object_id=inbox.pk).actor == admin


def test_a_mailbox_without_imap_or_smtp_receives_by_webhook_and_sends_with_the_site(admin_client):
    admin_client.post(
        "/settings/inboxes/new/email",
        {"name": "Forwarded", "addresses": SUPPORT, "imap_port": "993", "smtp_port": "587"},
    )

    config = Inbox.objects.get(name="Forwarded").config
    assert (config["imap"], config["smtp"]) == (None, None)


def test_the_email_tab_never_shows_passwords_and_a_blank_one_keeps_the_stored(
    admin_client, email_inbox
):
    page = admin_client.get(f"/settings/inboxes/{email_inbox.pk}/email").content.decode()
    response = admin_client.post(
        f"/settings/inboxes/{email_inbox.pk}/email",
        email_fields(imap_password="", smtp_enabled=None, webhook_basic_auth=""),
    )

    assert "old-secret" not in page
    assert "mg-key" not in page
    assert "stored · blank keeps it" in page
    assert response.status_code == 302
    email_inbox.refresh_from_db()
    assert email_inbox.config["imap"]["password"] == "old-secret"
    assert email_inbox.config["webhook_signing_key"] == "mg-key"
    assert email_inbox.config["smtp"] is None


def test_a_password_from_the_environment_forgets_the_stored_one(admin_client, email_inbox):
    admin_client.post(
        f"/settings/inboxes/{email_inbox.pk}/email",
        email_fields(imap_password="", imap_password_env="SHOP_IMAP_PASSWORD"),
    )

    email_inbox.refresh_from_db()
    imap = email_inbox.config["imap"]
    assert (imap["password"], imap["password_env"]) == ("", "SHOP_IMAP_PASSWORD")


def test_webhook_secrets_can_be_forgotten(admin_client, email_inbox):
    admin_client.post(
        f"/settings/inboxes/{email_inbox.pk}/email",
        email_fields(webhook_basic_auth="", forget_webhook_secrets="on"),
    )

    email_inbox.refresh_from_db()
    assert email_inbox.config["webhook_signing_key"] == ""
    assert email_inbox.config["webhook_basic_auth"] == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"imap_port": "70000"}, "less than or equal to 65535"),
        ({"addresses": "not-an-address"}, "&#x27;not-an-address&#x27; is not an e-mail address"),
        ({"addresses": ""}, "This field is required"),
        ({"imap_host": ""}, "Name the IMAP server."),
        ({"imap_security": "ssl3"}, "Select a valid choice"),
        ({"automatic_cap": "-1"}, "greater than or equal to 0"),
        ({"imap_host": "x" * 300}, "at most 255 characters"),
    ],
)
def test_bad_email_settings_are_refused_with_the_reason(
    admin_client, email_inbox, changes, message
):
    before = dict(email_inbox.config)

    created = admin_client.post(
        "/settings/inboxes/new/email", {"name": "X", **email_fields(**changes)}
    )
    edited = admin_client.post(f"/settings/inboxes/{email_inbox.pk}/email", email_fields(**changes))

    for response in (created, edited):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Inbox.objects.filter(name="X").exists()
    email_inbox.refresh_from_db()
    assert email_inbox.config == before


def test_the_test_button_names_a_closed_port(admin_client):
    port = free_port()  # nothing listens on it once the probe socket is closed

    response = admin_client.post(
        "/settings/inboxes/new/email/test",
        email_fields(
            imap_host="127.0.0.1", imap_port=str(port), imap_security="none", smtp_enabled=None
        ),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Nothing accepts connections on 127.0.0.1:{port}" in html
    assert 'class="check-result is-problem"' in html
    assert "Replies use the site&#x27;s e-mail service (locmem); nothing to connect to" in html


def test_the_test_button_on_a_saved_inbox_uses_the_stored_password(admin_client, email_inbox):
    port = free_port()

    response = admin_client.post(
        f"/settings/inboxes/{email_inbox.pk}/email/test",
        email_fields(
            imap_host="127.0.0.1",
            imap_port=str(port),
            imap_security="none",
            imap_password="",
            smtp_enabled=None,
        ),
    )

    assert f"127.0.0.1:{port}" in response.content.decode()


def test_the_test_button_says_what_is_wrong_before_connecting(admin_client):
    response = admin_client.post("/settings/inboxes/new/email/test", email_fields(imap_port="abc"))

    assert response.status_code == 200
    assert "Port: Enter a whole number." in response.content.decode()


def test_the_email_tab_shows_webhook_urls_and_the_listener(admin_client, email_inbox, settings):
    settings.SITE_URL = "https://help.shop.example"

    html = admin_client.get(f"/settings/inboxes/{email_inbox.pk}/email").content.decode()

    key = email_inbox.public_key
    for provider in ("mailgun", "postmark", "sendgrid"):
        assert f"https://help.shop.example/email/inbound/{provider}/{key}" in html
    assert "rapport smtp" in html
    assert f"/settings/inboxes/{email_inbox.pk}/email/test" in html


def test_the_general_tab_of_an_email_inbox_links_its_settings(admin_client, email_inbox):
    html = admin_client.get(f"/settings/inboxes/{email_inbox.pk}").content.decode()

    assert f'href="/settings/inboxes/{email_inbox.pk}/email"' in html
    assert 'name="greeting"' not in html


# ---- mail that could not be processed ----


def stuck(inbox: Inbox, data: bytes = MAIL) -> RawEmail:
    """Stored mail whose processing failed: a parser bug (fixed once the patch is gone)."""
    from rapport.inboxes.adapters.email import ingest

    raw, _ = store_raw(inbox, data, source="imap")
    with mock.patch.object(ingest, "parse_email", side_effect=RuntimeError("parser bug")):
        ingest.process_raw(raw)
    raw.refresh_from_db()
    assert raw.state == RawState.UNPROCESSABLE
    return raw


def test_unprocessable_mail_is_listed_and_retried_after_a_fix(admin_client, email_inbox, admin):
    raw = stuck(email_inbox)
    page = admin_client.get(f"/settings/inboxes/{email_inbox.pk}/email").content.decode()

    response = admin_client.post(
        f"/settings/inboxes/{email_inbox.pk}/email/mail/{raw.pk}/retry", follow=True
    )

    assert "Quarantined" in page
    assert "RuntimeError: parser bug" in page
    assert f"/email/mail/{raw.pk}/retry" in page
    raw.refresh_from_db()
    assert raw.state == RawState.PROCESSED
    assert raw.message.conversation.subject == "Lamp"
    assert "Processed" in response.content.decode()
    assert AuditEntry.objects.filter(verb="email.retried", object_id=email_inbox.pk).exists()


def test_a_retry_that_fails_again_says_why(admin_client, email_inbox):
    raw = stuck(email_inbox, MAIL.replace(b"Carol <carol@mail.example>", b"nobody"))

    response = admin_client.post(
        f"/settings/inboxes/{email_inbox.pk}/email/mail/{raw.pk}/retry", follow=True
    )

    assert "Still unprocessable" in response.content.decode()


def test_mail_of_another_inbox_cannot_be_retried_here(admin_client, email_inbox):
    other = InboxFactory(kind=InboxKind.EMAIL, config={"addresses": ["x@shop.example"]})
    raw = stuck(other)

    response = admin_client.post(
        f"/settings/inboxes/{email_inbox.pk}/email/mail/{raw.pk}/retry", follow=True
    )

    assert "not found" in response.content.decode()
    raw.refresh_from_db()
    assert raw.attempts == 1


# ---- chat inboxes ----


def chat_fields(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "greeting": "Hello! How can we help?",
        "color": "#0EA5E9",
        "position": "left",
        "language": "de",
        "prechat_form": "on",
        "timezone": "Europe/Berlin",
        "hours_mon": "09:00-12:00, 13:00-17:00",
        "hours_fri": "09:00-15:00",
        "allowed_origins": "https://shop.example\nhttps://www.shop.example/",
        "reply_to": "chat@shop.example",
        "messages_per_ip_minute": "60",
        "conversations_per_ip_hour": "10",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def test_create_a_chat_inbox_with_a_generated_identity_secret(admin_client, agent):
    response = admin_client.post(
        "/settings/inboxes/new/chat", {"name": "Chat", "members": [agent.pk], **chat_fields()}
    )

    inbox = Inbox.objects.get(name="Chat")
    assert response["Location"] == f"/settings/inboxes/{inbox.pk}/chat"
    assert inbox.greeting == "Hello! How can we help?"
    config = dict(inbox.config)
    assert len(config.pop("identity_secret")) >= 32
    assert config == {
        "color": "#0EA5E9",
        "position": "left",
        "language": "de",
        "prechat_form": True,
        "allowed_origins": ["https://shop.example", "https://www.shop.example"],
        "reply_to": "chat@shop.example",
        "timezone": "Europe/Berlin",
        "hours": {
            "mon": [["09:00", "12:00"], ["13:00", "17:00"]],
            "tue": [],
            "wed": [],
            "thu": [],
            "fri": [["09:00", "15:00"]],
            "sat": [],
            "sun": [],
        },
        "messages_per_ip_minute": 60,
        "conversations_per_ip_hour": 10,
    }


def test_no_hours_means_always_open(admin_client):
    admin_client.post(
        "/settings/inboxes/new/chat", {"name": "Chat", **chat_fields(hours_mon="", hours_fri="")}
    )

    assert Inbox.objects.get(name="Chat").config["hours"] == {}


def test_the_chat_tab_shows_the_embed_snippet_and_the_secret_masked(
    admin_client, chat_inbox, settings
):
    settings.SITE_URL = "https://help.shop.example"

    html = admin_client.get(f"/settings/inboxes/{chat_inbox.pk}/chat").content.decode()

    snippet = (
        "&lt;script src=&quot;https://help.shop.example/static/chat/widget.js&quot; "
        f"data-inbox=&quot;{chat_inbox.public_key}&quot; async&gt;&lt;/script&gt;"
    )
    assert snippet in html
    assert f"<span data-copy-source data-secret hidden>{'s' * 40}</span>" in html
    assert 'data-action="reveal"' in html
    assert 'value="Hi there"' not in html  # the greeting is a textarea
    assert "Hi there</textarea>" in html


def test_editing_a_chat_inbox_keeps_or_renews_the_secret(admin_client, chat_inbox):
    admin_client.post(f"/settings/inboxes/{chat_inbox.pk}/chat", chat_fields(greeting="Moin"))
    chat_inbox.refresh_from_db()
    kept = chat_inbox.config["identity_secret"]

    admin_client.post(
        f"/settings/inboxes/{chat_inbox.pk}/chat", chat_fields(new_identity_secret="on")
    )

    assert (chat_inbox.greeting, kept) == ("Moin", "s" * 40)
    chat_inbox.refresh_from_db()
    assert chat_inbox.config["identity_secret"] not in ("", "s" * 40)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"color": "red"}, "must be a hex colour"),
        ({"hours_mon": "9 to 5"}, "Write opening times as 09:00-17:00"),
        ({"hours_tue": "17:00-09:00"}, "closes before it opens"),
        ({"hours_wed": "25:00-26:00"}, "must look like 09:00-17:00"),
        ({"timezone": "Mars/Olympus"}, "is not a time zone"),
        ({"allowed_origins": "shop.example"}, "is not a website origin"),
        ({"reply_to": "nobody"}, "Enter a valid email address"),
        ({"position": "top"}, "Select a valid choice"),
        ({"identity_secret": "short"}, "at least 16 characters"),
        ({"messages_per_ip_minute": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_chat_settings_are_refused_with_the_reason(admin_client, chat_inbox, changes, message):
    created = admin_client.post(
        "/settings/inboxes/new/chat", {"name": "X", **chat_fields(**changes)}
    )
    edited = admin_client.post(f"/settings/inboxes/{chat_inbox.pk}/chat", chat_fields(**changes))

    for response in (created, edited):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Inbox.objects.filter(name="X").exists()


def test_the_new_inbox_page_offers_email_and_chat(admin_client):
    html = admin_client.get("/settings/inboxes/new").content.decode()

    assert 'href="/settings/inboxes/new/email"' in html
    assert 'href="/settings/inboxes/new/chat"' in html


# ---- who may ----


def test_only_admins_see_or_change_channel_settings(agent_client, email_inbox, chat_inbox):
    raw = stuck(email_inbox)
    pages = [
        ("get", "/settings/inboxes/new/email"),
        ("get", "/settings/inboxes/new/chat"),
        ("get", f"/settings/inboxes/{email_inbox.pk}/email"),
        ("get", f"/settings/inboxes/{chat_inbox.pk}/chat"),
        ("post", f"/settings/inboxes/{email_inbox.pk}/email"),
        ("post", f"/settings/inboxes/{chat_inbox.pk}/chat"),
        ("post", "/settings/inboxes/new/email/test"),
        ("post", f"/settings/inboxes/{email_inbox.pk}/email/test"),
        ("post", f"/settings/inboxes/{email_inbox.pk}/email/mail/{raw.pk}/retry"),
    ]

    for method, url in pages:
        response = getattr(agent_client, method)(url, email_fields())
        assert response.status_code == 403, url
        assert "s" * 40 not in response.content.decode()
    raw.refresh_from_db()
    assert raw.attempts == 1


def test_a_tab_of_another_kind_is_404(admin_client, email_inbox, chat_inbox, webform_inbox):
    assert admin_client.get(f"/settings/inboxes/{chat_inbox.pk}/email").status_code == 404
    assert admin_client.get(f"/settings/inboxes/{email_inbox.pk}/chat").status_code == 404
    assert admin_client.get(f"/settings/inboxes/{webform_inbox.pk}/chat").status_code == 404


def test_the_try_page_shows_the_real_widget_of_the_inbox(admin_client, chat_inbox):
    settings_page = admin_client.get(f"/settings/inboxes/{chat_inbox.pk}/chat").content.decode()
    assert f'href="/settings/inboxes/{chat_inbox.pk}/chat/try"' in settings_page

    response = admin_client.get(f"/settings/inboxes/{chat_inbox.pk}/chat/try")

    html = response.content.decode()
    assert f'<script src="/static/chat/widget.js" data-inbox="{chat_inbox.public_key}"' in html
    assert "<script>" not in html  # nothing inline: the page keeps the app's script policy
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "will not start here" not in html


def test_the_try_page_says_when_the_inbox_refuses_this_site(admin_client, chat_inbox):
    chat_inbox.config = {**chat_inbox.config, "allowed_origins": ["https://shop.example"]}
    chat_inbox.save()

    html = admin_client.get(f"/settings/inboxes/{chat_inbox.pk}/chat/try").content.decode()

    assert "will not start here" in html


def test_the_try_page_is_for_admins_and_chat_inboxes(
    agent_client, admin_client, chat_inbox, webform_inbox
):
    assert agent_client.get(f"/settings/inboxes/{chat_inbox.pk}/chat/try").status_code == 403
    assert admin_client.get(f"/settings/inboxes/{webform_inbox.pk}/chat/try").status_code == 404


def test_the_webhook_help_says_each_url_needs_its_own_providers_secret(admin_client, email_inbox):
    """Issue 21 hole 1: it said the URLs refuse every request without "a secret"."""
    page = admin_client.get(f"/settings/inboxes/{email_inbox.pk}/email").content.decode()
    assert "Each URL needs its own provider&#x27;s secret" in page or (
        "Each URL needs its own provider's secret" in page
    )
    assert "without one the URLs refuse every request" not in page
