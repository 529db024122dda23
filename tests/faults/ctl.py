"""Run inside a fault test server's environment: set up inboxes, count what was stored.

python -m tests.faults.ctl setup     migrate; an agent, an API token, chat/API/web-form inboxes
python -m tests.faults.ctl stored    every inbound message's (inbox, external id or text) → JSON
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.settings")
    import django

    django.setup()
    command, *args = argv
    print(json.dumps(COMMANDS[command](*args)))


def setup() -> dict[str, object]:
    from django.core.management import call_command

    from rapport.accounts.models import Role, User
    from rapport.accounts.tokens import create_token
    from rapport.inboxes.models import Inbox, InboxKind

    call_command("migrate", verbosity=0)
    agent = User.objects.create_user(
        "fay@shop.example", password="fault-test-password", name="Fay", role=Role.ADMIN
    )
    _token, raw = create_token(user=agent, name="faults")
    inboxes = {
        kind: Inbox.objects.create(name=f"Shop {kind}", kind=kind, config=config)
        for kind, config in (
            (InboxKind.CHAT, {"messages_per_ip_minute": 10_000}),  # many messages, one IP
            (InboxKind.API, {}),
            (InboxKind.WEBFORM, {}),
            # Acknowledged automatically: a webhook's mail queues a delivery (an enqueue).
            (
                InboxKind.EMAIL,
                {
                    "addresses": ["help@shop.example"],
                    "webhook_basic_auth": "pm:secret",
                    "auto_acknowledge": True,
                    # Only proven or listed senders are acknowledged (issue 21, hole 5).
                    "acknowledge_senders": ["mail.example"],
                    "automatic_cap": 100,
                },
            ),
        )
    }
    for inbox in inboxes.values():
        inbox.members.add(agent)
    return {
        "agent_id": agent.pk,
        "token": raw,
        "chat_key": inboxes[InboxKind.CHAT].public_key,
        "api_inbox": inboxes[InboxKind.API].pk,
        "webform_key": inboxes[InboxKind.WEBFORM].public_key,
        "email_key": inboxes[InboxKind.EMAIL].public_key,
    }


def stored() -> dict[str, object]:
    from rapport.conversations.models import Direction, Message
    from rapport.outbox.models import Delivery

    inbound = Message.objects.filter(direction=Direction.INBOUND)
    return {
        "messages": [[m.inbox.kind, m.text] for m in inbound.select_related("inbox")],
        "deliveries": list(Delivery.objects.values_list("state", flat=True)),
    }


COMMANDS = {"setup": setup, "stored": stored}

if __name__ == "__main__":
    main(sys.argv[1:])
