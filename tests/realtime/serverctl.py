"""Run inside a test server's environment (same DATABASE_URL): set up data, act as an agent.

python -m tests.realtime.serverctl setup        migrate; an agent and a chat inbox → JSON
python -m tests.realtime.serverctl session ID   a signed-in session cookie value for user ID
python -m tests.realtime.serverctl reply CONVERSATION_ID AGENT_ID TEXT
python -m tests.realtime.serverctl latest       the newest conversation id → JSON
python -m tests.realtime.serverctl admin_token  an admin's API token (made on first use) → JSON
"""

from __future__ import annotations

import json
import os
import sys
from importlib import import_module


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.settings")
    import django

    django.setup()
    command, *args = argv
    print(json.dumps(COMMANDS[command](*args)))


def setup() -> dict[str, object]:
    from django.core.management import call_command

    from rapport.accounts.models import Role, User
    from rapport.inboxes.models import Inbox, InboxKind

    call_command("migrate", verbosity=0)
    agent = User.objects.create_user(
        "cora@shop.example", password="live-chat-test-pw", name="Cora Chat", role=Role.AGENT
    )
    inbox = Inbox.objects.create(
        name="Shop chat",
        kind=InboxKind.CHAT,
        greeting="Hi! Ask us anything.",
        config={"color": "#0f766e", "identity_secret": "s3cret", "reply_to": "help@shop.example"},
    )
    inbox.members.add(agent)
    return {
        "agent_id": agent.pk,
        "email": agent.email,
        "password": "live-chat-test-pw",
        "inbox_key": inbox.public_key,
        "inbox_id": inbox.pk,
    }


def session(user_id: str) -> dict[str, object]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from rapport.accounts.models import User

    user = User.objects.get(pk=int(user_id))
    store = import_module(settings.SESSION_ENGINE).SessionStore()  # the store the server uses
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": store.session_key}


def reply(conversation_id: str, agent_id: str, text: str) -> dict[str, object]:
    from rapport.accounts.models import User
    from rapport.conversations import actions
    from rapport.conversations.models import Conversation

    conversation = Conversation.objects.get(pk=int(conversation_id))
    author = User.objects.get(pk=int(agent_id))
    message = actions.send_reply(conversation=conversation, author=author, text=text)
    return {"id": message.pk}


def latest() -> dict[str, object]:
    from rapport.conversations.models import Conversation

    conversation = Conversation.objects.order_by("-pk").first()
    return {"id": conversation.pk if conversation else None}


def admin_token() -> dict[str, object]:
    from rapport.accounts.models import Role, User
    from rapport.accounts.tokens import create_token

    admin, _ = User.objects.get_or_create(
        email="ada@shop.example", defaults={"name": "Ada Admin", "role": Role.ADMIN}
    )
    _, raw = create_token(user=admin, name="browser test")
    return {"token": raw, "admin_id": admin.pk}


COMMANDS = {
    "setup": setup,
    "session": session,
    "reply": reply,
    "latest": latest,
    "admin_token": admin_token,
}

if __name__ == "__main__":
    main(sys.argv[1:])
