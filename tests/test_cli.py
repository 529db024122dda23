"""The ``rapport`` command: admin creation, checks, demo data, and a real start of the server."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import phonenumbers
import pytest
from aiosmtpd.controller import Controller
from django.db.models import Count, Max, Min, Sum

from rapport.accounts.models import Role, Team, User
from rapport.cli import main
from rapport.conversations.actions import receive_message
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import (
    Conversation,
    ConversationCount,
    DeliveryStatus,
    Direction,
    Mention,
    Message,
    Status,
)
from rapport.core import quarantine
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer, Identity, IdentityKind
from rapport.demo import DEMO_PASSWORD, load_demo, reset_data
from rapport.inboxes.models import Inbox

RAPPORT = Path(sys.executable).with_name("rapport")  # the installed console script
NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_server() -> Iterator[tuple[int, Mailbox]]:
    """A real SMTP server on a free port."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, mailbox
    controller.stop()


# --- createadmin -----------------------------------------------------------------------------


def test_createadmin_creates_an_admin_and_prints_the_password(db: None, capsys: Any) -> None:
    exit_code = main(["createadmin", "--email", "Boss@Shop.example", "--name", "Bo Boss"])

    out = capsys.readouterr().out
    password = re.search(r"Password: (\S+)", out)
    assert exit_code == 0
    assert "Created admin boss@shop.example" in out
    assert password is not None
    user = User.objects.get(email="boss@shop.example")
    assert (user.role, user.name, user.is_active) == (Role.ADMIN, "Bo Boss", True)
    assert user.check_password(password.group(1))


def test_createadmin_on_an_existing_account_makes_it_admin_with_the_given_password(
    db: None, capsys: Any
) -> None:
    User.objects.create_user("maria@shop.example", "old password 1", name="Maria")

    exit_code = main(
        ["createadmin", "--email", "maria@shop.example", "--password", "n3w-s3cret-pw"]
    )

    user = User.objects.get(email="maria@shop.example")
    assert exit_code == 0
    assert "Updated admin maria@shop.example" in capsys.readouterr().out
    assert (user.role, user.name) == (Role.ADMIN, "Maria")
    assert AuditEntry.objects.filter(verb="agent.made_admin", object_id=user.pk).exists()
    assert user.check_password("n3w-s3cret-pw")


def test_createadmin_refuses_a_weak_password(db: None, capsys: Any) -> None:
    exit_code = main(["createadmin", "--email", "boss@shop.example", "--password", "short"])

    assert exit_code == 1
    assert "too short" in capsys.readouterr().err
    assert not User.objects.filter(email="boss@shop.example").exists()


# --- check -----------------------------------------------------------------------------------


def use_smtp(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""


def test_check_passes_on_a_good_setup(
    db: None, settings: Any, capsys: Any, mail_server: tuple[int, Mailbox]
) -> None:
    use_smtp(settings, mail_server[0])

    exit_code = main(["check"])

    out = capsys.readouterr().out
    assert exit_code == 0, out
    assert re.search(r"ok\s+database\s+\w+ .*migrated", out)
    assert re.search(r"ok\s+smtp\s+127\.0\.0\.1:\d+ answers EHLO", out)
    assert re.search(r"ok\s+data dir", out)
    assert re.search(r"ok\s+job queue", out)
    assert "All checks passed." in out


def test_check_fails_with_a_clear_message_when_the_mail_server_is_unreachable(
    db: None, settings: Any, capsys: Any
) -> None:
    closed = free_port()
    use_smtp(settings, closed)

    exit_code = main(["check"])

    captured = capsys.readouterr()
    assert exit_code == 1
    assert re.search(r"FAIL\s+smtp", captured.out)
    assert "1 problem(s):" in captured.err
    assert f"smtp: cannot talk to the mail server at 127.0.0.1:{closed}" in captured.err


def test_other_commands_go_to_django(db: None, capsys: Any) -> None:
    exit_code = main(["showmigrations", "accounts"])

    assert exit_code == 0
    assert "[X] 0001_initial" in capsys.readouterr().out


# --- demo ------------------------------------------------------------------------------------


def test_demo_command_loads_the_promised_data_once(db: None, capsys: Any) -> None:
    assert main(["demo"]) == 0
    assert "2,005 conversations" in capsys.readouterr().out

    # Four inboxes with conversations (WhatsApp's two show its 24-hour window), a chat
    # inbox to try the widget with, an e-mail inbox holding one quarantined mail to look
    # at, a Facebook Page, an Instagram account, a Telegram bot and an X account with
    # one conversation each, and a phone line with a voicemail.
    assert Inbox.objects.count() == 11
    kinds = {
        "webform",
        "api",
        "chat",
        "email",
        "messenger",
        "instagram",
        "telegram",
        "x",
        "whatsapp",
        "voice",
    }
    assert set(Inbox.objects.values_list("kind", flat=True)) == kinds
    assert not Conversation.objects.filter(inbox__kind__in=["chat", "email"]).exists()
    [quarantined] = quarantine.list_items()
    assert "no valid sender" in quarantined.reason
    assert b"boots in 38" in quarantine.raw_bytes(quarantined.key)
    assert User.objects.count() == 10
    assert Team.objects.count() == 2
    assert Customer.objects.count() == 304
    assert Conversation.objects.count() == 2005
    assert Conversation.objects.filter(inbox__kind="voice").get().messages.count() == 1
    # The customer's reaction shows on Maya's WhatsApp reply.
    [reacted] = Message.objects.exclude(reaction="")
    assert (reacted.inbox.kind, reacted.direction, reacted.reaction) == ("whatsapp", "out", "👍")
    roles = User.objects.values("role").annotate(n=Count("id"))
    assert {row["role"]: row["n"] for row in roles} == {
        Role.ADMIN: 1,
        Role.SUPERVISOR: 1,
        Role.AGENT: 7,
        Role.LIGHT: 1,
    }
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all()[:2])

    assert main(["demo"]) == 1
    assert "--reset" in capsys.readouterr().err


