"""Against a real Dovecot: mail in the mailbox becomes conversations; replies thread back."""

from __future__ import annotations

import pytest

from rapport.conversations import actions
from rapport.conversations.models import Conversation, Direction, Message
from rapport.inboxes.adapters.email import imap
from rapport.inboxes.adapters.email.models import EmailDetails, MailboxCursor, RawEmail
from tests.email.conftest import SUPPORT, mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_mail_appended_to_the_mailbox_becomes_conversations(imap_inbox, dovecot):
    dovecot.append(
        mail(message_id="<a@mail.example>", subject="Broken lamp"),
        mail(sender="Bob <bob@mail.example>", message_id="<b@mail.example>", subject="Refund"),
    )
    result = imap.poll(imap_inbox)
    assert (result.fetched, result.processed, result.unprocessable) == (2, 2, 0)
    subjects = sorted(
        Conversation.objects.filter(inbox=imap_inbox).values_list("subject", flat=True)
    )
    assert subjects == ["Broken lamp", "Refund"]
    assert RawEmail.objects.filter(inbox=imap_inbox).count() == 2
    # Kept on the server by default, and not fetched twice.
    assert dovecot.count() == 2
    assert imap.poll(imap_inbox).fetched == 0
    assert Message.objects.filter(inbox=imap_inbox).count() == 2


def test_the_whole_backlog_is_fetched_after_an_outage(imap_inbox, dovecot):
    dovecot.append(mail(message_id="<first@mail.example>"))
    imap.poll(imap_inbox)
    dovecot.append(*[mail(message_id=f"<n{i}@mail.example>", subject=f"n{i}") for i in range(250)])
    result = imap.poll(imap_inbox)
    assert result.fetched == 250
    assert Message.objects.filter(inbox=imap_inbox).count() == 251
    cursor = MailboxCursor.objects.get(inbox=imap_inbox)
    assert cursor.last_uid == 251


def test_move_after_fetch_moves_only_stored_messages(imap_inbox, dovecot):
    imap_inbox.config["imap"] = {
        **imap_inbox.config["imap"],
        "after_fetch": "move",
        "move_to": "Processed",
    }
    imap_inbox.save()
    dovecot.append(mail(message_id="<m@mail.example>"))
    imap.poll(imap_inbox)
    assert dovecot.count("INBOX") == 0
    assert dovecot.count("Processed") == 1
    assert RawEmail.objects.filter(inbox=imap_inbox).count() == 1


def test_reply_goes_out_with_threading_headers_and_the_answer_comes_back(
    imap_inbox, dovecot, email_agent, smtp_server
):
    dovecot.append(mail(message_id="<start@mail.example>", subject="Broken lamp"))
    imap.poll(imap_inbox)
    conversation = Conversation.objects.get(inbox=imap_inbox)
    reply = actions.send_reply(
        conversation=conversation, author=email_agent, text="A new one is on its way."
    )

    [sent] = smtp_server.mailbox.messages
    assert sent["In-Reply-To"] == "<start@mail.example>"
    assert "<start@mail.example>" in sent["References"]
    assert sent["Subject"] == f"Re: Broken lamp [#{conversation.pk}]"
    assert sent["Reply-To"] == SUPPORT
    assert sent["Auto-Submitted"] is None
    our_id = sent["Message-ID"]
    assert EmailDetails.objects.get(message=reply).message_id_header == our_id.strip("<>")

    answer = mail(
        message_id="<answer@mail.example>",
        subject=f"Re: Broken lamp [#{conversation.pk}]",
        body=(
            "Thanks, it arrived!\r\n\r\nOn Mon, 2 Jun 2025, Shop support wrote:\r\n"
            "> A new one is on its way."
        ),
        headers={"In-Reply-To": our_id, "References": f"<start@mail.example> {our_id}"},
    )
    dovecot.append(answer)
    imap.poll(imap_inbox)
    assert Conversation.objects.filter(inbox=imap_inbox).count() == 1
    latest = conversation.messages.filter(direction=Direction.INBOUND).order_by("-id").first()
    assert latest.text == "Thanks, it arrived!"
    assert "A new one is on its way." in latest.email.quoted_text


def test_an_over_size_mail_is_fetched_without_its_largest_part(imap_inbox, dovecot):
    imap_inbox.config = {
        **imap_inbox.config,
        "max_message_bytes": 40_000,
        "acknowledge_senders": ["mail.example"],  # no trusted server here: listed instead
    }
    imap_inbox.save()
    attachment = (
        "--B\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="scan.pdf"\r\n\r\n' + "x" * 50_000 + "\r\n"
    )
    over = mail(
        message_id="<over@mail.example>",
        headers={"Content-Type": 'multipart/mixed; boundary="B"'},
        body="--B\r\nContent-Type: text/plain\r\n\r\nScan attached.\r\n" + attachment + "--B--",
    ).replace(b"Content-Type: text/plain; charset=utf-8\r\n", b"", 1)
    far_over = mail(message_id="<far@mail.example>", body="y" * 100_000)
    dovecot.append(over, far_over)
    result = imap.poll(imap_inbox)
    assert result.processed == 1
    message = Message.objects.get(inbox=imap_inbox, direction=Direction.INBOUND)
    notice = Message.objects.get(inbox=imap_inbox, direction=Direction.OUTBOUND)
    assert "scan.pdf" in notice.text  # the sender is told
    assert message.text.startswith("Scan attached.\n\n[The attachment “scan.pdf” (48 KB) was left")
    left = RawEmail.objects.get(inbox=imap_inbox, size=0)
    assert "over the 80000 byte limit; left on the server" in left.error
