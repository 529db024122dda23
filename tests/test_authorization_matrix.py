"""The authorization matrix (issue 21): every endpoint by role by inbox membership.

The routes come from the URL conf (pages) and the OpenAPI document (API operations), not
from a list typed here, so a new endpoint appears in the matrix by itself — and fails
``test_every_route_has_an_authorization_rule`` until ``PAGES`` or ``API`` says who may
use it. Each rule names a *policy*; ``EXPECTED`` says what each subject gets under it:

- success (any answer that is not a refusal: 2xx, 3xx other than to the sign-in page, or
  a 400 for the empty form a matrix request sends), or
- the refusal: 401 (API, and the pages' JSON endpoints) or the sign-in page (pages) for
  anonymous visitors, 403 for a
  role that may not, 404 for an object in an inbox the subject is not a member of (the
  API and the pages never tell "not yours" from "not there").

Subjects: anonymous, admin, supervisor, and an agent and a light seat each either a
member of the world's inboxes or of none. Each route runs in one database; every
subject's request runs in a savepoint that is rolled back, so writes do not leak.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from rapport.accounts.actions.invitations import invite_agent
from rapport.accounts.models import Role
from rapport.accounts.tokens import create_token
from rapport.config.api import api
from rapport.conversations import actions
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.models import InboxKind
from rapport.replies.actions import create_canned_reply
from tests.factories import InboxFactory, TeamFactory, UserFactory

SMS_CONFIG = {"account_sid": "AC" + "0" * 32, "auth_token": "t0ken", "phone_number": "+14155550100"}
WA_CONFIG = {
    "phone_number_id": "106540352242922",
    "business_account_id": "102290129340398",
    "access_token": "t0ken",
    "app_secret": "s",
    "verify_token": "v",
}
META_CONFIG = {"page_id": "1067123", "page_token": "t0ken", "app_secret": "s", "verify_token": "v"}

SUBJECTS = (
    "anonymous",
    "admin",
    "supervisor",
    "agent-member",
    "agent-outsider",
    "light-member",
    "light-outsider",
)
OK, SIGN_IN = "ok", "sign-in"
STAFF = dict.fromkeys(SUBJECTS[1:], OK)
# What each subject gets under each policy (anonymous is added per interface below).
EXPECTED: dict[str, dict[str, int | str]] = {
    "staff": STAFF,  # any signed-in staff member
    "admin": {**dict.fromkeys(SUBJECTS[1:], 403), "admin": OK},
    "managers": {**dict.fromkeys(SUBJECTS[1:], 403), "admin": OK, "supervisor": OK},
    # An object in the world's inboxes: members and those who see every inbox.
    "read": {**STAFF, "agent-outsider": 404, "light-outsider": 404},
    # …and changing it: a light seat only reads and adds notes.
    "write": {**STAFF, "agent-outsider": 404, "light-outsider": 404, "light-member": 403},
    # Creating customers: admins and supervisors (agents see customers through inboxes).
    "create-customer": {**dict.fromkeys(SUBJECTS[1:], 403), "admin": OK, "supervisor": OK},
    # Someone's API token (the world's is the admin's): its owner and admins; to anyone
    # else it does not exist.
    "token-owner": {**dict.fromkeys(SUBJECTS[1:], 404), "admin": OK},
    # Deleting a conversation: admins only; to those who cannot see it, it does not exist.
    "delete-conversation": {
        **dict.fromkeys(SUBJECTS[1:], 403),
        "admin": OK,
        "agent-outsider": 404,
        "light-outsider": 404,
    },
    # A canned reply of an inbox: seen by its members, managed by admins and supervisors.
    "manage-reply": {
        **dict.fromkeys(SUBJECTS[1:], 403),
        "admin": OK,
        "supervisor": OK,
        "agent-outsider": 404,
        "light-outsider": 404,
    },
}


@dataclass(frozen=True)
class Rule:
    policy: str
    method: str = "get"
    body: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)  # path parameter → world object
    world_body: dict[str, str] = field(default_factory=dict)  # body field → world object


# Routes anyone may call, and why they need no staff check.
PUBLIC = {
    "healthz": "health check for load balancers; says nothing about data",
    "api-root": "the API's root",
    "openapi-json": "the OpenAPI document: describes the API, holds no data",
    "openapi-view": "/api/docs, the interactive view of that document",
    "home": "only redirects to /inbox, which checks",
    "settings": "only redirects to /settings/inboxes/, which checks",
    "webform": "the public contact form of an inbox (by its public key)",
    "email_inbound": "provider webhooks, authenticated by each provider's own secret",
    "channel_inbound": "webhook channels' providers, checked by each channel's signature",
    "chat-widget": "the chat widget's script and settings (by the inbox's public key)",
    "chat-sessions": "a chat visitor starts a session (signed visitor token)",
    "chat-messages": "a chat visitor's messages (their signed visitor token)",
    "chat-attachments": "a chat visitor's files (their signed visitor token)",
    "chat-contact": "a chat visitor leaves an address (their signed visitor token)",
    "chat-file": "a file link signed for one visitor",
    "attachment_shared": "one reply attachment for the provider sending it (signed, expiring link)",
    "voice_connect": "Twilio's fetch when an agent picks up a call-back (signed link and request)",
    "voice_call_back_outcome": "Twilio's status callback of a call-back (signed link and request)",
    "login": "signing in",
    "logout": "signing out (POST; ends whatever session there is)",
    "password_reset": "asking for a reset mail (limited per address and network)",
    "password_reset_done": "the page after asking",
    "password_reset_confirm": "the link in the mail (a signed one-time token)",
    "password_reset_complete": "the page after choosing a new password",
    "login_code": "the two-factor step: only for a session whose password step passed",
    "login_enrol": "two-factor enrolment at sign-in: likewise only after the password",
    "login_sso": "starts single sign-on at the configured provider",
    "login_sso_callback": "the provider's answer, checked by state, nonce and PKCE",
    "invitation_accept": "an invitee's one-time link (its secret is the credential)",
}
PAGES: dict[str, Rule] = {
    "inbox": Rule("staff"),
    "mentions": Rule("staff"),
    # Every staff member searches; results are held to what each may see in tests/search.
    "search": Rule("staff"),
    "search_suggestions": Rule("staff"),
    "password_change": Rule("staff"),
    "password_change_done": Rule("staff"),
    "conversation": Rule("read"),
    "conversation_message": Rule("read"),
    "conversation_reply": Rule("write", "post"),
    "whatsapp_templates_refresh": Rule("write", "post"),
    "conversation_note": Rule("read", "post"),
    "conversation_retry": Rule("write", "post"),
    "conversation_assign": Rule("write", "post"),
    "conversation_status": Rule("write", "post"),
    "conversation_priority": Rule("write", "post"),
    "conversation_tags": Rule("write", "post"),
    "customer": Rule("read"),
    # Every staff member may list them; the pairs are held to what each sees in tests/customers.
    "customer_duplicates": Rule("staff"),
    "customer_merge": Rule("write", "post", params={"other_id": "other_customer_id"}),
    "customer_not_duplicate": Rule("write", "post", params={"other_id": "other_customer_id"}),
    "conversation_delete": Rule("delete-conversation", "post"),
    "conversation_canned_replies": Rule("read"),
    "conversation_canned_reply": Rule("read"),
    "attachment": Rule("read"),
    "email_original": Rule("read", params={"message_id": "email_message"}),
    "email_body": Rule("read", params={"message_id": "email_message"}),
    "email_images": Rule("read", "post", params={"message_id": "email_message"}),
    "email_connection_test": Rule("admin", params={"inbox_id": "email_inbox"}),
    "settings_inboxes": Rule("admin"),
    "settings_inbox_new": Rule("admin"),
    "settings_inbox_new_email": Rule("admin"),
    "settings_email_test_new": Rule("admin", "post"),
    "settings_inbox_new_chat": Rule("admin"),
    "settings_inbox": Rule("admin"),
    "settings_inbox_email": Rule("admin", params={"inbox_id": "email_inbox"}),
    "settings_email_test": Rule("admin", "post", params={"inbox_id": "email_inbox"}),
    "settings_email_retry": Rule("admin", "post", params={"inbox_id": "email_inbox"}),
    "settings_inbox_chat": Rule("admin", params={"inbox_id": "chat_inbox"}),
    "settings_inbox_new_sms": Rule("admin"),
    "settings_inbox_sms": Rule("admin", params={"inbox_id": "sms_inbox"}),
    "settings_inbox_new_whatsapp_twilio": Rule("admin"),
    "settings_inbox_whatsapp_twilio": Rule("admin", params={"inbox_id": "whatsapp_inbox"}),
    "settings_inbox_new_messenger": Rule("admin"),
    "settings_inbox_messenger": Rule("admin", params={"inbox_id": "messenger_inbox"}),
    "settings_inbox_new_instagram": Rule("admin"),
    "settings_inbox_instagram": Rule("admin", params={"inbox_id": "instagram_inbox"}),
    "settings_inbox_new_telegram": Rule("admin"),
    "settings_inbox_telegram": Rule("admin", params={"inbox_id": "telegram_inbox"}),
    "settings_inbox_new_x": Rule("admin"),
    "settings_inbox_x": Rule("admin", params={"inbox_id": "x_inbox"}),
    "settings_inbox_new_whatsapp": Rule("admin"),
    "settings_inbox_whatsapp": Rule("admin", params={"inbox_id": "whatsapp_cloud_inbox"}),
    "settings_inbox_new_voice": Rule("admin"),
    "settings_inbox_voice": Rule("admin", params={"inbox_id": "voice_inbox"}),
    "voice_call_back": Rule("write", "post"),
    "settings_inbox_chat_try": Rule("admin", params={"inbox_id": "chat_inbox"}),
    "settings_agents": Rule("admin"),
    "settings_agent_new": Rule("admin"),
    "settings_agent": Rule("admin"),
    "settings_agent_active": Rule("admin", "post"),
    "settings_teams": Rule("admin"),
    "settings_team_new": Rule("admin"),
    "settings_team": Rule("admin"),
    "settings_agent_two_factor_reset": Rule("admin", "post"),
    "settings_invitation_change": Rule("admin", "post", params={"change": "revoke_change"}),
    "settings_tokens": Rule("staff"),
    "settings_token_revoke": Rule("token-owner", "post"),
    "settings_sign_in": Rule("staff"),
    "settings_quarantine": Rule("admin"),
    "settings_quarantine_download": Rule("admin", params={"key": "quarantine_key"}),
    "settings_quarantine_retry": Rule("admin", "post", params={"key": "quarantine_key"}),
    "settings_canned_replies": Rule("managers"),
    "settings_canned_reply_new": Rule("managers"),
    "settings_canned_reply_preview": Rule("managers", "post"),
    "settings_canned_reply": Rule("managers"),
    "settings_canned_reply_delete": Rule("managers", "post"),
}
V1 = "/api/v1"
API: dict[tuple[str, str], Rule] = {
    ("get", "/agents"): Rule("staff"),
    ("get", "/agents/me"): Rule("staff"),
    ("get", "/agents/{agent_id}"): Rule("staff"),
    ("get", "/teams"): Rule("staff"),
    ("get", "/teams/{team_id}"): Rule("staff"),
    ("get", "/customers"): Rule("staff"),
    ("post", "/customers"): Rule("create-customer", body={"name": "New"}),
    ("get", "/customers/{customer_id}"): Rule("read"),
    ("patch", "/customers/{customer_id}"): Rule("write", body={"name": "Renamed"}),
    ("get", "/customers/{customer_id}/identities"): Rule("read"),
    ("post", "/customers/{customer_id}/identities"): Rule(
        "write", body={"kind": "email", "address": "second@mail.example"}
    ),
    ("delete", "/customers/{customer_id}/identities/{identity_id}"): Rule("write"),
    ("get", "/customers/{customer_id}/duplicates"): Rule("read"),
    ("post", "/customers/{customer_id}/merge"): Rule(
        "write", world_body={"absorb": "other_customer_id"}
    ),
    ("post", "/customers/{customer_id}/not-duplicates"): Rule(
        "write", world_body={"other": "other_customer_id"}
    ),
    ("get", "/inboxes"): Rule("staff"),
    ("get", "/inboxes/{inbox_id}"): Rule("read"),
    ("post", "/inboxes/{inbox_id}/messages"): Rule(
        "write",
        body={"identity": {"kind": "api", "address": "user-7"}, "text": "Hi"},
        params={"inbox_id": "api_inbox"},
    ),
    ("get", "/conversations"): Rule("staff"),
    ("get", "/conversations/{conversation_id}"): Rule("read"),
    ("delete", "/conversations/{conversation_id}"): Rule("delete-conversation"),
    ("get", "/conversations/{conversation_id}/messages"): Rule("read"),
    ("post", "/conversations/{conversation_id}/messages"): Rule("write", body={"text": "Hi"}),
    ("post", "/conversations/{conversation_id}/notes"): Rule("read", body={"text": "Hm"}),
    ("post", "/conversations/{conversation_id}/assignment"): Rule("write", body={"team_id": None}),
    ("post", "/conversations/{conversation_id}/status"): Rule("write", body={"status": "pending"}),
    ("put", "/conversations/{conversation_id}/tags"): Rule("write", body={"tags": ["vip"]}),
    ("post", "/conversations/{conversation_id}/priority"): Rule("write", body={"priority": 2}),
    ("get", "/canned-replies"): Rule("staff"),
    # Everyone may search; what each finds is held to what they may see in tests/search.
    ("get", "/search"): Rule("staff"),
    ("post", "/canned-replies"): Rule(
        "managers", body={"shortcut": "new", "title": "New", "text": "Hello"}
    ),
    ("get", "/canned-replies/{reply_id}"): Rule("read"),
    ("patch", "/canned-replies/{reply_id}"): Rule("manage-reply", body={"title": "Renamed"}),
    ("delete", "/canned-replies/{reply_id}"): Rule("manage-reply"),
    ("get", "/conversations/{conversation_id}/canned-replies"): Rule("read"),
    ("get", "/conversations/{conversation_id}/canned-replies/{reply_id}"): Rule("read"),
    ("get", "/tokens"): Rule("staff"),
    ("post", "/tokens"): Rule("staff", body={"name": "Matrix", "access": "read"}),
    ("get", "/tokens/{token_id}"): Rule("token-owner"),
    ("delete", "/tokens/{token_id}"): Rule("token-owner"),
    ("get", "/invitations"): Rule("admin"),
    ("post", "/invitations"): Rule("admin", body={"email": "new@matrix.example"}),
    ("post", "/invitations/{invitation_id}/resend"): Rule("admin"),
    ("delete", "/invitations/{invitation_id}"): Rule("admin"),
}


# ---------------------------------------------------------------- the routes


def page_routes() -> dict[str, str]:
    """URL name → route, for every pattern of the URL conf outside the API."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield str(pattern.name), prefix + str(pattern.pattern)

    routes = dict(walk(get_resolver().url_patterns, "/"))
    return {name: route for name, route in routes.items() if not route.startswith("/api/v")}


