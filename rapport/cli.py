"""The ``rapport`` command: start, scale out, check and look after a Rapport installation.

``rapport serve`` is the one-machine mode (web server and job worker in one process);
``rapport web`` and ``rapport worker`` split them for scale-out. Any command this module
does not know goes to Django's management commands (``rapport migrate``, ``rapport shell``).
Django is set up only inside a command, so ``rapport --help`` stays fast and works
without a database.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from rapport.cli_checks import CheckResult, check_smtp, run_checks, unapplied_migrations

if TYPE_CHECKING:
    from rapport.accounts.models import User
    from rapport.demo import DemoSummary

SETTINGS_MODULE = "rapport.config.settings"
ASGI_APP = "rapport.config.asgi:application"
# Websockets: uvicorn's sans-I/O implementation (its "auto" choice, named so it can't
# change under us) without per-message compression. Chat frames are a few hundred bytes,
# and each compressed socket kept ~100 KiB of zlib state and spent CPU on every frame:
# 143 -> 38 KiB per open widget, and p99 at 100 chat messages/s fell by a third
# (bench/realtime.py, which starts its servers with these same options).
# On SIGTERM, open websockets get this many seconds to close before their tasks are
# cancelled: a consumer waiting on Redis otherwise kept uvicorn from ever exiting.
SERVER_OPTIONS: dict[str, Any] = {
    "ws": "websockets-sansio",
    "ws_per_message_deflate": False,
    "timeout_graceful_shutdown": 5,
}


def server_flags() -> list[str]:
    """``SERVER_OPTIONS`` as ``uvicorn`` command-line flags (benchmarks and tests)."""
    return [
        flag
        for name, value in SERVER_OPTIONS.items()
        for flag in (f"--{name.replace('_', '-')}", str(value).lower())
    ]


ADMIN_EMAIL = "admin@rapport.localhost"
ADMIN_NAME = "Admin"
Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rapport`` console script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    parser = build_parser()
    if args and not args[0].startswith("-") and args[0] not in COMMANDS:
        return django_command(args)
    options = parser.parse_args(args)
    handler: Handler | None = getattr(options, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(options)
    except KeyboardInterrupt:  # Ctrl+C while migrating or loading: no traceback for that
        print("\nInterrupted.", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rapport",
        description="Rapport: one shared inbox for every customer channel.",
        epilog="Any other command is a Django management command, e.g. `rapport migrate`, "
        "`rapport shell`, `rapport createsuperuser`; `rapport help` lists them.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, (handler, help_text, add_arguments) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        command.set_defaults(handler=handler)
    return parser


def django_command(args: list[str]) -> int:
    """Hand over to Django's own commands (``rapport help`` lists them all)."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rapport", *args])
    return 0


def setup_django() -> None:
    import django

    django.setup()


# --- serve, web, worker -------------------------------------------------------------------


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    add_server_arguments(parser)
    parser.add_argument(
        "--demo", action="store_true", help="load the demo shop if there are no conversations"
    )


def add_web_arguments(parser: argparse.ArgumentParser) -> None:
    add_server_arguments(parser)
    parser.add_argument("--workers", type=int, default=1, help="web server processes")


