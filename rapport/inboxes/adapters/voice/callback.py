"""Calling a customer back from a conversation.

The agent presses "Call back" on the customer card and picks which of the inbox's
forwarding numbers is the phone in front of them (the team's phones are the voice
inbox's forwarding numbers: no profile field, and no number an agent could type to have
Twilio bridge two strangers). Rapport asks Twilio's Calls API to ring that phone
(``POST /2010-04-01/Accounts/{sid}/Calls.json``: To, From = the inbox's Twilio number,
Url); when the agent picks up, Twilio fetches ``Url`` — a signed, expiring link on this
server naming the inbox and the customer's number — and our TwiML dials the customer with
the Twilio number as caller ID. A note on the conversation says who called whom.

How it went is a second note, "Call back by Ana: answered, 3 min 12 s" (or no answer,
busy, failed), from two requests Twilio signs like every other: the ``<Dial>``'s
``action`` says how the customer's leg went (``DialCallStatus``, ``DialCallDuration``),
and the call's ``StatusCallback`` how the agent's did — recorded only when the agent's
phone was not picked up (then the customer was never rung, and no ``<Dial>`` reports).
Both go to one signed link naming the inbox, the conversation and the agent.
"""

from __future__ import annotations

import contextlib
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rapport.accounts.models import User
from rapport.conversations.actions import add_note, check_may_change
from rapport.conversations.models import Conversation
from rapport.conversations.selectors import access_conversation
from rapport.conversations.views.common import agent, agent_page
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters import twilio
from rapport.inboxes.adapters.sms import inbound as sms_inbound
from rapport.inboxes.adapters.sms import signature
from rapport.inboxes.adapters.voice import calls, twiml
from rapport.inboxes.models import Inbox
from rapport.inboxes.selectors import visible_inboxes

SALT = "rapport.voice.connect"
CONNECT_MAX_AGE = 10 * 60  # the agent's phone rings for well under this
OUTCOME_SALT = "rapport.voice.outcome"
OUTCOME_MAX_AGE = 24 * 60 * 60  # a call's end is reported when it ends, however long
TIMEOUT = (5, 20)
# How the customer's leg ended (the <Dial>'s DialCallStatus), in the note's words.
CUSTOMER_LEG = {
    "no-answer": "no answer",
    "busy": "busy",
    "failed": "failed",
    "canceled": "cancelled",
}
# How the agent's leg ended when it was not picked up (the call's CallStatus).
AGENT_LEG = {
    "no-answer": "did not answer",
    "busy": "was busy",
    "failed": "could not be reached",
    "canceled": "was not rung (cancelled)",
}


def voice_inbox_for(conversation: Conversation, user: User) -> Inbox | None:
    """The conversation's inbox when it is a phone inbox, else the first active phone
    inbox the agent sees (the team's number, for a customer who wrote by SMS or mail)."""
    if conversation.inbox.kind == "voice" and conversation.inbox.is_active:
        return conversation.inbox
    return visible_inboxes(user).filter(kind="voice", is_active=True).order_by("pk").first()


def connect_url(inbox: Inbox, customer_phone: str, outcome: str = "") -> str:
    """The signed link Twilio fetches when the agent picks up; ``outcome`` is where the
    ``<Dial>`` reports how the customer's leg went."""
    payload = {"inbox": inbox.pk, "to": customer_phone, "outcome": outcome}
    signed = signing.dumps(payload, salt=SALT)
    return settings.SITE_URL + reverse("voice_connect", args=[signed])


def outcome_url(inbox: Inbox, conversation: Conversation, agent: User) -> str:
    """The signed link Twilio reports the call-back's end to (``outcome``)."""
    payload = {"inbox": inbox.pk, "conversation": conversation.pk, "agent": agent.pk}
    signed = signing.dumps(payload, salt=OUTCOME_SALT)
    return settings.SITE_URL + reverse("voice_call_back_outcome", args=[signed])


