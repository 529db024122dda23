"""One person on SMS, WhatsApp through Twilio and the API channel is one customer: every
way a phone number comes in is written in E.164 before it is looked up (issue 11, item 4)."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.accounts.models import User
from rapport.core.errors import ValidationFailed
from rapport.customers.addresses import normalize_phone
from rapport.customers.models import Customer, Identity
from rapport.inboxes.models import Inbox
from tests.api.conftest import Api
from tests.channels import test_conformance as conformance
from tests.channels.twilio import TwilioApi, twilio_api

__all__ = ["twilio_api"]  # the local Twilio the settings forms check the keys against


@pytest.mark.parametrize(
    "written",
    [
        "+1 (415) 555-0100",
        "+14155550100",
        "+1-415-555-0100",
        "0014155550100",
        "00 1 415 555 0100",
        "tel:+1-415-555-0100",
        " +1 415 555 0100 ",
    ],
)
def test_every_international_way_of_writing_a_number_is_one_e164(written: str) -> None:
    assert normalize_phone(written) == "+14155550100"


def test_a_national_number_needs_a_region(settings: object) -> None:
    with pytest.raises(ValidationFailed):
        normalize_phone("(415) 555-0100")
    assert normalize_phone("(415) 555-0100", "US") == "+14155550100"
    settings.RAPPORT_PHONE_REGION = "DE"  # type: ignore[attr-defined]
    assert normalize_phone("0151 12345678") == "+4915112345678"
    assert normalize_phone("0041 44 668 18 00") == "+41446681800"  # 00 still international


@pytest.mark.parametrize("junk", ["00", "0012", "+", "tel:", "whatsapp:+1415", "abc"])
def test_what_is_not_a_number_is_refused(junk: str) -> None:
    with pytest.raises(ValidationFailed):
        normalize_phone(junk)


@pytest.mark.django_db(transaction=True)
def test_sms_whatsapp_and_the_api_channel_find_one_customer(
    admin: User, agent: User, api_inbox: Inbox, client: Client, twilio_api: TwilioApi
) -> None:
    sms, whatsapp = conformance.TestTwilioSms(), conformance.TestWhatsAppThroughTwilio()
    sms_inbox = sms.make_inbox(admin, agent)
    whatsapp_inbox = whatsapp.make_inbox(admin, agent)

    # Twilio's form fields as Twilio posts them; the SMS one written the way a person would.
    sms.post(client, sms_inbox, sms.message(sms_inbox, "+1 (415) 555-0100", "By text", "SMa1"))
    whatsapp.post(
        client, whatsapp_inbox, whatsapp.message(whatsapp_inbox, "+14155550100", "On WA", "SMa2")
    )
    posted = Api(agent).post(
        f"/inboxes/{api_inbox.pk}/messages",
        {"identity": {"kind": "phone", "address": "0014155550100"}, "text": "From the app"},
    )

    assert posted.status_code == 201, posted.content
    [customer] = Customer.objects.all()
    assert posted.json()["customer_id"] == customer.pk
    assert list(Identity.objects.values_list("kind", "address")) == [("phone", "+14155550100")]
    inboxes = set(customer.conversations.values_list("inbox__kind", flat=True))
    assert inboxes == {"sms", "whatsapp_twilio", "api"}