def public_url(host: str, port: int) -> str:
    """The address to open in a browser (a wildcard address is reached on localhost)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve(options: argparse.Namespace) -> int:
    """One machine: migrate, make sure there is an admin, then web server plus worker."""
    url = public_url(options.host, options.port)
    if not port_is_free(options.host, options.port):
        print(
            f"rapport serve: port {options.port} on {options.host} is in use; "
            "choose another with --port",
            file=sys.stderr,
        )
        return 1
    # Links in e-mails point here unless the operator configured a public address.
    os.environ.setdefault("SITE_URL", url)
    setup_django()
    print("Preparing the database…", flush=True)
    migrate()
    login = ensure_admin()
    demo = load_demo_if_empty() if options.demo else None
    print_welcome(url, login, demo, mail=check_smtp())
    with running_worker():
        run_web_server(options.host, options.port)
    print("Rapport stopped.", flush=True)
    return 0


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def web(options: argparse.Namespace) -> int:
    """Only the web server, for scale-out behind a load balancer (migrate beforehand)."""
    setup_django()
    pending = unapplied_migrations()
    if pending:
        print(
            f"rapport web: {len(pending)} database migrations are not applied; "
            "run `rapport migrate` first",
            file=sys.stderr,
        )
        return 1
    warn_about_lone_processes(options.workers)
    run_web_server(options.host, options.port, workers=options.workers)
    print("Rapport stopped.", flush=True)
    return 0


def warn_about_lone_processes(workers: int) -> None:
    from django.conf import settings

    if workers > 1 and not settings.REDIS_URL:
        # The in-memory channel layer lives in one process: others would not hear its events.
        print(
            "rapport web: without REDIS_URL, live updates reach only the agents connected "
            "to the same process; set REDIS_URL when running several",
            file=sys.stderr,
        )


def run_web_server(host: str, port: int, workers: int = 1) -> None:
    """uvicorn on the ASGI app; with several workers uvicorn supervises the processes."""
    import uvicorn

    # uvicorn stops gracefully on SIGTERM and then re-raises it; as KeyboardInterrupt it
    # unwinds through our `finally` blocks (stopping the worker) instead of killing us.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with suppress(KeyboardInterrupt):  # Ctrl+C or SIGTERM: uvicorn has already shut down
        uvicorn.run(
            ASGI_APP,
            host=host,
            port=port,
            workers=workers if workers > 1 else None,
            lifespan="off",  # Django does not speak the ASGI lifespan protocol
            server_header=False,
            **SERVER_OPTIONS,
        )


@contextmanager
def running_worker() -> Iterator[None]:
    """Huey's consumer as threads in this process, with the periodic scheduler."""
    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    from rapport.inboxes.webhook_queue import running_drainers

    if HUEY.immediate:  # RAPPORT_JOBS_IMMEDIATE: jobs run inside the request instead
        yield
        return
    autodiscover_modules("tasks")  # register every app's jobs and periodic jobs
    options: dict[str, Any] = {**settings.HUEY["consumer"], "periodic": True}  # type: ignore[dict-item]
    options.setdefault("shutdown_timeout", 10)
    consumer = HUEY.create_consumer(**options)
    with kept_signal_handlers():
        consumer.start()
    try:
        with running_drainers():  # stored webhook requests: the rows are their queue
            yield
    finally:
        consumer.stop(graceful=True)


@contextmanager
def kept_signal_handlers() -> Iterator[None]:
    """Undo the signal handlers ``Consumer.start()`` installs.

    Huey expects its consumer to own the process and to poll for the signals in
    ``Consumer.run()``; here uvicorn owns the process and stops the consumer itself.
    """
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    saved = {sig: signal.getsignal(sig) for name in names if (sig := getattr(signal, name, None))}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:
                signal.signal(sig, handler)


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, help="worker threads (RAPPORT_WORKER_THREADS)")


def worker(options: argparse.Namespace) -> int:
    """Only the job worker (Huey's consumer), for scale-out."""
    # No health-check query before each job's first statement (config/settings.py): a
    # round trip per job, a seventh of a processed webhook's (bench/webhooks.py).
    os.environ.setdefault("DB_HEALTH_CHECKS", "0")
    setup_django()
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        print(
            "rapport worker: RAPPORT_JOBS_IMMEDIATE is on, so jobs run inside the web "
            "requests and a worker has nothing to do",
            file=sys.stderr,
        )
        return 1

    # run_huey gives the "huey" logger its own handler; without this, Django's root
    # handler would print every line a second time.
    logging.getLogger("huey").propagate = False
    from rapport.realtime import layer

    layer.start_own_loop()  # one loop, one Redis connection for the jobs' pushes
    extra = ["--workers", str(options.threads)] if options.threads else []
    from rapport.inboxes.webhook_queue import running_drainers

    with running_drainers():  # stored webhook requests: the rows are their queue
        return django_command(["run_huey", *extra])


# --- admin and demo -----------------------------------------------------------------------


def new_password() -> str:
    return secrets.token_urlsafe(12)


def has_admin() -> bool:
    from rapport.accounts.models import Role, User

    return User.objects.filter(role=Role.ADMIN, is_active=True).exists()


