"""E-mail on the conversation page: headers, trust, quotes, CC replies, query counts, XSS."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.accounts.models import User
from rapport.conversations.models import Conversation, DeliveryStatus
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.models import Inbox
from tests.conftest import logged_in
from tests.email.conftest import mail
from tests.outbox.conftest import smtp_server  # noqa: F401 - the SMTP server fixture, reused
from tests.web.conftest import HOSTILE

# the page's fixed cost plus e-mail's none: the details come joined to the messages
EMAIL_PAGE_QUERIES = 15


def received(inbox: Inbox, data: bytes) -> Conversation:
    raw = ingest(inbox, data, source="imap")
    raw.refresh_from_db()
    assert raw.message is not None, raw.error
    return raw.message.conversation


def follow_up(inbox: Inbox, number: int) -> None:
    """The customer writes again in the same thread (In-Reply-To the first mail)."""
    received(
        inbox,
        mail(
            message_id=f"<m{number}@mail.example>",
            subject="Re: Broken lamp",
            body=f"Any news? ({number})\n\nOn Monday Shop wrote:\n> old text {number}",
            headers={"In-Reply-To": "<m1@mail.example>", "Cc": f"friend{number}@mail.example"},
        ),
    )


@pytest.fixture
def thread(email_inbox: Inbox) -> Conversation:
    # The badges show a trusted server's verdict only (issue 21 hole 3).
    email_inbox.config = {**email_inbox.config, "authserv_ids": ["mx.shop.example"]}
    email_inbox.save()
    return received(
        email_inbox,
        mail(
            headers={
                "Cc": "Boss <boss@mail.example>, support@shop.example",
                "Authentication-Results": "mx.shop.example; spf=pass; dkim=pass; dmarc=pass",
            },
            body="The lamp arrived broken.\n\nOn Monday Shop wrote:\n> We shipped your lamp.",
        ),
    )


def page(user: User, conversation: Conversation) -> str:
    response = logged_in(user).get(f"/conversations/{conversation.pk}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_conversation_shows_the_mail_like_a_mail_client(email_agent, thread):
    html = page(email_agent, thread)
    message = thread.messages.get()

    assert '<li class="msg msg-in msg-email"' in html
    assert "<dt>Subject</dt><dd>Broken lamp</dd>" in html
    assert "Carol Customer &lt;carol@mail.example&gt;" in html
    assert "<dt>Cc</dt><dd>boss@mail.example, support@shop.example</dd>" in html
    assert '<span class="badge badge-pass">DMARC pass</span>' in html
    assert "<summary>Show quoted text</summary>" in html
    assert "We shipped your lamp." in html
    assert f'href="/email/messages/{message.pk}/original"' in html


def test_the_composer_of_an_email_inbox_has_cc_filled_like_reply_all(email_agent, thread):
    html = page(email_agent, thread)

    assert 'name="cc" value="boss@mail.example"' in html  # our own address left out


def test_other_inboxes_have_no_cc_field(agent, conversation):
    assert 'name="cc"' not in page(agent, conversation)


def test_mail_failing_dmarc_is_flagged(email_agent, email_inbox, thread):
    spoofed = received(
        email_inbox,
        mail(
            message_id="<spoof@mail.example>",
            headers={"Authentication-Results": "mx.shop.example; spf=fail; dmarc=fail"},
        ),
    )

    html = page(email_agent, spoofed)

    assert spoofed.pk != thread.pk
    assert "msg-email msg-flagged" in html
    assert "Possibly forged" in html
    assert '<span class="badge badge-fail">DMARC fail</span>' in html


def test_hostile_subject_and_sender_name_stay_text(email_agent, email_inbox):
    conversation = received(
        email_inbox,
        mail(
            subject=HOSTILE,
            sender=f'"{HOSTILE}" <eve@mail.example>',
            body=HOSTILE,
        ),
    )

    html = page(email_agent, conversation)

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db(transaction=True)
def test_a_reply_with_cc_and_a_file_reaches_the_smtp_server(email_agent, thread, smtp_server):  # noqa: F811
    client = logged_in(email_agent)
    upload = SimpleUploadedFile("label.pdf", b"%PDF-1.4 label", "application/pdf")

    response = client.post(
        f"/conversations/{thread.pk}/reply",
        {
            "text": "A new lamp is on its way.",
            "cc": "Boss <boss@mail.example>; ann@mail.example",
            "attachments": [upload],
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    [sent] = smtp_server.mailbox.messages
    assert sent["Cc"] == "boss@mail.example, ann@mail.example"
    assert sent["In-Reply-To"] == "<m1@mail.example>"
    assert sorted(smtp_server.mailbox.envelopes[0].rcpt_tos) == [
        "ann@mail.example",
        "boss@mail.example",
        "carol@mail.example",
    ]
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_filename() == "label.pdf"
    reply = thread.messages.latest("id")
    assert reply.delivery_status == DeliveryStatus.SENT
    assert reply.email.cc == ["boss@mail.example", "ann@mail.example"]
    html = response.content.decode()
    assert "<dt>Cc</dt><dd>boss@mail.example, ann@mail.example</dd>" in html
    assert 'name="cc" value="boss@mail.example, ann@mail.example"' in html  # fresh composer


def test_a_bad_cc_address_is_refused_and_nothing_is_sent(email_agent, thread):
    response = logged_in(email_agent).post(
        f"/conversations/{thread.pk}/reply",
        {"text": "Hello", "cc": "boss@mail.example, not an address"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert "&#x27;not an address&#x27; in CC is not an e-mail address" in response.content.decode()
    assert thread.messages.count() == 1


def test_a_note_in_an_email_conversation_keeps_the_cc_prefilled(email_agent, thread):
    response = logged_in(email_agent).post(
        f"/conversations/{thread.pk}/note", {"text": "Checking stock"}, HTTP_HX_REQUEST="true"
    )

    assert 'name="cc" value="boss@mail.example"' in response.content.decode()


def test_the_message_fragment_shows_the_mail_too(email_agent, thread):
    message = thread.messages.get()

    response = logged_in(email_agent).get(
        f"/conversations/{thread.pk}/messages/{message.pk}", HTTP_HX_REQUEST="true"
    )

    assert "<dt>Subject</dt><dd>Broken lamp</dd>" in response.content.decode()


def queries_for(user: User, conversation: Conversation) -> int:
    client = logged_in(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/conversations/{conversation.pk}")
    assert response.status_code == 200
    return len(captured)


def test_twenty_mails_cost_no_more_queries_than_two(email_agent, email_inbox, thread):
    follow_up(email_inbox, 2)
    small = queries_for(email_agent, thread)
    for number in range(3, 21):
        follow_up(email_inbox, number)

    full = queries_for(email_agent, thread)

    assert EmailDetails.objects.filter(message__conversation=thread).count() == 20
    assert full == small
    assert full <= EMAIL_PAGE_QUERIES
    html = page(email_agent, thread)
    assert html.count("<dt>Subject</dt>") == 20
    assert html.count("<summary>Show quoted text</summary>") == 20
    assert 'name="cc" value="friend20@mail.example"' in html  # the last mail's CC