def test_demo_counts_match_a_real_count(db: None) -> None:
    load_demo(now=NOW)

    real = {
        (row["inbox_id"], row["status"], row["assignee_id"]): row["n"]
        for row in Conversation.objects.values("inbox_id", "status", "assignee_id").annotate(
            n=Count("id")
        )
    }
    kept = {
        (row.inbox_id, row.status, row.assignee_id): row.count
        for row in ConversationCount.objects.exclude(count=0)
    }
    assert kept == real
    assert ConversationCount.objects.aggregate(total=Sum("count"))["total"] == 2005
    assert Conversation.objects.filter(status=Status.OPEN).count() == sum(
        n for (_, status, _), n in kept.items() if status == Status.OPEN
    )


def test_demo_timestamps_agree_with_the_messages(db: None) -> None:
    load_demo(now=NOW)

    assert not Message.objects.filter(created_at__gt=NOW).exists()
    assert (
        not Conversation.objects.exclude(status=Status.OPEN)
        .filter(waiting_since__isnull=False)
        .exists()
    )
    assert Conversation.objects.filter(status=Status.OPEN, waiting_since__isnull=False).exists()
    spans = Conversation.objects.annotate(
        first=Min("messages__created_at"), last=Max("messages__created_at")
    )
    for conversation in spans:
        assert conversation.created_at == conversation.first
        assert conversation.last_activity_at <= conversation.last
        if conversation.status == Status.RESOLVED:
            assert conversation.resolved_at is not None
            assert conversation.resolved_at >= conversation.last
        first_reply = (
            conversation.messages.filter(direction=Direction.OUTBOUND)
            .order_by("created_at")
            .first()
        )
        assert conversation.first_response_at == (first_reply.created_at if first_reply else None)
        if conversation.status == Status.SNOOZED:
            assert conversation.snoozed_until is not None
            assert conversation.snoozed_until > NOW


def test_demo_has_threads_notes_mentions_and_identities(db: None) -> None:
    load_demo(now=NOW)

    by_direction = dict(Message.objects.values_list("direction").annotate(n=Count("id")))
    assert by_direction[Direction.INBOUND] > 2000
    assert by_direction[Direction.OUTBOUND] > 1500
    assert by_direction[Direction.NOTE] > 100
    assert Mention.objects.count() > 50
    assert Message.objects.filter(delivery_status=DeliveryStatus.FAILED).exists()
    assert Conversation.objects.filter(tags__isnull=False).distinct().count() > 1500
    # Only a customer's latest conversation in an inbox is unresolved, as receive_message keeps it.
    unresolved = Conversation.objects.exclude(status=Status.RESOLVED)
    pairs = unresolved.values("customer_id", "inbox_id").annotate(n=Count("id"))
    assert max(row["n"] for row in pairs) == 1
    phones = Identity.objects.filter(kind=IdentityKind.PHONE).values_list("address", flat=True)
    assert len(phones) > 30
    assert all(
        phonenumbers.format_number(phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.E164)
        == phone
        for phone in phones
    )
    assert Identity.objects.filter(kind=IdentityKind.API).exists()
    assert not Message.objects.filter(inbox__kind="api", direction="in", external_id="").exists()


def demo_fingerprint() -> list[tuple[str, str, str]]:
    rows = Conversation.objects.order_by("id").values_list("subject", "status", "customer__email")
    return list(rows)