def save_admin(email: str, name: str, password: str, via: str) -> tuple[User, bool]:
    """Create the admin, or make an existing account with this e-mail an admin again.

    Written here rather than through ``accounts.actions``, whose actions need an acting
    admin: on a first start, or after the last admin lost their password, there is none.
    The audit log records it with no actor (the command line).
    """
    from django.db import transaction

    from rapport.accounts.models import Role, User
    from rapport.core import audit

    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        created = user is None
        if user is None:
            user = User.objects.create_superuser(email, password, name=name or email)
        else:
            user.name = name or user.name
            user.role, user.is_staff, user.is_superuser = Role.ADMIN, True, True
            user.is_active = True
            user.set_password(password)
            user.save()
        verb = "agent.created" if created else "agent.made_admin"
        audit.record(actor=None, verb=verb, obj=user, email=email, via=via)
    return user, created


def ensure_admin() -> tuple[str, str] | None:
    """On first start, create an admin with a random password; return its login."""
    if has_admin():
        return None
    password = new_password()
    save_admin(ADMIN_EMAIL, ADMIN_NAME, password, via="rapport serve")
    return ADMIN_EMAIL, password


def load_demo_if_empty() -> DemoSummary | None:
    from rapport.conversations.models import Conversation
    from rapport.demo import load_demo

    if Conversation.objects.exists():
        print("The database already has conversations; the demo data was not loaded.")
        return None
    print("Loading the demo shop…", flush=True)
    return load_demo()


def print_welcome(
    url: str, login: tuple[str, str] | None, demo: DemoSummary | None, mail: CheckResult
) -> None:
    from rapport.demo import DEMO_PASSWORD

    rule = "─" * 64
    lines = ["", rule, f"  Rapport is starting on {url}/", ""]
    if login:
        lines += [
            "  Your admin login (shown once, keep it):",
            f"    e-mail:    {login[0]}",
            f"    password:  {login[1]}",
            "",
        ]
    else:
        lines += [
            "  Sign in with your admin account. Lost the password?",
            f"  rapport createadmin --email {ADMIN_EMAIL} sets a new one.",
            "",
        ]
    if demo:
        lines += [
            f"  Demo shop loaded: {demo.conversations:,} conversations, "
            f"{demo.customers} customers, {demo.agents} staff ({demo.seconds:.1f} s).",
            f"  Demo staff sign in as e.g. maya@rapport.localhost / {DEMO_PASSWORD}",
            "",
        ]
    if mail.failed:
        lines += [
            "  E-mail: no mail server answers, so replies to web-form customers will",
            "  wait and then fail. Set EMAIL_HOST and EMAIL_PORT (see the README).",
            "",
        ]
    lines += ["  Press Ctrl+C to stop.", rule, ""]
    print("\n".join(lines), flush=True)


def add_createadmin_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True, help="the admin's e-mail (their login)")
    parser.add_argument("--name", default="", help="the name shown to colleagues")
    parser.add_argument("--password", help="a password; a random one is printed when omitted")


def createadmin(options: argparse.Namespace) -> int:
    """Create an admin, or reset an existing account's password and make it an admin."""
    setup_django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(options.email)
        if options.password:
            validate_password(options.password)
    except ValidationError as error:
        print(f"rapport createadmin: {' '.join(error.messages)}", file=sys.stderr)
        return 1
    password = options.password or new_password()
    user, created = save_admin(options.email, options.name, password, via="rapport createadmin")
    print(f"{'Created' if created else 'Updated'} admin {user.email}")
    if not options.password:
        print(f"Password: {password}")
    return 0


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reset",
        action="store_true",
        help="first delete all conversations, customers, inboxes, teams and the demo staff",
    )


def demo(options: argparse.Namespace) -> int:
    """Load the demo shop into this database."""
    setup_django()
    from rapport.core.errors import RapportError
    from rapport.demo import DEMO_PASSWORD, load_demo, reset_data

    migrate()
    if options.reset:
        gone = [f"{n:,} {kind}" for kind, n in reset_data().items() if n]
        print(f"Deleted {', '.join(gone)}." if gone else "There was nothing to delete.")
    try:
        summary = load_demo()
    except RapportError as error:
        print(f"rapport demo: {error.message}", file=sys.stderr)
        return 1
    print(
        f"Loaded {summary.inboxes} inboxes, {summary.agents} staff in {summary.teams} teams, "
        f"{summary.customers} customers, {summary.conversations:,} conversations and "
        f"{summary.messages:,} messages in {summary.seconds:.1f} s."
    )
    print(
        f"Demo staff sign in with the password {DEMO_PASSWORD!r}, e.g. owen@rapport.localhost "
        "(admin), priya@ (supervisor), maya@ (agent), ines@ (light seat)."
    )
    return 0


# --- check and recount --------------------------------------------------------------------


