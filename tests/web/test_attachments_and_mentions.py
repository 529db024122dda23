"""Attachment downloads and the Mentions page."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.conversations import actions
from rapport.conversations.models import Attachment
from tests.conftest import logged_in
from tests.web.conftest import receive


def stored_attachment(inbox, name: str = "photo of damage.png", data: bytes = b"") -> Attachment:
    data = data or b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    upload = SimpleUploadedFile(name, data, "image/png")
    conversation = receive(inbox, "pat@mail.example", attachments=[upload])
    return conversation.messages.get().attachments.get()


def test_an_attachment_downloads_as_a_file_never_inline(agent_client, webform_inbox):
    attachment = stored_attachment(webform_inbox)

    response = agent_client.get(f"/attachments/{attachment.pk}")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="photo of damage.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_html_uploaded_by_a_customer_is_still_a_download(agent_client, webform_inbox):
    attachment = stored_attachment(webform_inbox, "page.html", b"<script>alert(1)</script>")

    response = agent_client.get(f"/attachments/{attachment.pk}")

    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment;")


def test_an_unknown_attachment_is_404(agent_client):
    assert agent_client.get("/attachments/424242").status_code == 404


def test_an_attachment_whose_file_is_gone_is_404_not_500(agent_client, webform_inbox):
    attachment = stored_attachment(webform_inbox)
    attachment.file.delete(save=False)

    response = agent_client.get(f"/attachments/{attachment.pk}")

    assert response.status_code == 404
    assert "missing from storage" in response.content.decode()


def test_mentions_lists_the_notes_that_mention_me_newest_first(
    agent, light_seat, conversation, webform_inbox
):
    second = receive(webform_inbox, "zoe@mail.example", subject="Gift wrap")
    actions.add_note(conversation=conversation, author=agent, text="@lee first")
    actions.add_note(conversation=second, author=agent, text="@lee second")
    actions.add_note(conversation=second, author=agent, text="nobody here")

    response = logged_in(light_seat).get("/mentions")

    mentions = response.context["mentions"]
    assert [m.message.text for m in mentions] == ["@lee second", "@lee first"]
    html = response.content.decode()
    assert f"#{second.pk} Gift wrap" in html
    assert f'href="/conversations/{conversation.pk}#message-' in html
    assert "Maria Agent" in html


def test_mentions_of_someone_else_are_not_mine(agent_client, agent, light_seat, conversation):
    actions.add_note(conversation=conversation, author=light_seat, text="@admin have a look")

    html = agent_client.get("/mentions").content.decode()

    assert "No mentions yet" in html
    assert "@maria" in html


def test_mentions_page_older_link_continues_the_list(agent, light_seat, conversation):
    for i in range(31):
        actions.add_note(conversation=conversation, author=agent, text=f"@lee note {i}")
    client = logged_in(light_seat)

    first = client.get("/mentions")
    older = first.context["older"]
    second = client.get(f"/mentions?before={older}")

    assert len(first.context["mentions"]) == 30
    assert [m.message.text for m in second.context["mentions"]] == ["@lee note 0"]
    assert second.context["older"] is None


def test_a_mention_opens_the_conversation_even_outside_one_s_inboxes(outsider, agent, conversation):
    actions.add_note(conversation=conversation, author=agent, text="@olga ideas?")

    response = logged_in(outsider).get(f"/conversations/{conversation.pk}")

    assert response.status_code == 200