@pytest.mark.parametrize(
    ("inbox_name", "kind"), [("Website contact form", "email"), ("Shop (API)", "api")]
)
def test_a_new_message_from_a_demo_customer_continues_their_open_conversation(
    db: None, inbox_name: str, kind: str
) -> None:
    load_demo()
    waiting = Conversation.objects.filter(inbox__name=inbox_name, status=Status.PENDING).first()
    assert waiting is not None
    identity = waiting.customer.identities.get(kind=kind)

    received = receive_message(
        inbox=waiting.inbox,
        message=InboundMessage(sender=Sender(kind, identity.address), text="Any news?"),
    )

    assert received.message.conversation_id == waiting.pk
    waiting.refresh_from_db()
    assert waiting.status == Status.OPEN


def test_demo_is_deterministic_and_reset_replaces_it(db: None) -> None:
    load_demo(now=NOW)
    first = demo_fingerprint()

    reset_data()
    load_demo(now=NOW)

    again = demo_fingerprint()
    assert again == first
    assert Inbox.objects.count() == 11
    assert len(quarantine.list_items()) == 1  # the reset took the first one with its inbox


def test_recount_rebuilds_the_counts(db: None, capsys: Any) -> None:
    load_demo(now=NOW)
    ConversationCount.objects.all().delete()

    assert main(["recount"]) == 0

    assert "Recounted 2,005 conversations." in capsys.readouterr().out
    assert ConversationCount.objects.aggregate(total=Sum("count"))["total"] == 2005


# --- a real start ----------------------------------------------------------------------------


class Output:
    """Collects a process's output in a thread, so a full pipe never blocks it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.text = ""
        assert process.stdout is not None
        self._thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.text += line


def one_machine_env(data_dir: Path, smtp_port: int) -> dict[str, str]:
    """The environment of a fresh one-machine install (not the test suite's settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "DJANGO_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND", "SITE_URL"):
        env.pop(name, None)
    env.update(RAPPORT_DATA_DIR=str(data_dir), EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_port))
    return env


def wait_until_up(base: str, process: subprocess.Popen[str], output: Output) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, f"rapport serve exited early:\n{output.text}"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"rapport serve did not answer /healthz in time:\n{output.text}")


def create_token(env: dict[str, str], email: str) -> str:
    """An API token, made through the Django commands `rapport` passes through."""
    code = (
        "from rapport.accounts.models import User\n"
        "from rapport.accounts.tokens import create_token\n"
        f"print(create_token(user=User.objects.get(email='{email}'), name='test')[1])"
    )
    done = subprocess.run(  # noqa: S603 -- our own console script
        [str(RAPPORT), "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def log_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    page = client.get("/login")
    assert page.status_code == 200, "the login page is missing"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    return client.post(
        "/login",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": email,
            "email": email,
            "password": password,
        },
        headers={"Referer": f"{client.base_url}/login"},
    )


def printed_login(output: Output) -> tuple[str, str]:
    email = re.search(r"e-mail:\s+(\S+)", output.text)
    password = re.search(r"password:\s+(\S+)", output.text)
    assert email is not None, output.text
    assert password is not None, output.text
    return email.group(1), password.group(1)


def reply_by_api(base: str, token: str) -> None:
    """Reply to an open web-form conversation of the demo through the REST API."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        inboxes = {inbox["name"]: inbox["id"] for inbox in api.get("/api/v1/inboxes").json()}
        assert len(inboxes) == 11
        listed = api.get(
            "/api/v1/conversations",
            params={"inbox_id": inboxes["Website contact form"], "status": "open"},
        ).json()
        conversation_id = listed["items"][0]["id"]
        sent = api.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"text": "Thanks for waiting, it is on its way."},
        )
        assert sent.status_code == 201, sent.text


def wait_for_mail(mailbox: Mailbox, output: Output) -> None:
    deadline = time.monotonic() + 30
    while not mailbox.recipients and time.monotonic() < deadline:
        time.sleep(0.2)
    assert mailbox.recipients, f"no e-mail was sent:\n{output.text}"


def stop(process: subprocess.Popen[str]) -> int:
    """Ctrl+C, as a person at the terminal would; it must end within seconds."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def test_serve_with_demo_starts_prints_a_working_login_and_stops_on_ctrl_c(
    tmp_path: Path, mail_server: tuple[int, Mailbox]
) -> None:
    smtp_port, mailbox = mail_server
    port, env = free_port(), one_machine_env(tmp_path / "var", smtp_port)
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 -- our own console script
        [str(RAPPORT), "serve", "--demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process)
    try:
        wait_until_up(base, process, output)
        email, password = printed_login(output)
        assert "2,005 conversations" in output.text
        with httpx.Client(base_url=base, timeout=10) as browser:
            answer = log_in(browser, email, password)
            assert answer.status_code == 302, answer.text[:500]
            assert browser.get("/api/v1/inboxes").status_code == 200
        # The worker runs inside `rapport serve`: a reply reaches the customer by e-mail.
        reply_by_api(base, create_token(env, email))
        wait_for_mail(mailbox, output)
    finally:
        exit_code = stop(process)
    assert exit_code == 0, output.text
    assert "Rapport stopped." in output.text
