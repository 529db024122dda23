"""Settings → Quarantine and ``rapport quarantine``: see, download and retry what could not
become a message, across inboxes and across channels (each channel one source)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from rapport.config.quarantine import SOURCES
from rapport.core import quarantine
from rapport.core.models import AuditEntry
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from tests.email.conftest import mail
from tests.email.hostile import BASIC, basic_auth, configure, inbound_url
from tests.factories import InboxFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("rapport.config.urls")]

NO_SENDER = b"To: support@shop.example\r\nSubject: who am I\r\n\r\nNobody wrote this.\r\n"


@pytest.fixture
def quarantined(email_inbox):
    """A mail without a sender in one inbox, a bounce record posted to another's URL."""
    first = ingest(email_inbox, NO_SENDER, source="imap")
    other = InboxFactory(name="Sales mail", kind="email", config={"addresses": ["s@x.example"]})
    configure(other, webhook_basic_auth=BASIC)
    body = json.dumps({"RecordType": "Bounce", "Email": "x@y.example"}).encode()
    Client().post(
        inbound_url(other, "postmark"), body, content_type="application/json", **basic_auth()
    )
    second = RawEmail.objects.get(inbox=other)
    return first, second


def test_the_page_lists_every_inbox_with_reason_download_and_retry(admin_client, quarantined):
    page = admin_client.get("/settings/quarantine/").content.decode()
    assert "Shop support" in page
    assert "Sales mail" in page
    assert "no valid sender" in page
    assert "a Postmark &#x27;Bounce&#x27; record" in page
    for raw in quarantined:
        assert f"/settings/quarantine/email:{raw.pk}/raw" in page
        assert f"/settings/quarantine/email:{raw.pk}/retry" in page


def test_download_is_the_bytes_as_received(admin_client, quarantined):
    first, second = quarantined
    response = admin_client.get(f"/settings/quarantine/email:{first.pk}/raw")
    assert response.content == NO_SENDER
    assert response["Content-Disposition"] == f'attachment; filename="email-{first.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"
    post = admin_client.get(f"/settings/quarantine/email:{second.pk}/raw")
    assert json.loads(post.content)["RecordType"] == "Bounce"


def test_retry_after_a_fix_makes_the_message_and_is_audited(admin_client, quarantined):
    first, _ = quarantined
    first.data = mail(message_id="<fixed@mail.example>")  # as if the parser had been fixed
    first.save()
    response = admin_client.post(f"/settings/quarantine/email:{first.pk}/retry", follow=True)
    first.refresh_from_db()
    assert first.state == RawState.PROCESSED
    assert f"email:{first.pk}: processed" in response.content.decode()
    assert AuditEntry.objects.filter(verb="quarantine.retried").exists()
    assert [item.key for item in quarantine.list_items()] == [f"email:{quarantined[1].pk}"]


def test_agents_may_not_see_it_and_unknown_keys_are_404(client, email_agent, admin_client):
    client.force_login(email_agent)
    assert client.get("/settings/quarantine/").status_code == 403
    for key in ("email:999", "nope:1", "email:x"):
        assert admin_client.get(f"/settings/quarantine/{key}/raw").status_code == 404


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command("quarantine", *args, stdout=out)
    return out.getvalue()


def test_the_command_lists_shows_downloads_and_retries(quarantined, tmp_path):
    first, second = quarantined
    listing = cli("list")
    assert f"email:{first.pk}" in listing
    assert f"email:{second.pk}" in listing
    assert "2 quarantined" in listing
    assert "Reason: no valid sender" in cli("show", f"email:{first.pk}")
    target = tmp_path / "raw.eml"
    cli("show", f"email:{first.pk}", "--out", str(target))
    assert target.read_bytes() == NO_SENDER
    assert "still quarantined" in cli("retry", f"email:{first.pk}")
    with pytest.raises(CommandError, match="no quarantined item"):
        cli("show", "email:999999")


class _OtherChannel:
    """A later channel's raw store, as it would plug in: one line in ``SOURCES``."""

    name = "sms"

    def items(self, limit):
        return [self.item(1)]

    def item(self, item_id):
        from django.utils import timezone

        return quarantine.Item(
            "sms:1",
            1,
            "Text messages",
            timezone.now(),
            "SMS",
            "bad encoding",
            3,
            1,
            "sms-1.txt",
            "text/plain",
        )

    def raw(self, item_id):
        return b"\xff\xfe?"


def test_another_channels_store_shows_on_the_same_page_and_command(admin_client, monkeypatch):
    monkeypatch.setitem(SOURCES, "sms", f"{__name__}._OtherChannel")
    quarantine.source.cache_clear()
    try:
        assert "bad encoding" in admin_client.get("/settings/quarantine/").content.decode()
        assert "sms:1" in cli("list")
        assert admin_client.get("/settings/quarantine/sms:1/raw").content == b"\xff\xfe?"
    finally:
        quarantine.source.cache_clear()
