"""X direct messages through the Account Activity API: the business's X account's DMs
arrive at the inbox's webhook URL (registered in the X developer portal, with the account
subscribed); agents' replies leave through the v2 direct-message endpoint.

X checks the URL with a GET carrying ``crc_token`` (at registration and hourly) and signs
every POST with the app's consumer secret (``signature.py``). Deliveries are stored first
(``inboxes/inbound.py``), one row per set of DM event ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse

from rapport.conversations.inbound import InboundMessage
from rapport.conversations.models import Message
from rapport.core.errors import ValidationFailed
from rapport.customers.addresses import AddressKind
from rapport.customers.models import Identity
from rapport.inboxes.actions import renew_credentials
from rapport.inboxes.adapters.x import api, events, media, signature
from rapport.inboxes.channels import (
    Channel,
    ChannelSettingsForm,
    Composer,
    InboundRefused,
    SettingsTab,
    StatusUpdate,
    secret_field,
)
from rapport.inboxes.models import Inbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery

MAX_DM = 10_000  # characters X takes in one direct message


def normalize_user_id(value: str) -> str:
    """An X user id: a whole number, written in digits."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 25:
        raise ValidationFailed(f"{value[:30]!r} is not an X user id")
    return str(int(value))


class XSettingsForm(ChannelSettingsForm):
    consumer_secret = secret_field(
        "API key secret (consumer secret)",
        help_text="Your app's Keys and tokens page in the X developer portal. Checks that"
        " webhooks come from X. Left empty, the stored one is kept.",
    )
    access_token = secret_field(
        "Account access token",
        max_length=500,
        help_text="An OAuth 2.0 user access token of the business's X account, with the"
        " dm.read, dm.write, tweet.read and users.read scopes (and offline.access, to be"
        " renewed). Left empty, the stored one is kept.",
    )
    refresh_token = secret_field(
        "Refresh token (optional)",
        max_length=500,
        help_text="Given with the access token when the offline.access scope was asked for."
        " With it and the client id, Rapport renews the access token when it expires (after"
        " two hours). Left empty, the stored one is kept.",
    )
    client_id = forms.CharField(
        required=False,
        max_length=100,
        label="OAuth 2.0 client id",
        help_text="Your app's User authentication settings; needed to renew the token.",
    )
    client_secret = secret_field(
        "OAuth 2.0 client secret",
        help_text="Only for a confidential client. Left empty, the stored one is kept.",
    )
    account_id = forms.CharField(
        required=False,
        max_length=25,
        label="Account user id",
        help_text="The numeric id of the business's X account. Left empty, it is read from"
        " the access token.",
    )


