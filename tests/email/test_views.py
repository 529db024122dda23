"""The original download, the mail body frame, remote images, the connection test."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from django.template import Context, Template

from rapport.inboxes.adapters.email.config import ImapSettings, load_config
from rapport.inboxes.adapters.email.connection import check_imap, check_sending, check_smtp_server
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.outbox.smtp import SmtpServer
from tests.conftest import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.email.urls")]

HTML_MAIL = (
    b"From: Carol <carol@mail.example>\r\nTo: support@shop.example\r\nCc: boss@mail.example\r\n"
    b"Subject: Photo\r\n"
    b"Authentication-Results: mx.shop.example; spf=pass; dkim=pass; dmarc=pass\r\n"
    b"Content-Type: text/html\r\n\r\n"
    b'<p>Look <img src="https://tracker.example/p.gif"></p>'
    b'<div class="gmail_quote">On Mon, Jun 2, 2025 at 10:00 AM Shop &lt;support@shop.example&gt;'
    b" wrote:<blockquote>old news</blockquote></div>"
)


@pytest.fixture
def html_message(email_inbox):
    email_inbox.config = {**email_inbox.config, "authserv_ids": ["mx.shop.example"]}
    email_inbox.save()
    raw = ingest(email_inbox, HTML_MAIL, source="imap")
    raw.refresh_from_db()
    return raw.message


def test_original_is_a_plain_text_download(html_message, email_agent):
    response = logged_in(email_agent).get(f"/email/messages/{html_message.pk}/original")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == HTML_MAIL


def test_outsiders_get_404(html_message, outsider):
    client = logged_in(outsider)
    for path in ("original", "body"):
        assert client.get(f"/email/messages/{html_message.pk}/{path}").status_code == 404


def test_remote_images_blocked_until_allowed(html_message, email_agent):
    client = logged_in(email_agent)
    body = client.get(f"/email/messages/{html_message.pk}/body")
    assert b"tracker.example" not in body.content
    assert "img-src 'self' data:;" in body["Content-Security-Policy"]
    assert "script" not in body["Content-Security-Policy"]
    client.post(f"/email/messages/{html_message.pk}/images", {"allow": "1"})
    body = client.get(f"/email/messages/{html_message.pk}/body")
    assert b"https://tracker.example/p.gif" in body.content
    assert "https:" in body["Content-Security-Policy"]


def test_meta_partial_shows_headers_auth_and_quote(html_message):
    rendered = Template("{% load email_channel %}{% email_meta message %}").render(
        Context({"message": html_message})
    )
    assert "Photo" in rendered
    assert "boss@mail.example" in rendered
    assert "DMARC pass" in rendered
    assert "not verified" not in rendered
    assert "Load remote images" in rendered
    assert f"/email/messages/{html_message.pk}/original" in rendered
    assert html_message.text == "Look"
    assert "old news" in rendered  # in the collapsed quoted text


def test_meta_partial_is_empty_for_other_channels(webform_inbox):
    from tests.factories import MessageFactory

    message = MessageFactory(conversation__inbox=webform_inbox)
    rendered = Template("{% load email_channel %}{% email_meta message %}").render(
        Context({"message": message})
    )
    assert rendered.strip() == ""


def test_connection_test_names_the_problem(dovecot, smtp_server):
    good = ImapSettings(**dovecot.imap_settings())
    assert check_imap(good)[0]
    ok, message = check_imap(good.model_copy(update={"password": "wrong"}))
    assert (ok, message) == (False, "the IMAP server refused the user name or password")
    ok, message = check_imap(good.model_copy(update={"folder": "Nope"}))
    assert not ok
    assert "folder 'Nope' does not exist" in message
    assert "INBOX" in message
    ok, message = check_imap(good.model_copy(update={"security": "tls"}))
    assert not ok
    assert message.startswith("TLS failed")
    ok, message = check_imap(good.model_copy(update={"port": 9}))
    assert not ok
    assert "nothing accepts connections" in message
    smtp = SmtpServer(host="127.0.0.1", port=smtp_server.port, security="none", timeout=2)
    assert check_smtp_server(smtp, "support@shop.example", "this inbox's") == (
        True,
        f"this inbox's mail server 127.0.0.1:{smtp_server.port} answered, and accepts mail "
        "from support@shop.example",
    )
    ok, message = check_smtp_server(replace(smtp, security="starttls"), "a@b.example", "")
    assert not ok
    assert "does not offer what the settings ask for" in message


def test_sending_test_fails_when_the_server_does_not_answer(email_inbox, settings):
    """A server that takes the connection and says nothing: before, a green tick."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = silent.getsockname()
        settings.EMAIL_TIMEOUT = 1

        ok, message = check_sending(load_config(email_inbox))  # no SMTP of its own: the site's

    assert (ok, message) == (
        False,
        f"The mail server at 127.0.0.1:{settings.EMAIL_PORT} did not answer within 1 s",
    )


def test_sending_test_uses_the_site_server_when_the_inbox_has_none(email_inbox, smtp_server):
    ok, message = check_sending(load_config(email_inbox))
    assert ok
    assert message.startswith(f"the site's mail server 127.0.0.1:{smtp_server.port} answered")


def test_sending_test_fails_when_the_sender_is_refused(email_inbox, stalling_smtp):
    stalling_smtp.mailbox.refuse_sender = "553 5.7.1 sender not allowed"
    ok, message = check_sending(load_config(email_inbox))
    assert (ok, message) == (
        False,
        f"The mail server at 127.0.0.1:{stalling_smtp.port} refused the sender address "
        "support@shop.example (553 5.7.1 sender not allowed)",
    )


def test_connection_test_page_for_admins(email_inbox, admin, email_agent):
    assert logged_in(email_agent).post(f"/email/inboxes/{email_inbox.pk}/test").status_code == 403
    response = logged_in(admin).post(f"/email/inboxes/{email_inbox.pk}/test")
    assert response.status_code == 200
    assert b"replies use the site" in response.content


def test_without_a_trusted_server_a_written_pass_shows_not_verified(email_inbox):
    """Issue 21 hole 3: the sender can write the topmost Authentication-Results itself."""
    raw = ingest(
        email_inbox, HTML_MAIL.replace(b"mx.shop.example", b"mx.paypal.com"), source="imap"
    )
    raw.refresh_from_db()
    details = raw.message.email
    assert (details.spf, details.dkim, details.dmarc) == ("", "", "")
    rendered = Template("{% load email_channel %}{% email_meta message %}").render(
        Context({"message": raw.message})
    )
    assert "Sender not verified" in rendered
    assert "DMARC pass" not in rendered
