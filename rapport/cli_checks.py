"""The checks behind ``rapport check``: is this installation configured and connected?

Each check returns a ``CheckResult`` instead of raising, so one broken piece (say, the
mail server) never hides the state of the others.
"""

from __future__ import annotations

import smtplib
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONNECT_TIMEOUT = 5  # seconds; a check should answer quickly even when a server hangs


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # "ok", "fail" or "skip"
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    @property
    def label(self) -> str:
        return {"ok": "ok", "fail": "FAIL", "skip": "skip"}[self.status]


def run_checks() -> list[CheckResult]:
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as error:  # a check must report, never crash the command
            results.append(CheckResult(check.__name__.removeprefix("check_"), "fail", str(error)))
    return results


def check_configuration() -> CheckResult:
    """Django's own system checks (settings, models, URLs)."""
    from django.conf import settings
    from django.core import checks

    errors = [m for m in checks.run_checks() if m.level >= checks.ERROR]
    if errors:
        return CheckResult("configuration", "fail", "; ".join(str(m) for m in errors))
    mode = "DEBUG is on (not for production)" if settings.DEBUG else "production mode"
    return CheckResult("configuration", "ok", f"{mode}; site URL {settings.SITE_URL}")


def unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def check_database() -> CheckResult:
    from django.db import connection

    connection.ensure_connection()
    where = f"{connection.vendor} {connection.settings_dict['NAME']}"
    pending = unapplied_migrations()
    if pending:
        return CheckResult(
            "database",
            "fail",
            f"{where}: {len(pending)} migrations not applied; run `rapport migrate`",
        )
    return CheckResult("database", "ok", f"{where}, migrated")


def check_redis() -> CheckResult:
    from django.conf import settings

    if not settings.REDIS_URL:
        return CheckResult("redis", "skip", "REDIS_URL is not set (one-machine mode)")
    try:
        import redis
    except ImportError:
        return CheckResult(
            "redis",
            "fail",
            "REDIS_URL is set but the redis package is missing: pip install 'rapport[redis]'",
        )
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=CONNECT_TIMEOUT)
    try:
        client.ping()
    except redis.RedisError as error:
        return CheckResult("redis", "fail", f"cannot reach {safe_url(settings.REDIS_URL)}: {error}")
    finally:
        client.close()
    return CheckResult("redis", "ok", f"{safe_url(settings.REDIS_URL)} answers")


def safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "…@" + rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def check_jobs() -> CheckResult:
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return CheckResult("job queue", "ok", "jobs run inline (RAPPORT_JOBS_IMMEDIATE)")
    waiting = HUEY.pending_count()
    kind = type(HUEY).__name__
    return CheckResult("job queue", "ok", f"{kind} reachable, {waiting} jobs waiting")


def check_smtp() -> CheckResult:
    """Connect to the mail server and say EHLO (and STARTTLS and log in when configured)."""
    from django.conf import settings

    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return CheckResult("smtp", "skip", f"e-mail goes to {settings.EMAIL_BACKEND}")
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    try:
        greet_smtp_server()
    except (OSError, smtplib.SMTPException) as error:
        return CheckResult(
            "smtp",
            "fail",
            f"cannot talk to the mail server at {where} ({error}); replies to web-form "
            "customers cannot be sent — set EMAIL_HOST and EMAIL_PORT",
        )
    return CheckResult("smtp", "ok", f"{where} answers EHLO")


def greet_smtp_server() -> None:
    from django.conf import settings

    timeout = min(settings.EMAIL_TIMEOUT, CONNECT_TIMEOUT)
    host, port = settings.EMAIL_HOST, settings.EMAIL_PORT
    server: smtplib.SMTP
    if settings.EMAIL_USE_SSL:
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        code, answer = server.ehlo()
        if code != 250:
            raise smtplib.SMTPException(f"EHLO answered {code} {answer!r}")
        if settings.EMAIL_USE_TLS:
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if settings.EMAIL_HOST_USER:
            server.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)


def check_single_sign_on() -> CheckResult:
    """When OIDC_* is set: does the provider publish its OpenID configuration?"""
    import requests

    from rapport.accounts import sso

    config = sso.config()
    if config is None:
        return CheckResult("single sign-on", "skip", "off (OIDC_DISCOVERY_URL not set)")
    try:
        answer = requests.get(config.discovery_url, timeout=CONNECT_TIMEOUT)
        answer.raise_for_status()
        metadata = answer.json()
    except (requests.RequestException, ValueError) as error:
        return CheckResult(
            "single sign-on",
            "fail",
            f"cannot read {config.discovery_url} ({error}); check OIDC_DISCOVERY_URL",
        )
    missing = [
        key for key in ("issuer", "authorization_endpoint", "jwks_uri") if key not in metadata
    ]
    if missing:
        detail = f"{config.discovery_url} is not an OpenID configuration (no {', '.join(missing)})"
        return CheckResult("single sign-on", "fail", detail)
    if not config.allowed_domains:
        detail = (
            f"{metadata['issuer']} answers, but OIDC_ALLOWED_DOMAINS is empty: nobody can sign in"
        )
        return CheckResult("single sign-on", "fail", detail)
    domains = ", ".join(config.allowed_domains)
    return CheckResult("single sign-on", "ok", f"{metadata['issuer']} answers; for {domains}")


def check_encryption() -> CheckResult:
    """Which key encrypts stored secrets, and whether it opens every one of them."""
    from rapport.accounts.actions import two_factor
    from rapport.core import encryption

    keys = encryption.configured_keys()
    where = (
        "RAPPORT_ENCRYPTION_KEY"
        if keys.source == "RAPPORT_ENCRYPTION_KEY"
        else "a key derived from SECRET_KEY (set RAPPORT_ENCRYPTION_KEY to keep them apart)"
    )
    state = two_factor.stored_secrets()
    if state.unreadable:
        detail = (
            f"{state.unreadable} of {state.total} two-factor secrets open with no configured "
            f"key, so those people cannot sign in with their authenticator app (recovery "
            f"codes still work). The current key is {keys.source}; if it changed, put the "
            "previous value in RAPPORT_ENCRYPTION_OLD_KEYS and run `rapport reencrypt`"
        )
        return CheckResult("encryption", "fail", detail)
    detail = f"{state.total} stored secrets under {where}"
    if state.under_old_key:
        detail += (
            f"; {state.under_old_key} still under an old key: run `rapport reencrypt` before "
            "removing it from RAPPORT_ENCRYPTION_OLD_KEYS"
        )
    return CheckResult("encryption", "ok", detail)


def check_data_dir() -> CheckResult:
    from django.conf import settings

    for directory in (Path(settings.DATA_DIR), Path(settings.MEDIA_ROOT)):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".rapport-check-"):
                pass
        except OSError as error:
            return CheckResult("data dir", "fail", f"{directory} is not writable: {error}")
    return CheckResult("data dir", "ok", f"{settings.DATA_DIR} is writable")


CHECKS: tuple[Callable[[], CheckResult], ...] = (
    check_configuration,
    check_database,
    check_redis,
    check_jobs,
    check_smtp,
    check_single_sign_on,
    check_encryption,
    check_data_dir,
)
