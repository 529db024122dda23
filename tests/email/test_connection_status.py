"""An e-mail inbox whose fetching or sending fails shows it in red, in words, with since when.

Real servers: Dovecot for fetching, aiosmtpd for sending; "down" is a port nothing
listens on. The next success clears the status.
"""

from __future__ import annotations

import pytest

from rapport.inboxes.adapters.email import health
from rapport.inboxes.adapters.email.actions import send_email_reply
from rapport.inboxes.adapters.email.models import ConnectionStatus
from rapport.inboxes.adapters.email.tasks import poll_one
from tests.conftest import logged_in
from tests.email.conftest import mail
from tests.email.test_outbound import conversation_of
from tests.outbox.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def settings_pages(admin, inbox) -> tuple[str, str]:
    client = logged_in(admin)
    listing = client.get("/settings/inboxes/").content.decode()
    page = client.get(f"/settings/inboxes/{inbox.pk}/email").content.decode()
    return listing, page


def test_a_failing_fetch_is_red_on_the_card_and_the_list_until_it_works(imap_inbox, admin, dovecot):
    working = imap_inbox.config["imap"]
    down = free_port()
    imap_inbox.config = {**imap_inbox.config, "imap": {**working, "port": down}}
    imap_inbox.save(update_fields=["config"])

    poll_one(imap_inbox)
    poll_one(imap_inbox)  # failing again: "since" stays the first failure

    status = ConnectionStatus.objects.get(inbox=imap_inbox)
    assert status.fetch_error == f"The mail server at 127.0.0.1:{down} refused the connection"
    first_failure = status.fetch_failing_since
    assert first_failure is not None
    listing, page = settings_pages(admin, imap_inbox)
    for html in (listing, page):
        assert 'data-connection="failing"' in html
        assert "Fetching mail is failing</strong> since" in html
        assert f"The mail server at 127.0.0.1:{down} refused the connection" in html

    imap_inbox.config = {**imap_inbox.config, "imap": working}
    imap_inbox.save(update_fields=["config"])
    dovecot.append(mail())
    poll_one(imap_inbox)

    status.refresh_from_db()
    assert (status.fetch_error, status.fetch_failing_since) == ("", None)
    listing, page = settings_pages(admin, imap_inbox)
    assert 'data-connection="failing"' not in listing + page


def test_a_failing_send_is_red_on_the_inbox_until_a_reply_goes_out(
    email_inbox, email_agent, admin, smtp_server
):
    conversation = conversation_of(email_inbox)
    smtp_server.stop()
    send_email_reply(conversation=conversation, author=email_agent, text="First try")

    status = ConnectionStatus.objects.get(inbox=email_inbox)
    assert status.send_error == (
        f"The mail server at 127.0.0.1:{smtp_server.port} refused the connection"
    )
    listing, page = settings_pages(admin, email_inbox)
    for html in (listing, page):
        assert "Sending replies is failing</strong> since" in html

    smtp_server.start()
    send_email_reply(conversation=conversation, author=email_agent, text="Second try")

    status.refresh_from_db()
    assert (status.send_error, status.send_failing_since) == ("", None)


def test_admins_see_failing_inboxes_in_every_pages_sidebar_and_agents_do_not(
    email_inbox, admin, agent
):
    sidebar_alert = "1 inbox failing"
    assert sidebar_alert not in logged_in(admin).get("/inbox").content.decode()

    health.record_fetch(email_inbox.pk, "The mail server refused the connection")

    assert sidebar_alert in logged_in(admin).get("/inbox").content.decode()
    assert sidebar_alert in logged_in(admin).get("/settings/inboxes/").content.decode()
    assert sidebar_alert not in logged_in(agent).get("/inbox").content.decode()

    health.record_fetch(email_inbox.pk)  # the next poll worked
    assert sidebar_alert not in logged_in(admin).get("/inbox").content.decode()
