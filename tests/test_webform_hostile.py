"""Hostile input to the public web form: the form page again, with the reason, never a 500.

The sender of a web form reads HTML, so every refusal is the contact page with its status
(400/413) and a message saying what is wrong; nothing is stored; it is answered at once.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from rapport.conversations.models import Message
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db

FAST = 1.0
FORM = {"name": "Carol", "email": "carol@mail.example", "subject": "Hi", "message": "Hello"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def post_raw(inbox: Any, body: bytes | str, content_type: str) -> Any:
    started = time.perf_counter()
    response = Client().generic("POST", f"/f/{inbox.public_key}", body, content_type=content_type)
    response.seconds = time.perf_counter() - started
    return response


def post(inbox: Any, **changes: str) -> Any:
    started = time.perf_counter()
    response = Client().post(f"/f/{inbox.public_key}", {**FORM, **changes})
    response.seconds = time.perf_counter() - started
    return response


def refused(response: Any, status: int, says: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert b"<form" in response.content, "the form is shown again to fix and resend"
    assert says in response.content.decode(), response.content.decode()[-1500:]
    assert response.seconds < FAST
    assert not Message.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.parametrize("field", ["name", "subject", "message"])
def test_nul_characters_are_refused_in_every_text_field(webform_inbox, field):
    refused(post(webform_inbox, **{field: "a\x00b"}), 400, "Null characters are not allowed")


def test_invalid_utf8_cannot_smuggle_a_surrogate(webform_inbox):
    # %ED%A0%80 is a UTF-16 surrogate encoded as UTF-8: not valid UTF-8, so Django decodes
    # it to U+FFFD; the message is stored as that replacement character, never a surrogate.
    body = "name=Carol&email=carol%40mail.example&message=hi%ED%A0%80"
    response = post_raw(webform_inbox, body, "application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert Message.objects.get().text == "hi\ufffd\ufffd\ufffd"


def test_a_too_long_message_is_a_400_with_the_limit(webform_inbox):
    text = "x" * (settings.RAPPORT_MAX_MESSAGE_CHARS + 1)
    refused(post(webform_inbox, message=text), 400, "Please keep it under")


def test_a_body_over_the_server_limit_is_a_413_on_the_form(webform_inbox):
    body = "message=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = post_raw(webform_inbox, body, "application/x-www-form-urlencoded")
    refused(response, 413, "larger than the limit")


def test_too_many_fields_is_a_400_on_the_form(webform_inbox):
    body = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = post_raw(webform_inbox, body, "application/x-www-form-urlencoded")
    refused(response, 400, "could not be read")


def test_broken_multipart_is_a_400_on_the_form(webform_inbox):
    response = post_raw(webform_inbox, b"--x\r\n", "multipart/form-data")
    refused(response, 400, "could not be read")


def test_an_invalid_address_is_a_400_naming_the_field(webform_inbox):
    refused(post(webform_inbox, email="not an address"), 400, "Enter a valid email address")


def test_after_refusals_a_good_post_is_stored_once(webform_inbox):
    post(webform_inbox, message="a\x00b")
    response = post(webform_inbox)

    assert response.status_code == 200
    assert list(Message.objects.values_list("text", flat=True)) == ["Hello"]
