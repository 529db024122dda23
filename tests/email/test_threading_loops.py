"""Threading, duplicates, auto-acknowledgements, loops and bounces."""

from __future__ import annotations

import pytest

from rapport.conversations import actions
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import BouncingAddress, RawEmail, RawState
from rapport.outbox.models import DeliveryState
from tests.email.conftest import SUPPORT, mail

pytestmark = pytest.mark.django_db(transaction=True)


def received(inbox, raw_bytes):
    raw = ingest(inbox, raw_bytes, source="imap")
    raw.refresh_from_db()
    return raw


def test_a_new_mail_without_references_opens_a_new_conversation(email_inbox):
    received(email_inbox, mail(message_id="<one@mail.example>", subject="Lamp"))
    received(email_inbox, mail(message_id="<two@mail.example>", subject="Invoice"))
    assert Conversation.objects.filter(inbox=email_inbox).count() == 2


def test_same_message_twice_or_to_two_addresses_is_one_message(email_inbox):
    email_inbox.config = {**email_inbox.config, "addresses": [SUPPORT, "help@shop.example"]}
    email_inbox.save()
    first = mail(message_id="<dup@mail.example>", to=SUPPORT)
    second = mail(message_id="<dup@mail.example>", to="help@shop.example")
    received(email_inbox, first)
    assert received(email_inbox, first).state == RawState.PROCESSED  # the very same bytes
    again = received(email_inbox, b"Delivered-To: help@shop.example\r\n" + second)
    assert again.state == RawState.IGNORED
    assert Message.objects.filter(inbox=email_inbox).count() == 1
    assert RawEmail.objects.filter(inbox=email_inbox).count() == 2


def test_reply_by_references_from_the_customer_continues(email_inbox):
    start = received(email_inbox, mail(message_id="<s@mail.example>"))
    reply = received(
        email_inbox,
        mail(
            message_id="<r@mail.example>",
            subject="Re: other",
            headers={"References": "<s@mail.example>"},
        ),
    )
    assert reply.message.conversation_id == start.message.conversation_id


def test_references_from_a_stranger_do_not_attach(email_inbox):
    start = received(email_inbox, mail(message_id="<s2@mail.example>"))
    stranger = received(
        email_inbox,
        mail(
            sender="eve@evil.example",
            message_id="<e@evil.example>",
            headers={"In-Reply-To": "<s2@mail.example>"},
        ),
    )
    assert stranger.message.conversation_id != start.message.conversation_id


def test_subject_number_from_the_customer_continues_a_resolved_conversation(email_inbox):
    start = received(email_inbox, mail(message_id="<s3@mail.example>"))
    conversation = start.message.conversation
    actions.change_status(conversation=conversation, actor=None, status="resolved")
    again = received(
        email_inbox,
        mail(message_id="<s4@mail.example>", subject=f"Still broken [#{conversation.pk}]"),
    )
    assert again.message.conversation_id == conversation.pk
    conversation.refresh_from_db()
    assert conversation.status == "open"


def ack_inbox(inbox):
    inbox.config = {
        **inbox.config,
        "auto_acknowledge": True,
        "automatic_cap": 2,
        "acknowledge_senders": ["mail.example"],  # no trusted server here: listed instead
    }
    inbox.save()
    return inbox


def test_auto_acknowledgement_goes_to_people_marked_automatic(email_inbox, smtp_server):
    ack_inbox(email_inbox)
    raw = received(email_inbox, mail(message_id="<p@mail.example>", body="secret content"))
    [ack] = smtp_server.mailbox.messages
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"
    text = ack.get_body(("plain",)).get_content()
    assert f"#{raw.message.conversation_id}" in text
    assert "secret content" not in ack.as_string()  # never quotes what it answers
    assert ack["In-Reply-To"] == "<p@mail.example>"


def test_acknowledgement_has_a_fixed_subject_never_the_strangers(email_inbox, smtp_server):
    """Issue 21 hole 5 ("ticket trick"): the sender's subject is not relayed."""
    ack_inbox(email_inbox)
    subject = "Slack confirmation code: 999-111"
    raw = received(email_inbox, mail(message_id="<slack@mail.example>", subject=subject))
    [ack] = smtp_server.mailbox.messages
    assert ack["Subject"] == f"We received your message [#{raw.message.conversation_id}]"
    assert "999-111" not in ack.as_string()


def test_unproven_sender_gets_no_acknowledgement(email_inbox, smtp_server):
    """No trusted DMARC pass and not on the list: a spoofed From must not get our mail."""
    ack_inbox(email_inbox)
    raw = received(email_inbox, mail(sender="feedback@slack.example", message_id="<s1@x>"))
    assert raw.state == RawState.PROCESSED
    assert smtp_server.mailbox.messages == []


@pytest.mark.parametrize(("trusted", "acknowledged"), [(["mx.shop.example"], 1), ([], 0)])
def test_dmarc_pass_counts_only_from_a_trusted_server(
    email_inbox, smtp_server, trusted, acknowledged
):
    ack_inbox(email_inbox)
    email_inbox.config = {**email_inbox.config, "authserv_ids": trusted}
    email_inbox.save()
    verdict = {"Authentication-Results": "mx.shop.example; spf=pass; dkim=pass; dmarc=pass"}
    received(
        email_inbox, mail(sender="dana@elsewhere.example", message_id="<d1@x>", headers=verdict)
    )
    assert len(smtp_server.mailbox.messages) == acknowledged


