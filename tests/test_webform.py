"""The public web form: /f/<public key>."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rapport.conversations.models import Conversation, Message
from rapport.customers.models import Customer, Identity

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Carol",
    "email": "Carol@Mail.Example",
    "subject": "Hello",
    "message": "Hi there",
    "website": "",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def post(inbox, client=None, **changes):
    return (client or Client()).post(f"/f/{inbox.public_key}", {**FORM, **changes})


def test_form_page_renders_with_theme(webform_inbox):
    webform_inbox.config = {"accent_color": "#ff0066", "title": "Talk to Lampshop"}
    webform_inbox.save()
    response = Client().get(f"/f/{webform_inbox.public_key}")
    assert response.status_code == 200
    assert b"Talk to Lampshop" in response.content
    assert b"--accent:#ff0066" in response.content
    assert "frame-ancestors *" in response["Content-Security-Policy"]


def test_theme_colour_cannot_inject_css(webform_inbox):
    webform_inbox.config = {"accent_color": "red}</style><script>alert(1)</script>"}
    webform_inbox.save()
    response = Client().get(f"/f/{webform_inbox.public_key}")
    assert b"<script>alert(1)" not in response.content
    assert b"--accent:#4f46e5" in response.content


def test_submission_creates_customer_and_conversation(webform_inbox):
    response = post(webform_inbox)
    assert response.status_code == 200
    conversation = Conversation.objects.get()
    assert f"#{conversation.pk}".encode() in response.content
    assert conversation.subject == "Hello"
    assert conversation.customer.name == "Carol"
    assert Identity.objects.get().address == "carol@mail.example"
    assert conversation.messages.get().text == "Hi there"


def test_second_submission_continues_the_open_conversation(webform_inbox):
    post(webform_inbox)
    post(webform_inbox, email="carol@mail.example", message="Any news?")
    assert Customer.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 2


def test_honeypot_stores_nothing_but_looks_fine(webform_inbox):
    response = post(webform_inbox, website="http://spam.example")
    assert response.status_code == 200
    assert Message.objects.count() == 0


def test_invalid_submission_says_what_is_wrong(webform_inbox):
    response = post(webform_inbox, email="not-an-address", message="")
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert b"This field is required." in response.content
    assert Message.objects.count() == 0


def test_rate_limit_per_ip(webform_inbox, settings):
    settings.RAPPORT_WEBFORM_RATE = 3
    answers = [post(webform_inbox, message=f"m{i}") for i in range(5)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    assert Message.objects.count() == 3
    assert 0 < int(answers[-1]["Retry-After"]) <= 3600  # issue 21, hole 9


def test_unknown_or_inactive_form_is_404(webform_inbox):
    assert Client().get("/f/nope").status_code == 404
    webform_inbox.is_active = False
    webform_inbox.save()
    assert Client().get(f"/f/{webform_inbox.public_key}").status_code == 404


def test_attachment_is_stored_with_sniffed_type(webform_inbox):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    upload = SimpleUploadedFile("../../etc/passwd.html", png, content_type="text/html")
    assert post(webform_inbox, attachment=upload).status_code == 200
    attachment = Message.objects.get().attachments.get()
    assert attachment.content_type == "image/png"
    assert attachment.filename == "passwd.html"
    assert attachment.size == len(png)
    assert "passwd" not in attachment.file.name


def test_oversized_attachment_is_refused(webform_inbox, settings):
    settings.RAPPORT_MAX_ATTACHMENT_BYTES = 1024
    upload = SimpleUploadedFile("big.bin", b"x" * 2048)
    response = post(webform_inbox, attachment=upload)
    assert response.status_code == 400
    assert b"Attachments can be at most" in response.content
    assert Message.objects.count() == 0


def test_oversized_body_is_413(webform_inbox, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(webform_inbox, message="x" * 5000)
    assert response.status_code == 413
    assert Message.objects.count() == 0