class XChannel(Channel):
    kind = "x"
    label = "X"
    icon, tint = "at", ("#eef0f3", "#0f1419")
    pick = ("An X account", "Direct messages on X")
    address_kind = events.ADDRESS_KIND
    address = AddressKind(events.ADDRESS_KIND, "X", "at", normalize_user_id)
    settings_form = XSettingsForm
    settings_tab = SettingsTab(
        label="X settings",
        template="x/settings.html",
        noun="X",
        pointer="The X account and the app's keys",
    )
    composer = Composer(
        max_length=MAX_DM, hint="X message: text, and one picture, GIF or MP4 video"
    )
    takes_webhooks = True
    max_inbound_bytes = 512 * 1024
    kept_headers = (signature.SIGNATURE_HEADER,)

    # Settings -----------------------------------------------------------------------

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        config: dict[str, Any] = {}
        for name, words in (
            ("consumer_secret", "API key secret"),
            ("access_token", "access token"),
        ):
            value = str(values.get(name) or "").strip() or str(previous.get(name, ""))
            if not value:
                raise ValidationFailed(f"the {words} is needed (in the X developer portal)")
            config[name] = value
        account = check_token(config["access_token"])
        given = str(values.get("account_id") or "").strip()
        if given and normalize_user_id(given) != str(account["id"]):
            raise ValidationFailed(
                f"the access token is for @{account.get('username', '?')} (user id"
                f" {account['id']}), not for user id {given}"
            )
        config["account_id"] = str(account["id"])
        config["username"] = str(account.get("username") or "")
        return config | renewal_settings(values, previous)

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        return {
            "account_id": inbox.setting("account_id", ""),
            "client_id": inbox.setting("client_id", ""),
        }

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        return {"x_username": inbox.setting("username", "") if inbox is not None else ""}

    # Inbound ------------------------------------------------------------------------

    def handshake(self, request: HttpRequest, inbox: Inbox) -> HttpResponse:
        """X's challenge-response check, answered with the consumer secret."""
        token = request.GET.get("crc_token", "")
        secret = str(inbox.setting("consumer_secret", ""))
        if not token or len(token) > 500:
            return JsonResponse({"error": "expected a crc_token from X"}, status=400)
        if not secret:
            return JsonResponse({"error": "the inbox has no consumer secret yet"}, status=403)
        return JsonResponse(signature.crc_response(secret, token))

    def verify(self, request: HttpRequest, inbox: Inbox, body: bytes) -> None:
        secret = str(inbox.setting("consumer_secret", ""))
        given = request.headers.get(signature.SIGNATURE_HEADER, "")
        if not signature.matches(secret, body, given):
            raise InboundRefused(
                f"the {signature.SIGNATURE_HEADER} does not match this inbox's consumer secret"
            )

    def request_key(self, request: HttpRequest, inbox: Inbox, body: bytes) -> str:
        return events.key(events.read_body(body), body)

    def parse(
        self, request: HttpRequest, inbox: Inbox, body: bytes
    ) -> Sequence[InboundMessage | StatusUpdate]:
        return events.parse(events.read_body(body), str(inbox.setting("account_id", "")))

    # Outbound -----------------------------------------------------------------------

    def send(self, delivery: Delivery, message: Message) -> str:
        inbox = message.conversation.inbox
        token = str(inbox.setting("access_token", ""))
        if not token:
            raise DeliveryError("the inbox has no X access token", permanent=True)
        files = list(message.attachments.all())
        if len(files) > 1:
            raise DeliveryError(
                "an X direct message carries one file: send the others in replies of their own",
                permanent=True,
            )
        for attachment in files:
            media.check(attachment)  # refused before anything is uploaded
        participant = (
            Identity.objects.filter(
                customer_id=message.conversation.customer_id, kind=self.address_kind
            )
            .values_list("address", flat=True)
            .first()
        )
        if not participant:
            raise DeliveryError("the customer has no X account", permanent=True)
        can_renew = bool(inbox.setting("refresh_token") and inbox.setting("client_id"))
        renew = (lambda: renewed_token(inbox, token)) if can_renew else None
        account = api.Account(token, renew)
        media_id = media.upload(account, files[0]) if files else ""
        return api.send_dm(account, participant, message.text, media_id)


def renewed_token(inbox: Inbox, used: str) -> str:
    """A fresh access token: X's refresh, stored unless another send stored one first (then
    that one). The refresh is made outside any transaction, so no lock waits on X."""
    stored = Inbox.objects.filter(pk=inbox.pk).values_list("config", flat=True).first() or {}
    if stored.get("access_token") not in (None, used):
        return str(stored["access_token"])  # renewed by another send meanwhile
    tokens = api.refresh(
        str(stored.get("refresh_token", "")),
        str(stored.get("client_id", "")),
        str(stored.get("client_secret", "")),
    )
    if renew_credentials(inbox=inbox, expected={"access_token": used}, renewed=tokens):
        return tokens["access_token"]
    current = Inbox.objects.filter(pk=inbox.pk).values_list("config", flat=True).first() or {}
    return str(current.get("access_token", tokens["access_token"]))


def renewal_settings(values: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, str]:
    """The refresh token and OAuth 2.0 client, kept when left blank; a refresh token needs
    the client id it was issued to."""
    found = {
        name: str(values.get(name) or "").strip() or str(previous.get(name, ""))
        for name in ("refresh_token", "client_secret")
    }
    found["client_id"] = str(values.get("client_id") or "").strip()
    if found["refresh_token"] and not found["client_id"]:
        raise ValidationFailed("a refresh token needs the app's OAuth 2.0 client id to be used")
    return {name: value for name, value in found.items() if value}


def check_token(token: str) -> dict[str, Any]:
    """The account the access token speaks for, or why it does not work, plainly."""
    try:
        return api.me(token)
    except api.XError as error:
        if error.status in (401, 403):
            raise ValidationFailed(
                "X refused the access token: it may have expired or lack the users.read scope"
                f" (X said: {error.description})"
            ) from None
        raise ValidationFailed(f"X could not check the access token: {error.description}") from None
