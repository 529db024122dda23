"""The conversation page: timeline, reply and note, assignment, status, priority, tags."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.conversations import actions
from rapport.conversations.models import DeliveryStatus, Mention, Message, Priority, Status
from rapport.core.models import AuditEntry
from rapport.customers.models import Company
from rapport.outbox.models import Delivery, DeliveryState
from tests.factories import ConversationFactory, TeamFactory
from tests.web.conftest import receive


def url(conversation, action: str = "") -> str:
    return f"/conversations/{conversation.pk}" + (f"/{action}" if action else "")


def test_the_page_shows_the_whole_timeline(agent_client, agent, conversation, light_seat):
    actions.send_reply(conversation=conversation, author=agent, text="We are on it.")
    actions.add_note(conversation=conversation, author=agent, text="Check the warehouse @lee")

    response = agent_client.get(url(conversation))

    assert response.status_code == 200
    html = response.content.decode()
    assert "It has been a week since I ordered the blue scarf." in html
    assert '<li class="msg msg-in"' in html
    assert '<li class="msg msg-out"' in html
    assert "We are on it." in html
    assert "Sending…" in html  # the test database never commits, so nothing was sent yet
    assert '<li class="msg msg-note"' in html
    assert "Internal note" in html
    assert '<span class="mention">@lee</span>' in html


def test_the_page_shows_the_customer_sidebar(agent_client, webform_inbox, conversation):
    customer = conversation.customer
    customer.company = Company.objects.create(name="Scarves & Co")
    customer.save()
    ConversationFactory(customer=customer, inbox=webform_inbox, subject="Earlier question")
    newer = ConversationFactory(customer=customer, inbox=webform_inbox, subject="A new question")

    html = agent_client.get(url(conversation)).content.decode()

    assert "Carol Customer" in html
    assert "Scarves &amp; Co" in html
    assert "carol@mail.example" in html
    assert "Earlier question" in html
    assert f'href="/conversations/{newer.pk}"' in html


def test_attachments_are_download_links(agent_client, webform_inbox):
    upload = SimpleUploadedFile("invoice.pdf", b"%PDF-1.7\n" + b"x" * 2000, "application/pdf")
    conversation = receive(webform_inbox, "ann@mail.example", attachments=[upload])
    attachment = conversation.messages.get().attachments.get()

    html = agent_client.get(url(conversation)).content.decode()

    assert f'href="/attachments/{attachment.pk}" download' in html
    assert "invoice.pdf" in html
    assert "2.0\xa0KB" in html


def test_a_failed_reply_shows_its_error_and_a_retry_button(agent_client, agent, conversation):
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    Message.objects.filter(pk=reply.pk).update(
        delivery_status=DeliveryStatus.FAILED, delivery_error="mail server answered 550"
    )

    html = agent_client.get(url(conversation)).content.decode()

    assert "Not delivered:</strong> mail server answered 550" in html
    assert f'action="/conversations/{conversation.pk}/messages/{reply.pk}/retry"' in html


def test_a_reply_that_may_have_been_sent_says_so_and_offers_to_send_again(
    agent_client, agent, conversation
):
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    Message.objects.filter(pk=reply.pk).update(
        delivery_status=DeliveryStatus.UNKNOWN, delivery_error="The server went silent."
    )

    html = agent_client.get(url(conversation)).content.decode()

    assert "May have been sent — check before retrying:</strong> The server went silent." in html
    assert "Send again</button>" in html


def test_a_reply_being_retried_says_why_in_words(agent_client, agent, conversation):
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    words = "The mail server at smtp.example.com refused the connection — retrying in 5 min"
    Message.objects.filter(pk=reply.pk).update(
        delivery_status=DeliveryStatus.QUEUED, delivery_error=words
    )

    html = agent_client.get(url(conversation)).content.decode()

    assert f'<span>Sending…</span><span class="muted">{words}</span>' in html
    assert "last try" not in html


def test_the_composer_offers_reply_and_note_and_lists_staff_to_mention(
    agent_client, conversation, light_seat
):
    response = agent_client.get(url(conversation))
    html = response.content.decode()

    assert f'formaction="/conversations/{conversation.pk}/reply"' in html
    assert f'formaction="/conversations/{conversation.pk}/note"' in html
    assert "Send and resolve" in html
    assert 'name="attachments" multiple' in html
    staff = json.loads(
        html.split('<script id="staff-data" type="application/json">')[1].split("</script>")[0]
    )
    assert {"name": "Lee Light", "handle": "lee"} in staff


@pytest.mark.django_db(transaction=True)
def test_a_reply_reaches_the_customer_and_shows_as_sent(agent_client, conversation, htmx):
    response = agent_client.post(
        url(conversation, "reply"), {"text": "Your scarf ships today."}, **htmx
    )

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body == "Your scarf ships today."
    assert mail.outbox[0].to == ["Carol Customer <carol@mail.example>"]
    html = response.content.decode()
    assert 'hx-swap-oob="beforeend:#timeline"' in html
    assert "Your scarf ships today." in html
    assert 'data-delivery="sent"' in html
    assert 'id="composer" hx-swap-oob="true"' in html
    assert json.loads(response["HX-Trigger"]) == {"rapport:flash": {"message": "Reply sent"}}


def test_a_reply_without_javascript_redirects_back_with_a_message(agent_client, conversation):
    response = agent_client.post(
        url(conversation, "reply"), {"text": "Shipping today."}, follow=True
    )

    assert response.redirect_chain == [(url(conversation), 302)]
    html = response.content.decode()
    assert "Shipping today." in html
    assert "Reply sent" in html


def test_send_and_resolve_resolves(agent_client, conversation, htmx):
    response = agent_client.post(
        url(conversation, "reply"), {"text": "Done!", "and_resolve": "1"}, **htmx
    )

    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED
    assert "Reply sent and conversation resolved" in response["HX-Trigger"]
    assert "data-status>Resolved" in response.content.decode()


def test_a_reply_can_carry_attachments(agent_client, conversation, htmx):
    upload = SimpleUploadedFile("label.txt", b"return label", "text/plain")

    agent_client.post(
        url(conversation, "reply"), {"text": "Label attached", "attachments": upload}, **htmx
    )

    reply = conversation.messages.get(text="Label attached")
    assert [a.filename for a in reply.attachments.all()] == ["label.txt"]


def test_an_empty_reply_is_refused_with_a_message(agent_client, conversation, htmx):
    response = agent_client.post(url(conversation, "reply"), {"text": "   "}, **htmx)

    assert response.status_code == 400
    assert response.content.decode().strip() == (
        '<div class="flash flash-error" role="alert" data-flash>The message is empty</div>'
    )


def test_a_refusal_without_javascript_is_a_page_that_leads_back(agent_client, conversation):
    response = agent_client.post(url(conversation, "reply"), {"text": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert "The message is empty" in html
    assert "Back to the conversation" in html


def test_a_note_mentions_a_colleague(agent_client, conversation, light_seat, htmx):
    response = agent_client.post(url(conversation, "note"), {"text": "@lee can you check?"}, **htmx)

    assert response.status_code == 200
    note = conversation.messages.get(text="@lee can you check?")
    assert note.is_note
    assert list(Mention.objects.filter(message=note).values_list("user", flat=True)) == [
        light_seat.pk
    ]
    html = response.content.decode()
    assert '<span class="mention">@lee</span>' in html
    assert 'value="note" checked' in html  # the composer stays in note mode


def test_assign_to_me(agent_client, agent, conversation, htmx):
    response = agent_client.post(url(conversation, "assign"), {"assignee": "me"}, **htmx)

    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert "Assigned to Maria Agent" in response["HX-Trigger"]
    html = response.content.decode()
    assert 'id="properties" hx-swap-oob="true"' in html
    assert '<nav id="views-nav" class="views-nav" hx-swap-oob="true">' in html
    assert '<span>Mine</span><span class="count">1</span>' in html
    assert AuditEntry.objects.filter(
        verb="conversation.assigned", object_id=conversation.pk
    ).exists()


def test_assign_to_an_agent_and_a_team_and_back(agent_client, agent, admin, conversation, htmx):
    team = TeamFactory(name="Tier 2")

    agent_client.post(url(conversation, "assign"), {"assignee": admin.pk, "team": team.pk}, **htmx)
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.team) == (admin, team)

    agent_client.post(url(conversation, "assign"), {"assignee": "", "team": ""}, **htmx)
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.team) == (None, None)


def test_assign_to_me_keeps_the_team(agent_client, agent, conversation, htmx):
    team = TeamFactory()
    actions.assign_conversation(conversation=conversation, actor=agent, assignee=None, team=team)

    agent_client.post(url(conversation, "assign"), {"assignee": "me"}, **htmx)

    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.team) == (agent, team)


def test_assigning_someone_outside_the_inbox_is_refused(agent_client, outsider, conversation, htmx):
    response = agent_client.post(url(conversation, "assign"), {"assignee": outsider.pk}, **htmx)

    assert response.status_code == 400
    assert "is not a member of this conversation" in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "99999"])
def test_an_unknown_assignee_is_refused(agent_client, conversation, htmx, value):
    response = agent_client.post(url(conversation, "assign"), {"assignee": value}, **htmx)

    assert response.status_code == 400
    assert "Choose an agent from the list" in response.content.decode()


@pytest.mark.parametrize("status", [Status.PENDING, Status.RESOLVED])
def test_change_status(agent_client, conversation, htmx, status):
    response = agent_client.post(url(conversation, "status"), {"status": status}, **htmx)

    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.status == status


def test_reopen_a_resolved_conversation(agent_client, conversation, htmx):
    actions.change_status(conversation=conversation, actor=None, status=Status.RESOLVED)

    response = agent_client.post(url(conversation, "status"), {"status": "open"}, **htmx)

    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert "Conversation reopened" in response["HX-Trigger"]


def test_snooze_for_three_hours(agent_client, conversation, htmx):
    before = timezone.now()

    response = agent_client.post(
        url(conversation, "status"), {"status": "snoozed", "snooze": "3h"}, **htmx
    )

    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    assert (
        before + timedelta(hours=3)
        <= conversation.snoozed_until
        <= timezone.now() + timedelta(hours=3)
    )
    assert "Snoozed until" in response["HX-Trigger"]


def test_snooze_until_tomorrow_morning_in_the_agent_s_time_zone(agent_client, conversation, htmx):
    # getTimezoneOffset() is -120 in UTC+2: 09:00 there is 07:00 UTC.
    agent_client.post(
        url(conversation, "status"),
        {"status": "snoozed", "snooze": "tomorrow", "tz_offset": "-120"},
        **htmx,
    )

    conversation.refresh_from_db()
    wake = conversation.snoozed_until.astimezone(UTC)
    assert (wake.hour, wake.minute) == (7, 0)
    assert wake > timezone.now()


def test_snooze_until_a_chosen_time(agent_client, conversation, htmx):
    later = (timezone.now() + timedelta(days=3)).replace(microsecond=0, second=0, tzinfo=None)

    agent_client.post(
        url(conversation, "status"),
        {
            "status": "snoozed",
            "snooze": "custom",
            "snooze_until": later.isoformat(timespec="minutes"),
            "tz_offset": "0",
        },
        **htmx,
    )

    conversation.refresh_from_db()
    assert conversation.snoozed_until == later.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"snooze": "custom", "snooze_until": ""}, "Choose when the conversation should wake up"),
        ({"snooze": "custom", "snooze_until": "soon"}, "is not a date and time"),
        ({"snooze": "custom", "snooze_until": "2001-01-01T09:00"}, "needs a time in the future"),
    ],
)
def test_a_snooze_needs_a_future_time(agent_client, conversation, htmx, fields, message):
    response = agent_client.post(
        url(conversation, "status"), {"status": "snoozed", **fields}, **htmx
    )

    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_status_is_refused(agent_client, conversation, htmx):
    response = agent_client.post(url(conversation, "status"), {"status": "deleted"}, **htmx)

    assert response.status_code == 400


def test_set_priority(agent_client, conversation, htmx):
    response = agent_client.post(
        url(conversation, "priority"), {"priority": Priority.URGENT}, **htmx
    )

    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT
    assert "Priority: Urgent" in response["HX-Trigger"]


@pytest.mark.parametrize("value", ["", "high", "7"])
def test_a_bad_priority_is_refused(agent_client, conversation, htmx, value):
    response = agent_client.post(url(conversation, "priority"), {"priority": value}, **htmx)

    assert response.status_code == 400


def test_set_and_clear_tags(agent_client, conversation, htmx):
    agent_client.post(url(conversation, "tags"), {"tags": "Billing, refund,, "}, **htmx)
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["billing", "refund"]

    response = agent_client.post(url(conversation, "tags"), {"tags": ""}, **htmx)

    assert list(conversation.tags.all()) == []
    assert "Tags cleared" in response["HX-Trigger"]


def test_property_changes_without_javascript_redirect_back(agent_client, conversation):
    response = agent_client.post(url(conversation, "priority"), {"priority": Priority.HIGH})

    assert response.status_code == 302
    assert response["Location"] == url(conversation)


@pytest.mark.django_db(transaction=True)
def test_retry_sends_a_failed_reply_again(agent_client, agent, conversation, htmx):
    reply = actions.send_reply(conversation=conversation, author=agent, text="Second try")
    mail.outbox.clear()
    Delivery.objects.filter(message=reply).update(state=DeliveryState.FAILED, last_error="550")
    Message.objects.filter(pk=reply.pk).update(delivery_status=DeliveryStatus.FAILED)

    response = agent_client.post(url(conversation, f"messages/{reply.pk}/retry"), **htmx)

    assert response.status_code == 200
    assert [m.body for m in mail.outbox] == ["Second try"]
    html = response.content.decode()
    assert f'id="message-{reply.pk}" hx-swap-oob="true"' in html
    assert 'data-delivery="sent"' in html


def test_retry_of_a_message_that_did_not_fail_is_refused(agent_client, agent, conversation, htmx):
    reply = actions.send_reply(conversation=conversation, author=agent, text="Fine")

    response = agent_client.post(url(conversation, f"messages/{reply.pk}/retry"), **htmx)

    assert response.status_code == 400
    assert "has not failed" in response.content.decode()


def test_a_sending_reply_is_polled_until_it_is_sent(agent_client, agent, conversation, htmx):
    reply = actions.send_reply(conversation=conversation, author=agent, text="Soon")
    page = agent_client.get(url(conversation)).content.decode()
    assert (
        f'hx-get="/conversations/{conversation.pk}/messages/{reply.pk}" hx-trigger="every 3s"'
        in page
    )
    Message.objects.filter(pk=reply.pk).update(delivery_status=DeliveryStatus.SENT)

    fragment = agent_client.get(url(conversation, f"messages/{reply.pk}"), **htmx).content.decode()

    assert fragment.startswith(f'<li class="msg msg-out" id="message-{reply.pk}">')
    assert 'data-delivery="sent"' in fragment
    assert "hx-trigger" not in fragment


def test_a_message_fragment_without_htmx_redirects_to_the_page(agent_client, conversation):
    message = conversation.messages.get()

    response = agent_client.get(url(conversation, f"messages/{message.pk}"))

    assert response["Location"] == f"{url(conversation)}#message-{message.pk}"


def test_the_page_carries_no_inline_script_or_handler(agent_client, agent, conversation):
    actions.add_note(conversation=conversation, author=agent, text="hi")

    html = agent_client.get(url(conversation)).content.decode()

    scripts = html.split("<script")[1:]
    assert all(
        " src=" in tag.split(">")[0] or 'type="application/json"' in tag.split(">")[0]
        for tag in scripts
    )
    assert " onclick=" not in html
    assert " hx-on" not in html