@pytest.mark.parametrize(
    ("headers", "sender"),
    [
        ({"Auto-Submitted": "auto-replied"}, "carol@mail.example"),
        ({"X-Autoreply": "yes"}, "carol@mail.example"),
        ({"Precedence": "bulk"}, "carol@mail.example"),
        ({"List-Id": "<news.mail.example>"}, "carol@mail.example"),
        ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, "carol@mail.example"),
        ({}, "no-reply@mail.example"),
    ],
)
def test_no_acknowledgement_to_machines_or_lists(email_inbox, smtp_server, headers, sender):
    ack_inbox(email_inbox)
    raw = received(
        email_inbox, mail(sender=sender, message_id="<auto@mail.example>", headers=headers)
    )
    assert raw.state == RawState.PROCESSED
    assert smtp_server.mailbox.messages == []


def test_automatic_messages_are_capped_per_customer(email_inbox, smtp_server):
    ack_inbox(email_inbox)
    for number in range(5):
        received(email_inbox, mail(message_id=f"<cap{number}@mail.example>", subject=f"n{number}"))
    assert len(smtp_server.mailbox.messages) == 2


def test_a_list_rewriting_from_to_our_address_keeps_the_author_from_reply_to(email_inbox):
    """A Google Group as support@ rewrites From for authors with a strict DMARC policy."""
    raw = received(
        email_inbox,
        mail(
            sender=f"'Carol Customer' via Support <{SUPPORT}>",
            headers={"Reply-To": "Carol Customer <carol@mail.example>"},
        ),
    )
    assert raw.state == RawState.PROCESSED, raw.error
    assert raw.message.conversation.customer.email == "carol@mail.example"
    assert "rewritten by a list" in raw.error


def test_mail_from_our_address_to_our_address_is_ignored(email_inbox):
    replies = [{}, {"Reply-To": f"Support <{SUPPORT}>"}, {"Reply-To": "support+x@shop.example"}]
    for number, reply_to in enumerate(replies):
        data = mail(sender=SUPPORT, message_id=f"<ours{number}@x.example>", headers=reply_to)
        raw = received(email_inbox, data)
        assert raw.state == RawState.IGNORED
        assert raw.error.startswith("our own mail: sent from support@shop.example")
    assert not Conversation.objects.exists()


def test_our_own_message_coming_back_is_ignored(email_inbox, email_agent, smtp_server):
    start = received(email_inbox, mail(message_id="<o@mail.example>"))
    actions.send_reply(conversation=start.message.conversation, author=email_agent, text="Hello")
    [sent] = smtp_server.mailbox.messages
    back = received(email_inbox, sent.as_bytes())
    assert back.state == RawState.IGNORED
    assert "our own" in back.error
    assert Message.objects.filter(inbox=email_inbox).count() == 2


def dsn(original_id: str, recipient: str, status: str, action: str = "failed") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.mail.example>\r\nTo: " + SUPPORT + "\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-" + status + "@mx>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="D"\r\n\r\n'
        "--D\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--D\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.mail.example\r\n"
        f"\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--D\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nSubject: Re: Lamp\r\n--D--\r\n"
    ).encode()


def test_a_hard_bounce_fails_the_reply_and_marks_the_address(email_inbox, email_agent, smtp_server):
    start = received(email_inbox, mail(message_id="<b@mail.example>"))
    conversation = start.message.conversation
    reply = actions.send_reply(conversation=conversation, author=email_agent, text="Hello")
    sent_id = smtp_server.mailbox.messages[0]["Message-ID"]
    bounce = received(email_inbox, dsn(sent_id, "carol@mail.example", "5.1.1"))
    assert bounce.state == RawState.IGNORED
    assert Conversation.objects.filter(inbox=email_inbox).count() == 1
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "5.1.1" in reply.delivery_error
    assert reply.deliveries.get().state == DeliveryState.FAILED
    assert BouncingAddress.objects.get().address == "carol@mail.example"
    # The next reply fails at once instead of bouncing again.
    again = actions.send_reply(conversation=conversation, author=email_agent, text="Hello?")
    again.refresh_from_db()
    assert again.delivery_status == DeliveryStatus.FAILED
    assert "bouncing" in again.delivery_error
    assert len(smtp_server.mailbox.messages) == 1


def test_a_delay_notice_fails_nothing(email_inbox, email_agent, smtp_server):
    start = received(email_inbox, mail(message_id="<d@mail.example>"))
    reply = actions.send_reply(
        conversation=start.message.conversation, author=email_agent, text="Hi"
    )
    sent_id = smtp_server.mailbox.messages[0]["Message-ID"]
    notice = received(email_inbox, dsn(sent_id, "carol@mail.example", "4.4.1", action="delayed"))
    assert notice.state == RawState.IGNORED
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert not BouncingAddress.objects.exists()