def place_call(inbox: Inbox, *, agent_phone: str, customer_phone: str, outcome: str = "") -> str:
    """Ask Twilio to ring ``agent_phone`` and then the customer; the call's SID, or
    ``ValidationFailed`` in words for the agent. Twilio reports the end to ``outcome``."""
    config = inbox.config
    fields = {
        "To": agent_phone,
        "From": config["phone_number"],
        "Url": connect_url(inbox, customer_phone, outcome),
        "Method": "POST",
    }
    if outcome:
        fields |= {"StatusCallback": outcome, "StatusCallbackMethod": "POST"}
    try:
        answer = requests.post(
            twilio.account_url(config["account_sid"], "/Calls.json"),
            data=fields,
            auth=(config["account_sid"], config["auth_token"]),
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise ValidationFailed(
            f"Twilio could not be reached to place the call ({type(error).__name__})"
        ) from None
    found: Any = {}
    with contextlib.suppress(ValueError):
        found = answer.json()
    if answer.status_code in (200, 201) and isinstance(found, dict) and found.get("sid"):
        return str(found["sid"])
    words = found.get("message") if isinstance(found, dict) else ""
    raise ValidationFailed(
        f"Twilio did not place the call: {words or f'HTTP {answer.status_code}'}"
    )


@require_POST
@agent_page
def call_back(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = agent(request)
    conversation = access_conversation(user, conversation_id)
    check_may_change(user, conversation, "call the customer back")
    inbox = voice_inbox_for(conversation, user)
    customer_phone = conversation.customer.phone
    if inbox is None or not customer_phone:
        raise ValidationFailed("there is no phone inbox to call from, or no number to call")
    numbers = list(inbox.setting("forward_to", []))
    agent_phone = request.POST.get("choice") or (numbers[0] if numbers else "")
    if agent_phone not in numbers:
        raise ValidationFailed("ring one of the phone inbox's forwarding numbers")
    outcome = outcome_url(inbox, conversation, user)
    place_call(inbox, agent_phone=agent_phone, customer_phone=customer_phone, outcome=outcome)
    add_note(
        conversation=conversation,
        author=user,
        text=f"Calling {customer_phone} back from {inbox.name}: Twilio rings {agent_phone}"
        " first and connects the call when it is picked up.",
    )
    messages.success(request, f"Twilio is ringing {agent_phone}; pick up to reach the customer.")
    return redirect("conversation", conversation.pk)


@csrf_exempt  # Twilio fetches it: the link is signed, and so is Twilio's request
def connect(request: HttpRequest, signed: str) -> HttpResponse:
    """The TwiML Twilio fetches when the agent picks up: dial the customer."""
    try:
        payload = signing.loads(signed, salt=SALT, max_age=CONNECT_MAX_AGE)
        inbox = Inbox.objects.get(pk=int(payload["inbox"]), kind="voice", is_active=True)
        customer = str(payload["to"])
        action = str(payload.get("outcome") or "")
    except (signing.BadSignature, KeyError, TypeError, ValueError, Inbox.DoesNotExist):
        raise Http404("this call-back link is not valid, or has expired") from None
    if _signed_fields(request, inbox) is None:
        return HttpResponse("the X-Twilio-Signature does not match", status=403)
    caller_id = str(inbox.setting("phone_number", ""))
    answer = twiml.connect(customer, caller_id=caller_id, action=action)
    return HttpResponse(answer, content_type="text/xml")


@csrf_exempt  # Twilio posts it: the link is signed, and so is Twilio's request
@require_POST
def outcome(request: HttpRequest, signed: str) -> HttpResponse:
    """How the call-back went, as a note on the conversation by the agent who placed it:
    the ``<Dial>``'s action (the customer's leg) or the call's status callback (the
    agent's leg, noted only when not picked up). Answers TwiML (the ``<Dial>`` waits for
    its next instructions): a word to the agent when the customer did not answer."""
    try:
        payload = signing.loads(signed, salt=OUTCOME_SALT, max_age=OUTCOME_MAX_AGE)
        inbox = Inbox.objects.get(pk=int(payload["inbox"]), kind="voice")
        conversation = Conversation.objects.get(pk=int(payload["conversation"]))
        author = User.objects.get(pk=int(payload["agent"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, ObjectDoesNotExist):
        raise Http404("this call-back link is not valid, or has expired") from None
    fields = _signed_fields(request, inbox)
    if fields is None:
        return HttpResponse("the X-Twilio-Signature does not match", status=403)
    words = outcome_words(dict(fields), author.name or author.email)
    if words:
        # Twilio repeats a report it got no answer to: the note is added once per leg.
        leg = "customer" if "DialCallStatus" in dict(fields) else "agent"
        key = f"call-back:{dict(fields).get('CallSid', '')[:64]}:{leg}"
        with contextlib.suppress(IntegrityError):
            add_note(conversation=conversation, author=author, text=words, external_id=key)
    unanswered = dict(fields).get("DialCallStatus") in CUSTOMER_LEG
    answer = twiml.say_and_hang_up("The customer did not answer.") if unanswered else twiml.empty()
    return HttpResponse(answer, content_type="text/xml")


def outcome_words(fields: dict[str, str], agent_name: str) -> str:
    """The note's line for one of Twilio's reports, "" when there is nothing to note (the
    agent picked up: the ``<Dial>``'s report says how it went)."""
    said = f"Call back by {agent_name}"
    dialled = fields.get("DialCallStatus")
    if dialled is not None:
        if dialled in ("completed", "answered"):
            return f"{said}: answered, {calls.duration(fields.get('DialCallDuration', '0'))}"
        return f"{said}: {CUSTOMER_LEG.get(dialled, dialled[:40] or 'ended')}"
    status = fields.get("CallStatus", "")
    if status not in AGENT_LEG:
        return ""
    phone = fields.get("To", "")[:40] or "the agent's phone"
    return f"{said}: {phone} {AGENT_LEG[status]}, so the customer was not called"


def _signed_fields(request: HttpRequest, inbox: Inbox) -> list[tuple[str, str]] | None:
    """The form Twilio posted, when its X-Twilio-Signature over this URL (``SITE_URL``,
    never the Host header) and the form is the inbox's; None when it is not."""
    url = settings.SITE_URL + request.path
    try:
        fields = sms_inbound.form(request.META.get("CONTENT_TYPE", ""), request.body)
    except ValidationFailed:
        fields = []
    given = request.headers.get("X-Twilio-Signature", "")
    if not signature.matches(str(inbox.setting("auth_token", "")), url, fields, given):
        return None
    return fields