def check(options: argparse.Namespace) -> int:
    """Configuration and connectivity: print each check, exit 1 if any failed."""
    setup_django()
    results = run_checks()
    for result in results:
        print(f"  {result.label:5} {result.name:13} {result.detail}")
    failed = [result for result in results if result.failed]
    if failed:
        print(f"\n{len(failed)} problem(s):", file=sys.stderr)
        for result in failed:
            print(f"  - {result.name}: {result.detail}", file=sys.stderr)
        return 1
    print("\nAll checks passed.")
    return 0


def recount(options: argparse.Namespace) -> int:
    """Rebuild the conversation counts behind the inbox tab badges."""
    setup_django()
    from django.db.models import Sum

    from rapport.conversations import counts
    from rapport.conversations.models import ConversationCount

    counts.recount()
    total = ConversationCount.objects.aggregate(total=Sum("count"))["total"] or 0
    print(f"Recounted {total:,} conversations.")
    return 0


def reindex(options: argparse.Namespace) -> int:
    """Rebuild the search index from every stored message and customer."""
    setup_django()
    from rapport.search.reindex import progress_bar, rebuild

    messages, customers = rebuild(progress_bar(sys.stderr))
    print(f"Indexed {messages:,} messages and {customers:,} customers for search.")
    return 0


def reencrypt(options: argparse.Namespace) -> int:
    """Rewrite the secrets stored in the database under the current encryption key."""
    setup_django()
    from rapport.accounts.actions import two_factor
    from rapport.conversations.notifications import INVITATION_TEXT
    from rapport.outbox.actions import reencrypt_payload_field
    from rapport.outbox.models import DeliveryKind

    secrets_done, secrets_left = two_factor.reencrypt_secrets()
    mails_done, mails_left = reencrypt_payload_field(
        kind=DeliveryKind.NOTIFICATION, field=INVITATION_TEXT
    )
    print(
        f"Re-encrypted {secrets_done} two-factor secrets and {mails_done} invitation mails "
        "under the current key."
    )
    if secrets_left or mails_left:
        print(
            f"{secrets_left} two-factor secrets and {mails_left} invitation mails could not be "
            "opened with any configured key and were left as they are: add the key they were "
            "written with to RAPPORT_ENCRYPTION_OLD_KEYS and run this again (`rapport check` "
            "counts the secrets; such a mail fails, and the invitation can be resent).",
            file=sys.stderr,
        )
        return 1
    print("The old keys in RAPPORT_ENCRYPTION_OLD_KEYS are no longer needed.")
    return 0


def add_smtp_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on")  # noqa: S104
    parser.add_argument("--port", type=int, default=2525, help="port (default 2525)")


def smtp(options: argparse.Namespace) -> int:
    """The inbound SMTP listener, for businesses that forward mail or point MX at Rapport."""
    setup_django()
    from rapport.inboxes.adapters.email.listener import run_smtp_listener

    print(f"Receiving mail on {options.host}:{options.port} (Ctrl+C stops).")
    run_smtp_listener(options.host, options.port)
    return 0


def no_arguments(parser: argparse.ArgumentParser) -> None:
    return None


COMMANDS: dict[str, tuple[Handler, str, Callable[[argparse.ArgumentParser], None]]] = {
    "serve": (
        serve,
        "run everything on this machine: migrate, web server and worker",
        add_serve_arguments,
    ),
    "web": (web, "run only the web server (scale-out)", add_web_arguments),
    "worker": (worker, "run only the job worker (scale-out)", add_worker_arguments),
    "demo": (demo, "load the demo shop's data", add_demo_arguments),
    "createadmin": (
        createadmin,
        "create an admin or reset an admin's password",
        add_createadmin_arguments,
    ),
    "check": (
        check,
        "check configuration and connections (database, Redis, jobs, SMTP)",
        no_arguments,
    ),
    "recount": (recount, "rebuild the conversation counts behind the tab badges", no_arguments),
    "reindex": (reindex, "rebuild the search index (messages and customers)", no_arguments),
    "reencrypt": (
        reencrypt,
        "rewrite stored secrets under the current RAPPORT_ENCRYPTION_KEY (after a rotation)",
        no_arguments,
    ),
    "smtp": (smtp, "receive e-mail over SMTP into the e-mail inboxes", add_smtp_arguments),
}


if __name__ == "__main__":
    sys.exit(main())
