"""Typed helpers for reading settings from the environment.

A bad value stops the process at start with a message that names the variable, instead of
surfacing later as a confusing error deep in a request.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(Exception):
    """A setting in the environment has a value Rapport cannot use."""


def env_str(name: str, default: str = "") -> str:
    """Return the variable, or the contents of the file named by ``<name>_FILE`` (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret_list(name: str) -> list[str]:
    """Secrets separated by commas or new lines, from the variable or ``<name>_FILE``."""
    return [item for item in env_str(name).replace(",", "\n").split() if item]


def env_key(name: str, min_length: int) -> str:
    """A key that must be long enough to be guessed by nobody; empty if not set."""
    value = env_str(name)
    if value and len(value) < min_length:
        raise ConfigError(
            f"{name} must be at least {min_length} characters (it has {len(value)}); make one "
            "with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return value


def stored_secret(name: str, data_dir: Path) -> str:
    """Return ``name`` from the environment, or a random secret generated once and kept on disk.

    A fresh install must work without configuration, yet sessions and signed tokens must
    survive a restart, so the generated secret is written to the data directory.
    """
    value = env_str(name)
    if value:
        return value
    path = data_dir / name.lower()
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    path.write_text(value)
    path.chmod(0o600)
    return value


def redis_database(url: str) -> int:
    """The database number of a Redis URL (``/N``, ``?db=N``, unix sockets too); 0 if none.

    Read by redis-py's own URL parser, so it is the database redis-py connects to.
    """
    from redis.connection import parse_url  # redis is installed whenever REDIS_URL is set

    return int(parse_url(url).get("db") or 0)
