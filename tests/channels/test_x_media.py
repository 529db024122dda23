"""Files on X direct messages: a reply's picture, GIF or video is uploaded with X API
v2's chunked media upload (initialize, append, finalize, status while X processes it)
against the local X API, then sent in the message by its media id; what X does not take
is refused in words before anything is uploaded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rapport.accounts.models import User
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.inboxes.adapters.x import media
from rapport.inboxes.models import Inbox
from tests.channels import test_x
from tests.channels.fake_servers import FakeApi
from tests.channels.test_x import TOKEN, x_server
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["x_server"]  # the X tests' local API, used here

SUITE = test_x.TestX()  # not imported by name: pytest would run its suite here again
MEDIA_ID = "1880028106020515840"
DM_PATH = "/2/dm_conversations/with/14155550123/messages"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 500


@pytest.fixture
def inbox(admin: User, agent: User, x_server: FakeApi) -> Inbox:
    return SUITE.make_inbox(admin, agent)


@pytest.fixture
def uploads(x_server: FakeApi) -> FakeApi:
    """X's media upload and DM endpoints answering as documented."""
    started = {"data": {"id": MEDIA_ID, "media_key": f"3_{MEDIA_ID}", "expires_after_secs": 86400}}
    finished = {"data": {"id": MEDIA_ID, "media_key": f"3_{MEDIA_ID}", "size": len(PNG)}}
    x_server.routes |= {
        "POST /2/media/upload/initialize": (200, {}, started),
        f"POST /2/media/upload/{MEDIA_ID}/append": (204, {}, b""),
        f"POST /2/media/upload/{MEDIA_ID}/finalize": (200, {}, finished),
        f"POST {DM_PATH}": SUITE.accepted("1580000000000000001"),
    }
    return x_server


def reply_with(client: Client, inbox: Inbox, agent: User, *files: SimpleUploadedFile) -> Message:
    SUITE.post(client, inbox, SUITE.message(inbox, "+14155550123", "Hello?", "dm-in-1"))
    conversation = Conversation.objects.get(inbox=inbox)
    form = {"text": "Here is the label", "attachments": list(files)}
    logged_in(agent).post(f"/conversations/{conversation.pk}/reply", form)
    reply = conversation.messages.get(text="Here is the label")
    reply.refresh_from_db()
    return reply


def picture(name: str = "label.png", data: bytes = PNG, kind: str = "image/png") -> Any:
    return SimpleUploadedFile(name, data, content_type=kind)


def posted(api: FakeApi, path: str) -> list[Any]:
    return [r for r in api.requests if r.method == "POST" and r.path.split("?")[0] == path]


def test_a_picture_is_uploaded_in_chunks_then_sent_by_its_media_id(
    inbox, client, agent, uploads, monkeypatch
):
    monkeypatch.setattr(media, "CHUNK", 1000)  # three chunks of the 2,568 bytes
    reply = reply_with(client, inbox, agent, picture())

    assert reply.delivery_status == DeliveryStatus.SENT, reply.delivery_error
    [started] = posted(uploads, "/2/media/upload/initialize")
    assert json.loads(started.body) == {
        "media_type": "image/png",
        "total_bytes": len(PNG),
        "media_category": "dm_image",
    }
    chunks = posted(uploads, f"/2/media/upload/{MEDIA_ID}/append")
    assert [c.headers["Content-Type"].split(";")[0] for c in chunks] == ["multipart/form-data"] * 3
    for index, chunk in enumerate(chunks):
        assert f'name="segment_index"\r\n\r\n{index}\r\n'.encode() in chunk.body
        assert PNG[index * 1000 : (index + 1) * 1000] in chunk.body
    assert len(posted(uploads, f"/2/media/upload/{MEDIA_ID}/finalize")) == 1
    [sent] = posted(uploads, DM_PATH)
    assert json.loads(sent.body) == {
        "text": "Here is the label",
        "attachments": [{"media_id": MEDIA_ID}],
    }
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in [*chunks, sent])
    # Uploads before the message, in order.
    order = [r.path.split("?")[0] for r in uploads.requests if r.method == "POST"]
    assert order[-1] == DM_PATH
    assert order.index("/2/media/upload/initialize") < order.index(DM_PATH)


def test_a_video_waits_for_x_to_process_it(inbox, client, agent, uploads):
    pending = {"state": "pending", "check_after_secs": 1}
    uploads.routes[f"POST /2/media/upload/{MEDIA_ID}/finalize"] = (
        200,
        {},
        {"data": {"id": MEDIA_ID, "processing_info": pending}},
    )
    done = {"data": {"id": MEDIA_ID, "processing_info": {"state": "succeeded"}}}
    uploads.routes["GET /2/media/upload"] = (200, {}, done)

    reply = reply_with(client, inbox, agent, picture("unboxing.mp4", MP4, "video/mp4"))

    assert reply.delivery_status == DeliveryStatus.SENT, reply.delivery_error
    [started] = posted(uploads, "/2/media/upload/initialize")
    assert json.loads(started.body)["media_category"] == "dm_video"
    [status] = [r for r in uploads.requests if r.method == "GET" and "STATUS" in r.path]
    assert f"media_id={MEDIA_ID}" in status.path


def test_a_video_x_could_not_process_fails_in_its_words(inbox, client, agent, uploads):
    failed = {"state": "failed", "error": {"message": "Unsupported video codec"}}
    uploads.routes[f"POST /2/media/upload/{MEDIA_ID}/finalize"] = (
        200,
        {},
        {"data": {"id": MEDIA_ID, "processing_info": failed}},
    )

    reply = reply_with(client, inbox, agent, picture("clip.mp4", MP4, "video/mp4"))

    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "X could not process the file: Unsupported video codec" in reply.delivery_error
    assert not posted(uploads, DM_PATH)


@pytest.mark.parametrize(
    ("file", "words"),
    [
        (
            picture("invoice.pdf", b"%PDF-1.7", "application/pdf"),
            "X direct messages take JPEG, PNG, WebP and GIF pictures and MP4 videos, not"
            " application/pdf",
        ),
        (
            picture("huge.png", b"\x89PNG" + b"\x00" * (5 * 1024 * 1024), "image/png"),
            "huge.png is 5.0 MB; X takes up to 5 MB for this kind of file",
        ),
    ],
)
def test_what_x_does_not_take_is_refused_before_any_upload(
    inbox, client, agent, uploads, settings, file, words
):
    settings.RAPPORT_MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024
    reply = reply_with(client, inbox, agent, file)

    assert reply.delivery_status == DeliveryStatus.FAILED
    assert words in reply.delivery_error
    assert not [r for r in uploads.requests if "/media/" in r.path or r.path == DM_PATH]


def test_two_files_are_refused_as_one_message_carries_one(inbox, client, agent, uploads):
    reply = reply_with(client, inbox, agent, picture("a.png"), picture("b.png"))

    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "an X direct message carries one file" in reply.delivery_error
    assert not posted(uploads, "/2/media/upload/initialize")


def test_an_upload_x_refuses_fails_the_reply_with_xs_words(inbox, client, agent, uploads):
    problem = {"detail": "media type unrecognized", "title": "Bad Request", "status": 400}
    uploads.routes["POST /2/media/upload/initialize"] = (400, {}, problem)

    reply = reply_with(client, inbox, agent, picture())

    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "X refused it: media type unrecognized" in reply.delivery_error
    assert not posted(uploads, DM_PATH)
