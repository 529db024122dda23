"""WhatsApp Cloud API: connecting a number (the settings form checks it with the Graph
API and says what is wrong in words) and a customer's files fetched through the Graph
API in the job, size-limited, never losing the message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from rapport.conversations.models import Attachment, Message
from rapport.inboxes.adapters.whatsapp import media, tasks
from rapport.inboxes.adapters.whatsapp.models import MediaFetch
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from rapport.inboxes.webhooks import process
from tests.channels import whatsapp_cloud as wa
from tests.channels.test_whatsapp_cloud import create_inbox
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)

PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000  # a JPEG's first bytes


@pytest.fixture
def graph(settings: Any) -> Iterator[wa.GraphServer]:
    server = wa.GraphServer()
    server.knows_the_number()
    server.start()
    settings.META_GRAPH_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def inbox(admin, agent, graph) -> Inbox:
    assert create_inbox(admin, agent).status_code == 302
    return Inbox.objects.get(kind="whatsapp")


# Setup ---------------------------------------------------------------------------------


def test_saving_checks_the_number_with_meta_and_shows_what_to_paste(admin, agent, graph):
    response = create_inbox(admin, agent)

    assert response.status_code == 302
    inbox = Inbox.objects.get(kind="whatsapp")
    check = graph.requests[0]
    assert check.method == "GET"
    assert check.path == f"/{wa.PHONE_ID}?fields=display_phone_number%2Cverified_name"
    assert check.headers["Authorization"] == f"Bearer {wa.TOKEN}"
    assert inbox.config["display_phone_number"] == "+1 555-010-0199"
    page = logged_in(admin).get(response["Location"]).content.decode()
    assert f"/channels/whatsapp/{inbox.public_key}" in page
    assert inbox.config["verify_token"] in page
    assert "Connected to +1 555-010-0199 (Alder &amp; Finch)" in page
    assert wa.TOKEN not in page
    assert wa.APP_SECRET not in page


def test_the_inbox_shows_on_the_inbox_list_and_its_general_page(admin, inbox):
    listed = logged_in(admin).get("/settings/inboxes/").content.decode()
    general = logged_in(admin).get(f"/settings/inboxes/{inbox.pk}")

    assert "WhatsApp" in listed
    assert general.status_code == 200
    assert "WhatsApp settings" in general.content.decode()


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            wa.graph_error(401, 190, "Error validating access token: Session has expired"),
            "Meta refused the access token: it is mistyped, expired or revoked",
        ),
        (
            wa.graph_error(
                400,
                100,
                "Unsupported get request. Object with ID '106540352242922' does not exist",
            ),
            f"Meta knows no phone number with the ID {wa.PHONE_ID} that this token can see",
        ),
        (
            wa.graph_error(403, 200, "Permissions error"),
            "give its system user the whatsapp_business_messaging permission",
        ),
    ],
)
def test_a_refused_check_says_what_is_wrong_and_saves_nothing(admin, agent, graph, answer, words):
    graph.answer("GET", f"/{wa.PHONE_ID}", answer)
    response = create_inbox(admin, agent)

    assert response.status_code == 400
    assert words in response.content.decode().replace("&#x27;", "'")
    assert not Inbox.objects.filter(kind="whatsapp").exists()


def test_an_unreachable_graph_api_is_said_so(admin, agent, settings):
    settings.META_GRAPH_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    response = create_inbox(admin, agent)

    assert response.status_code == 400
    assert "Meta's Graph API could not be reached" in response.content.decode().replace(
        "&#x27;", "'"
    )


def test_ids_must_be_digits_and_secrets_are_kept_when_left_empty(admin, agent, graph):
    assert create_inbox(admin, agent, phone_number_id="+1 555 0100").status_code == 400
    inbox_page = create_inbox(admin, agent)
    inbox = Inbox.objects.get(kind="whatsapp")
    token = inbox.config["verify_token"]
    saved = logged_in(admin).post(
        inbox_page["Location"],
        {
            "phone_number_id": wa.PHONE_ID,
            "business_account_id": wa.WABA_ID,
            "access_token": "",
            "app_secret": "",
            "verify_token": "",
        },
    )
    assert saved.status_code == 302
    inbox.refresh_from_db()
    assert inbox.config["access_token"] == wa.TOKEN
    assert inbox.config["app_secret"] == wa.APP_SECRET
    assert inbox.config["verify_token"] == token


# Media ---------------------------------------------------------------------------------


def image_message(wamid: str = "wamid.photo", media_id: str = "8801") -> bytes:
    message = {
        "from": "14155550123",
        "id": wamid,
        "timestamp": "1733390000",
        "type": "image",
        "image": {
            "caption": "The box arrived like this",
            "mime_type": "image/jpeg",
            "sha256": "x",
            "id": media_id,
        },
    }
    return wa.webhook(contacts=[wa.contact("14155550123")], messages=[message])


def post(client, inbox: Inbox, body: bytes) -> Any:
    return client.post(
        f"/channels/whatsapp/{inbox.public_key}", body, content_type=wa.JSON, **wa.signed(body)
    )


def test_a_photo_is_fetched_through_the_graph_api_and_attached(inbox, client, graph):
    graph.answer(
        "GET",
        "/8801",
        (
            200,
            {},
            {
                "url": f"{graph.url}/download/8801",
                "mime_type": "image/jpeg",
                "file_size": len(PHOTO),
                "id": "8801",
                "messaging_product": "whatsapp",
            },
        ),
    )
    graph.answer("GET", "/download/8801", (200, {"Content-Type": "image/jpeg"}, PHOTO))

    assert post(client, inbox, image_message()).status_code == 200

    message = Message.objects.get()
    assert message.text == "[Photo]\nThe box arrived like this"
    attachment = Attachment.objects.get(message=message)
    assert attachment.content_type == "image/jpeg"
    assert attachment.filename == "whatsapp-image.jpg"
    with attachment.file.open("rb") as stored:
        assert stored.read() == PHOTO
    fetches = [r for r in graph.requests if r.path.startswith(("/8801", "/download"))]
    assert [r.path for r in fetches] == ["/8801", "/download/8801"]
    assert all(r.headers["Authorization"] == f"Bearer {wa.TOKEN}" for r in fetches)


def test_a_failed_fetch_keeps_the_message_with_a_note(inbox, client, graph):
    graph.answer("GET", "/8801", wa.graph_error(400, 100, "Invalid media id"))

    assert post(client, inbox, image_message()).status_code == 200

    message = Message.objects.get()
    assert message.text.startswith("[Photo]\nThe box arrived like this\n")
    assert "[The photo could not be fetched from WhatsApp: " in message.text
    assert "Invalid media id" in message.text
    assert not Attachment.objects.exists()
    assert not MediaFetch.objects.exists()  # a refusal is not tried again
    assert RawWebhook.objects.get().state == WebhookState.PROCESSED


def test_a_file_over_the_limit_is_not_downloaded(inbox, client, graph, settings):
    settings.RAPPORT_MAX_ATTACHMENT_BYTES = 1024
    graph.answer(
        "GET",
        "/8801",
        (
            200,
            {},
            {
                "url": f"{graph.url}/download/8801",
                "mime_type": "image/jpeg",
                "file_size": 5 * 1024 * 1024,
            },
        ),
    )
    post(client, inbox, image_message())

    assert (
        "over the 0 MB limit" in Message.objects.get().text or "limit" in Message.objects.get().text
    )
    assert not [r for r in graph.requests if r.path.startswith("/download")]


def test_a_download_that_grows_past_the_limit_is_cut_off(inbox, client, graph, settings):
    settings.RAPPORT_MAX_ATTACHMENT_BYTES = 1024
    graph.answer(
        "GET", "/8801", (200, {}, {"url": f"{graph.url}/download/8801", "mime_type": "image/jpeg"})
    )
    graph.answer("GET", "/download/8801", (200, {}, PHOTO))  # 2 KB, size not announced

    post(client, inbox, image_message())

    message = Message.objects.get()
    assert "could not be fetched from WhatsApp: it is more than" in message.text
    assert not Attachment.objects.exists()


def test_media_are_fetched_by_the_job_not_while_the_webhook_is_answered(
    inbox, client, graph, monkeypatch
):
    monkeypatch.setattr("rapport.inboxes.inbound.enqueue_processing", lambda raw_id: None)
    graph.answer("GET", "/8801", (200, {}, {"url": f"{graph.url}/download/8801"}))
    graph.answer("GET", "/download/8801", (200, {}, PHOTO))
    seen_before = len(graph.requests)

    assert post(client, inbox, image_message()).status_code == 200
    assert len(graph.requests) == seen_before  # answered without asking Meta anything
    raw = RawWebhook.objects.get()
    assert raw.state == WebhookState.PENDING
    assert not Message.objects.exists()

    process(raw.pk)  # the job
    assert Attachment.objects.get().size == len(PHOTO)


# Media Meta did not give at first ------------------------------------------------------

MEDIA_URL = {"mime_type": "image/jpeg", "file_size": len(PHOTO), "id": "8801"}


def meta_gives_the_photo(graph: wa.GraphServer) -> None:
    graph.answer("GET", "/8801", (200, {}, {**MEDIA_URL, "url": f"{graph.url}/download/8801"}))
    graph.answer("GET", "/download/8801", (200, {"Content-Type": "image/jpeg"}, PHOTO))


def minutes_later(minutes: float) -> Any:
    return timezone.now() + timedelta(minutes=minutes)


def test_a_photo_meta_failed_to_give_is_fetched_on_a_later_try(inbox, client, graph):
    graph.answer("GET", "/8801", wa.graph_error(503, 1, "Service temporarily unavailable"))
    assert post(client, inbox, image_message()).status_code == 200

    message = Message.objects.get()
    assert message.text == (
        "[Photo]\nThe box arrived like this\n[The photo could not be fetched yet (Meta had a"
        " problem (503): Service temporarily unavailable (error 1)); trying again]"
    )
    assert RawWebhook.objects.get().state == WebhookState.PROCESSED  # the message is stored
    row = MediaFetch.objects.get()
    assert (row.message_id, row.media_id, row.tries) == ("wamid.photo", "8801", 1)

    assert media.retry_due(now=minutes_later(0.5)) == 0  # its first wait is a minute
    meta_gives_the_photo(graph)
    assert media.retry_due(now=minutes_later(1.5)) == 1

    message.refresh_from_db()
    assert message.text == "[Photo]\nThe box arrived like this"
    assert Attachment.objects.get(message=message).size == len(PHOTO)
    assert not MediaFetch.objects.exists()


def test_a_photo_meta_never_gives_is_tried_seven_times_with_growing_waits(inbox, client, graph):
    graph.answer("GET", "/8801", wa.graph_error(500, 2, "An unexpected error has occurred"))
    post(client, inbox, image_message())

    waits = []
    clock = timezone.now()
    while (row := MediaFetch.objects.first()) is not None:
        waits.append(round((row.next_try_at - clock).total_seconds() / 60))
        clock = row.next_try_at
        media.retry_due(now=clock)

    assert waits == [1, 5, 15, 60, 180, 720]
    assert len([r for r in graph.requests if r.path == "/8801"]) == 7
    text = Message.objects.get().text
    assert "could not be fetched yet" not in text
    assert text.endswith(
        "[The photo could not be fetched from WhatsApp after 7 tries: Meta had a problem"
        " (500): An unexpected error has occurred (error 2)]"
    )
    assert not Attachment.objects.exists()


def test_an_expired_photo_is_not_tried_again(inbox, client, graph):
    graph.answer("GET", "/8801", wa.graph_error(503, 1, "Service temporarily unavailable"))
    post(client, inbox, image_message())
    graph.answer("GET", "/8801", wa.graph_error(404, 100, "Media expired"))

    media.retry_due(now=minutes_later(2))

    assert not MediaFetch.objects.exists()
    text = Message.objects.get().text
    assert "\n[The photo could not be fetched from WhatsApp after 2 tries: " in text
    assert text.endswith("Media expired (error 100)]")
    assert "could not be fetched yet" not in text
    assert len([r for r in graph.requests if r.path == "/8801"]) == 2


def test_a_graph_api_out_of_reach_is_tried_again_by_the_minutes_job(inbox, client, graph, settings):
    settings.META_GRAPH_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    post(client, inbox, image_message())
    assert "could not be fetched yet (Meta's Graph API could not be reached" in (
        Message.objects.get().text
    )
    settings.META_GRAPH_API_BASE = graph.url
    meta_gives_the_photo(graph)
    MediaFetch.objects.update(next_try_at=timezone.now())

    tasks.retry_media_task.call_local()

    assert Attachment.objects.get().filename == "whatsapp-image.jpg"
    assert Message.objects.get().text == "[Photo]\nThe box arrived like this"


def test_a_retry_waits_for_a_message_not_stored_yet(inbox, graph):
    meta_gives_the_photo(graph)
    part = {"id": "8801", "mime_type": "image/jpeg"}
    media.try_later(inbox, "wamid.later", "image", part, "[note]")

    media.retry_due(now=minutes_later(2))

    row = MediaFetch.objects.get()
    assert row.tries == 2
    assert row.next_try_at > minutes_later(4)
