"""Properties of the e-mail providers' inbound webhooks and of the mail parser.

Whatever a correctly authenticated provider posts — any JSON value, any form fields, any
bytes — the answer is 200 (stored) or a 4xx with a reason, never a 5xx (providers retry
every 5xx into the same error, and then give up: the mail would be lost). And the parser
reads any bytes as a mail without raising: what cannot be read exactly is still shown.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.inboxes.adapters.email.models import RawEmail
from rapport.inboxes.adapters.email.parse import parse_email
from tests.email.conftest import mail
from tests.email.hostile import (
    BASIC,
    MAILGUN_KEY,
    basic_auth,
    configure,
    inbound_url,
    mailgun_signed,
    multipart,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.email.urls")]

# A few dozen posts per provider: enough to hit every branch of the post readers
# (wrong types, missing fields, odd bytes) while keeping the suite quick.
POSTS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Postmark's own field names with values of any type, so the reader meets wrong types in
# the places it looks, not only unknown keys.
postmark_posts = st.dictionaries(
    st.sampled_from(
        [
            "From",
            "FromFull",
            "To",
            "Subject",
            "TextBody",
            "HtmlBody",
            "MessageID",
            "Headers",
            "Attachments",
            "RawEmail",
            "Date",
            "ReplyTo",
            "Cc",
            "RecordType",
        ]
    ),
    json_values,
    max_size=8,
)
field_values = st.one_of(st.binary(max_size=300), st.text(max_size=300))
form_posts = st.dictionaries(
    st.sampled_from(
        [
            "from",
            "sender",
            "recipient",
            "subject",
            "body-plain",
            "body-html",
            "body-mime",
            "email",
            "text",
            "html",
            "headers",
            "to",
            "envelope",
            "charsets",
            "attachments",
            "attachment-info",
            "Message-Id",
        ]
    ),
    field_values,
    max_size=8,
)


def answered_without_server_error(status: int, text: str) -> None:
    assert status in (200, 400, 413), (status, text)
    if status != 200:
        assert text.strip(), "a refusal says why"


@POSTS
@given(payload=postmark_posts | json_values)
def test_postmark_answers_any_json_with_200_or_a_reason(email_inbox, payload):
    configure(email_inbox, webhook_basic_auth=BASIC)
    response = Client().generic(
        "POST",
        inbound_url(email_inbox, "postmark"),
        json.dumps(payload).encode(),
        content_type="application/json",
        **basic_auth(),
    )
    answered_without_server_error(response.status_code, response.content.decode())


@POSTS
@given(body=st.binary(max_size=2000))
def test_postmark_answers_any_bytes_with_200_or_a_reason(email_inbox, body):
    configure(email_inbox, webhook_basic_auth=BASIC)
    response = Client().generic(
        "POST",
        inbound_url(email_inbox, "postmark"),
        body,
        content_type="application/json",
        **basic_auth(),
    )
    answered_without_server_error(response.status_code, response.content.decode(errors="replace"))


@POSTS
@given(fields=form_posts)
def test_mailgun_answers_any_signed_form_with_200_or_a_reason(email_inbox, fields):
    configure(email_inbox, webhook_signing_key=MAILGUN_KEY)
    body, content_type = multipart(mailgun_signed(fields))
    response = Client().generic(
        "POST", inbound_url(email_inbox, "mailgun"), body, content_type=content_type
    )
    answered_without_server_error(response.status_code, response.content.decode(errors="replace"))


@POSTS
@given(fields=form_posts)
def test_sendgrid_answers_any_form_with_200_or_a_reason(email_inbox, fields):
    configure(email_inbox, webhook_basic_auth=BASIC)
    body, content_type = multipart(fields)
    before = RawEmail.objects.count()
    response = Client().generic(
        "POST",
        inbound_url(email_inbox, "sendgrid"),
        body,
        content_type=content_type,
        **basic_auth(),
    )
    answered_without_server_error(response.status_code, response.content.decode(errors="replace"))
    if response.status_code == 200:
        assert RawEmail.objects.count() == before + 1, "a post answered 200 is stored"


header_names = st.sampled_from(
    [
        "From",
        "To",
        "Cc",
        "Subject",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Date",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Reply-To",
        "Sender",
        "Return-Path",
        "MIME-Version",
        "Authentication-Results",
        "X-Junk",
    ]
)
header_values = st.binary(max_size=120).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b" "))


@settings(max_examples=200, deadline=None)
@given(
    headers=st.lists(st.tuples(header_names, header_values), max_size=10),
    body=st.binary(max_size=1500),
)
def test_the_parser_reads_any_headers_and_body_without_raising(headers, body):
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
    parsed = parse_email(raw + b"\r\n" + body)
    assert isinstance(parsed.text, str)


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(min_value=0, max_value=400), noise=st.binary(max_size=40))
def test_the_parser_reads_a_cut_or_corrupted_real_mail_without_raising(cut, noise):
    whole = mail(body="Hello, the lamp arrived broken.")
    parse_email(whole[:cut] + noise + whole[cut:])
