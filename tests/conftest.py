from __future__ import annotations

import pytest
from django.test import Client

from rapport.accounts.models import Role, User
from rapport.accounts.tokens import forget_verified_tokens
from rapport.inboxes.models import Inbox, InboxKind
from rapport.realtime.consumers.visitor import forget_recent_inboxes
from rapport.search.index import forget_known_words
from tests.factories import InboxFactory, UserFactory


@pytest.fixture(autouse=True)
def nothing_remembered() -> None:
    """Tokens and chat inboxes read in one test must not be remembered into the next one's
    database (ids repeat once a test's transaction rolls back)."""
    forget_verified_tokens()
    forget_recent_inboxes()
    forget_known_words()


@pytest.fixture
def webform_inbox(db: None) -> Inbox:
    return InboxFactory(name="Support", kind=InboxKind.WEBFORM)


@pytest.fixture
def api_inbox(db: None) -> Inbox:
    return InboxFactory(
        name="Shop integration",
        kind=InboxKind.API,
        config={"webhook_url": "http://127.0.0.1:9/hook", "webhook_secret": "s3cret"},
    )


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(email="admin@shop.example", name="Ada Admin", role=Role.ADMIN)


@pytest.fixture
def agent(webform_inbox: Inbox, api_inbox: Inbox) -> User:
    user = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    webform_inbox.members.add(user)
    api_inbox.members.add(user)
    return user


@pytest.fixture
def outsider(db: None) -> User:
    """An agent who belongs to no inbox."""
    return UserFactory(email="olga@shop.example", name="Olga Outsider", role=Role.AGENT)


@pytest.fixture
def light_seat(webform_inbox: Inbox) -> User:
    user = UserFactory(email="lee@shop.example", name="Lee Light", role=Role.LIGHT)
    webform_inbox.members.add(user)
    return user


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def email_inbox(db: None) -> Inbox:
    return InboxFactory(
        name="Shop support",
        kind=InboxKind.EMAIL,
        config={"addresses": ["support@shop.example"], "from_name": "Shop support"},
    )


@pytest.fixture
def email_agent(email_inbox: Inbox) -> User:
    user = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    email_inbox.members.add(user)
    return user


@pytest.fixture
def other_inbox(db: None) -> Inbox:
    """An inbox the ``agent`` fixture is not a member of."""
    return InboxFactory(name="Wholesale", kind=InboxKind.WEBFORM)


@pytest.fixture
def supervisor(db: None) -> User:
    return UserFactory(email="sam@shop.example", name="Sam Supervisor", role=Role.SUPERVISOR)
