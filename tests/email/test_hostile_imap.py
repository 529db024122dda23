"""Hostile mail in a real Dovecot mailbox: what is stored, what stays on the server, how
long the poll took. Each mail is kept byte for byte; none stops the others."""

from __future__ import annotations

import time

import pytest

from rapport.conversations.models import Conversation, Message
from rapport.inboxes.adapters.email import imap
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from tests.email.conftest import mail
from tests.email.hostile import EIGHT_BIT_INNER, configure, nested, odd_id_mails, own_mails, stored

pytestmark = pytest.mark.django_db(transaction=True)

NO_SENDER = b"To: support@shop.example\r\nSubject: anonymous\r\n\r\nWho wrote this?\r\n"
HEADER_BOMB = mail(headers={f"X-Junk-{n}": "x" * 900 for n in range(300)})


def poll(inbox):
    started = time.monotonic()
    result = imap.poll(inbox)
    return result, time.monotonic() - started


def test_mail_that_breaks_parsers_is_kept_and_shown(imap_inbox, dovecot):
    hostile = [nested(300), nested(2000), EIGHT_BIT_INNER, HEADER_BOMB]
    hostile[3] = hostile[3].replace(b"<m1@", b"<bomb@")
    dovecot.append(*hostile)
    result, seconds = poll(imap_inbox)
    assert (result.fetched, seconds < 10) == (4, True)
    for data in hostile:
        raw = stored(data)  # exactly the bytes the server had
        assert raw.state == RawState.PROCESSED, raw.error
        assert raw.message.conversation.customer.email == "carol@mail.example"
    assert dovecot.count() == 4  # "keep": the server still has every mail


def test_a_mail_without_sender_is_quarantined_and_the_rest_go_on(imap_inbox, dovecot):
    dovecot.append(NO_SENDER, mail(message_id="<fine@mail.example>"))
    result, seconds = poll(imap_inbox)
    assert (result.processed, result.unprocessable, seconds < 5) == (1, 1, True)
    assert stored(NO_SENDER).state == RawState.UNPROCESSABLE
    assert "no valid sender" in stored(NO_SENDER).error
    assert Message.objects.count() == 1


def test_odd_message_ids_stay_different_mails_and_a_refetch_doubles_nothing(imap_inbox, dovecot):
    dovecot.append(*odd_id_mails())
    _, seconds = poll(imap_inbox)
    assert (Message.objects.count(), seconds < 5) == (len(odd_id_mails()), True)
    # The server renumbers the folder (a restore): everything is fetched again, kept once.
    configure(imap_inbox, imap={**imap_inbox.config["imap"]})
    from rapport.inboxes.adapters.email.models import MailboxCursor

    MailboxCursor.objects.update(uidvalidity=1, last_uid=0)
    result, _ = poll(imap_inbox)
    assert result.fetched == len(odd_id_mails())
    assert Message.objects.count() == len(odd_id_mails())


def test_our_own_mail_in_the_mailbox_is_never_a_conversation(imap_inbox, dovecot, webform_inbox):
    configure(webform_inbox, from_email="form@shop.example")
    dovecot.append(*own_mails("Form <form@shop.example>").values())
    result, seconds = poll(imap_inbox)
    assert (result.fetched, seconds < 5) == (3, True)
    assert not Conversation.objects.exists()
    assert set(RawEmail.objects.values_list("state", flat=True)) == {RawState.IGNORED}
