"""Fuzz the whole REST API with schemathesis against a real server.

    python -m bench.fuzz --ci          # the bounded run of scripts/test.sh (CI): ~1-2 min
    python -m bench.fuzz --max-time 900 --max-examples 500   # a longer run on demand

A fresh SQLite installation is set up in a temporary directory (an admin with a token,
a web-form and an API inbox, a conversation with a reply and a note, a canned reply),
``rapport serve`` is started on a free port, and ``st run`` generates requests from
``/api/openapi.json`` with every check schemathesis has: no server errors, every status
and body as the document says, refused what the schema refuses, accepted what it
accepts, auth not ignored, deleted objects gone. The counts are printed at the end; the
exit code is schemathesis' own (non-zero on any failure).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CI_BUDGET = {"max_time": 90, "max_examples": 25}
# Revoking a token is fuzzed on its own, with a token of its own, after the main run: the
# operation may revoke the very token it is called with (a legitimate 204), and every later
# request of the run would then be a correct 401, testing nothing (schemathesis warned that
# 27 of 40 operations "returned only 401/403").
REVOKE = "DELETE /api/v1/tokens/{token_id}"
REVOKE_BUDGET = {"max_time": 15, "max_examples": 25}
# One check is left out, on purpose: positive_data_acceptance expects every request the
# schema allows to succeed, but some rules cannot be written in JSON Schema — an id must
# name an existing team, a snooze time must be in the future, a phone number must exist in
# its numbering plan, a cursor must be one the server handed out. The server answers those
# with a 400 that names the rule (tests/api hold each one). Every other check runs.
EXCLUDED_CHECKS = "positive_data_acceptance"
SEED_SCRIPT = """
from rapport.accounts.actions import create_team
from rapport.accounts.models import Role, User
from rapport.accounts.tokens import create_token
from rapport.conversations import actions
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.inboxes.actions import create_inbox
from rapport.replies.actions import create_canned_reply

admin = User.objects.create_user(email="fuzz@rapport.example", name="Fuzz Admin",
                                 password="fuzz-only-password-1", role=Role.ADMIN)
agent = User.objects.create_user(email="agent@rapport.example", name="Fuzz Agent",
                                 password="fuzz-only-password-2", role=Role.AGENT)
web = create_inbox(actor=admin, name="Support", kind="webform", members=[admin, agent])
api = create_inbox(actor=admin, name="App", kind="api", members=[admin, agent])
conversation = actions.receive_message(inbox=web, message=InboundMessage(
    sender=Sender("email", "carol@mail.example", "Carol"), text="Where is my order?",
    subject="Order")).message.conversation
actions.send_reply(conversation=conversation, author=admin, text="On its way")
actions.add_note(conversation=conversation, author=admin, text="@agent please check")
actions.receive_message(inbox=api, message=InboundMessage(
    sender=Sender("api", f"{api.pk}:user-1"), text="Hello from the app"))
create_canned_reply(actor=admin, shortcut="thanks", title="Thanks", text="Thank you!")
create_team(actor=admin, name="Tier 2", members=[admin, agent])
print(create_token(user=admin, name="fuzz")[1])
print(create_token(user=admin, name="fuzz-revoking")[1])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="rapport.config.settings",
        RAPPORT_DATA_DIR=str(data_dir),
        SECRET_KEY="fuzzing-only-secret-key-0123456789-abcdefghij",  # noqa: S106 (a throw-away install)
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(REPO),
    )
    return env


def seed(env: dict[str, str]) -> tuple[str, str]:
    """Migrate and add the data; returns two API tokens of the admin: one for the main run,
    one for the run that revokes tokens."""
    subprocess.run([BIN / "rapport", "migrate", "-v0"], env=env, check=True, cwd=REPO)
    setup = "import django; django.setup()\n" + SEED_SCRIPT
    done = subprocess.run(
        [sys.executable, "-c", setup], env=env, check=True, cwd=REPO, capture_output=True, text=True
    )
    main_token, revoking_token = done.stdout.strip().splitlines()[-2:]
    return main_token, revoking_token


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own server)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer within 60 s")


def schemathesis(
    base: str, token: str, budget: dict[str, int], selection: list[str], report: Path, seed: int
) -> int:
    """One schemathesis run over the operations ``selection`` picks (st's include/exclude)."""
    command = [
        str(BIN / "st"),
        "run",
        f"{base}/api/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--header",
        f"Authorization: Bearer {token}",
        *selection,
        "--max-examples",
        str(budget["max_examples"]),
        "--max-time",
        str(budget["max_time"]),
        "--workers",
        str(budget["workers"]),
        "--seed",
        str(seed),
        "--request-timeout",
        "20",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--suppress-health-check",
        "all",
    ]
    return subprocess.run(command, cwd=REPO, check=False).returncode


def summary(report: Path) -> dict[str, int]:
    """The figures of schemathesis' JSON report that CI prints."""
    if not report.exists():
        return {}
    data = json.loads(report.read_text())
    failures = data.get("failures", [])
    # ST101/ST102: 5xx answers; every other ST1xx: an answer that is not what the
    # document says (status, content type, headers, body).
    server_errors = sum(f["count"] for f in failures if f.get("code") in {"ST101", "ST102"})
    schema_violations = sum(
        f["count"]
        for f in failures
        if f.get("code", "").startswith("ST1") and f.get("code") not in {"ST101", "ST102"}
    )
    return {
        "operations tested": data["operations"]["tested"],
        "test cases": data["test_cases"]["generated"],
        "failures": sum(f["count"] for f in failures),
        "server errors": server_errors,
        "schema violations": schema_violations,
        "errors": len(data.get("errors", [])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ci", action="store_true", help="the bounded run of the test suite")
    parser.add_argument("--max-time", type=int, default=600)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    if args.ci:
        args.max_time, args.max_examples = CI_BUDGET["max_time"], CI_BUDGET["max_examples"]
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-fuzz-"))
    env = server_env(data_dir)
    token, revoking_token = seed(env)
    port = free_port()
    server = subprocess.Popen(
        [BIN / "rapport", "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "server.log", "wb"),  # noqa: SIM115 (closed with the process)
    )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        wait_until_up(f"{base}/api/openapi.json", server)
        budget = {"max_time": args.max_time, "max_examples": args.max_examples}
        budget["workers"] = args.workers
        code = schemathesis(
            base, token, budget, ["--exclude-name", REVOKE], data_dir / "report.json", args.seed
        )
        revoking = {**REVOKE_BUDGET, "workers": 1}
        code = code or schemathesis(
            base,
            revoking_token,
            revoking,
            ["--include-name", REVOKE],
            data_dir / "report-revoke.json",
            args.seed,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(f"schemathesis: exit code {code} after {time.monotonic() - started:.0f} s")
    for report in ("report.json", "report-revoke.json"):
        print(f"{report}:")
        for name, value in summary(data_dir / report).items():
            print(f"  {name}: {value}")
    errors = (data_dir / "server.log").read_text(errors="replace").count("Traceback")
    print(f"server tracebacks: {errors}")
    if code == 0 and errors == 0:
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"kept for a look: {data_dir}")
    return code or (1 if errors else 0)


if __name__ == "__main__":
    sys.exit(main())