def api_operations() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return [
        (method, path.removeprefix(V1))
        for path, operations in paths.items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_route_has_an_authorization_rule() -> None:
    pages = page_routes()
    missing = sorted(set(pages) - set(PAGES) - set(PUBLIC))
    missing_api = sorted(set(api_operations()) - set(API))
    assert not missing, (
        f"pages without an authorization rule: {missing}. Add each to PAGES (who may use"
        " it) or PUBLIC (why anyone may) in tests/test_authorization_matrix.py."
    )
    assert not missing_api, (
        f"API operations without an authorization rule: {missing_api}. Add each to API in"
        " tests/test_authorization_matrix.py."
    )
    assert not set(PAGES) - set(pages), "rules for pages that no longer exist"
    assert not set(API) - set(api_operations()), "rules for operations that no longer exist"


# ---------------------------------------------------------------- the world


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    admin = UserFactory(role=Role.ADMIN, email="admin@matrix.example")
    members = [
        UserFactory(role=Role.AGENT, email="agent@matrix.example"),
        UserFactory(role=Role.LIGHT, email="light@matrix.example"),
    ]
    people = {
        "admin": admin,
        "supervisor": UserFactory(role=Role.SUPERVISOR, email="sup@matrix.example"),
        "agent-member": members[0],
        "light-member": members[1],
        "agent-outsider": UserFactory(role=Role.AGENT, email="agent2@matrix.example"),
        "light-outsider": UserFactory(role=Role.LIGHT, email="light2@matrix.example"),
    }
    web = InboxFactory(name="Support", kind=InboxKind.WEBFORM)
    api_inbox = InboxFactory(name="App", kind=InboxKind.API)
    email_inbox = InboxFactory(
        name="Mail", kind=InboxKind.EMAIL, config={"addresses": ["support@matrix.example"]}
    )
    chat_inbox = InboxFactory(name="Chat", kind=InboxKind.CHAT, config={"color": "#0f766e"})
    for inbox in (web, api_inbox, email_inbox):
        inbox.members.set(members)
    received = actions.receive_message(
        inbox=web,
        message=InboundMessage(
            sender=Sender("email", "carol@mail.example"),
            text="Where is my order?",
            attachments=[SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")],
        ),
    )
    message = received.message
    conversation = message.conversation
    raw = ingest(email_inbox, MAIL, source="test")
    email_message = EmailDetails.objects.get(raw=raw).message
    quarantined = ingest(email_inbox, MAIL_WITHOUT_SENDER, source="test")
    reply = create_canned_reply(actor=admin, shortcut="hi", title="Hi", text="Hi!", inbox=web)
    team = TeamFactory(name="Tier 2")
    return {
        "people": people,
        "conversation_id": conversation.pk,
        "message_id": message.pk,
        "attachment_id": message.attachments.get().pk,
        "customer_id": conversation.customer_id,
        "other_customer_id": email_message.conversation.customer_id,
        "identity_id": conversation.customer.identities.get().pk,
        "inbox_id": web.pk,
        "api_inbox": api_inbox.pk,
        "email_inbox": email_inbox.pk,
        "chat_inbox": chat_inbox.pk,
        "sms_inbox": InboxFactory(name="Texts", kind="sms", config=SMS_CONFIG).pk,
        "whatsapp_inbox": InboxFactory(name="WA", kind="whatsapp_twilio", config=SMS_CONFIG).pk,
        "messenger_inbox": InboxFactory(name="FB", kind="messenger", config=META_CONFIG).pk,
        "instagram_inbox": InboxFactory(name="IG", kind="instagram", config=META_CONFIG).pk,
        # No bot token: the tab then asks Telegram nothing (getWebhookInfo needs one).
        "telegram_inbox": InboxFactory(
            name="Bot", kind="telegram", config={"secret_token": "s"}
        ).pk,
        "x_inbox": InboxFactory(name="DMs", kind="x", config={"account_id": "1"}).pk,
        "whatsapp_cloud_inbox": InboxFactory(name="WAC", kind="whatsapp", config=WA_CONFIG).pk,
        "voice_inbox": InboxFactory(
            name="Phone", kind="voice", config={**SMS_CONFIG, "forward_to": ["+14155550101"]}
        ).pk,
        "email_message": email_message.pk,
        "reply_id": reply.pk,
        "raw_id": raw.pk,
        "quarantine_key": f"email:{quarantined.pk}",
        "agent_id": members[0].pk,
        "team_id": team.pk,
        "token_id": create_token(user=admin, name="matrix")[0].pk,
        "invitation_id": invite_agent(actor=admin, email="nina@matrix.example", role="agent").pk,
        "revoke_change": "revoke",
        "public_key": web.public_key,
    }


MAIL = (
    b"From: Dave <dave@mail.example>\r\nTo: support@matrix.example\r\nSubject: Lamp\r\n"
    b"Message-ID: <m1@mail.example>\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe lamp is broken.\r\n"
)


MAIL_WITHOUT_SENDER = b"To: support@matrix.example\r\nSubject: Who?\r\n\r\nNobody.\r\n"


def fill(route: str, rule: Rule, world: dict[str, Any]) -> str:
    """The route with each parameter replaced by the world object it names."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return str(world[rule.params.get(name, name)])

    return re.sub(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", value, route)


def client_for(subject: str, world: dict[str, Any]) -> Client:
    client = Client()
    if subject != "anonymous":
        client.force_login(world["people"][subject])
    return client


def outcome(response: Any) -> int | str:
    status = int(response.status_code)
    assert status < 500, response.content[:300]
    if status in (401, 403, 404):
        return status
    if status == 302 and str(response.get("Location", "")).startswith("/login"):
        return SIGN_IN
    return OK


class Rollback(Exception):
    """Undo one subject's request, so the next subject finds the same world."""


def run(subject: str, method: str, url: str, body: Any, world: dict[str, Any]) -> int | str:
    client = client_for(subject, world)
    found: list[int | str] = []
    try:
        with transaction.atomic():
            if body is None and method in ("get", "delete"):
                response = getattr(client, method)(url)
            elif url.startswith("/api/"):
                response = getattr(client, method)(url, body or {}, content_type="application/json")
            else:
                response = getattr(client, method)(url, body or {})
            found.append(outcome(response))
            raise Rollback
    except Rollback:
        pass
    return found[0]


def expected_for(policy: str, subject: str, *, api_call: bool) -> int | str:
    if subject == "anonymous":
        return 401 if api_call else SIGN_IN
    return EXPECTED[policy][subject]


def check(route_label: str, rule: Rule, url: str, world: dict[str, Any], api_call: bool) -> None:
    wrong = []
    for subject in SUBJECTS:
        got = run(subject, rule.method, url, rule.body, world)
        if subject == "anonymous" and not api_call and got == 401:
            got = SIGN_IN  # a page's JSON endpoint: 401 instead of a redirect, both refuse
        wanted = expected_for(rule.policy, subject, api_call=api_call)
        if got != wanted:
            wrong.append(f"{subject}: got {got}, expected {wanted}")
    assert not wrong, f"{rule.method.upper()} {route_label} ({rule.policy}): " + "; ".join(wrong)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages(name: str, world: dict[str, Any]) -> None:
    rule = PAGES[name]
    route = page_routes()[name]
    check(route, rule, fill(route, rule, world), world, api_call=False)


@pytest.mark.parametrize(("method", "path"), sorted(API), ids=lambda part: str(part))
def test_api(method: str, path: str, world: dict[str, Any]) -> None:
    rule = API[(method, path)]
    body = rule.body
    if rule.world_body:
        body = {**(body or {}), **{name: world[key] for name, key in rule.world_body.items()}}
    rule = Rule(rule.policy, method, body, rule.params)
    check(path, rule, V1 + fill(path, rule, world), world, api_call=True)
