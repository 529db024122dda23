"""Start the test OpenID provider on a free port: a fresh database, a fresh RSA key, one
client (Rapport) and the people who may sign in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "rapport"
CLIENT_SECRET = "rapport-client-secret"
PEOPLE = [
    # username, password, e-mail, name, last_name ("unverified": e-mail not verified)
    ("nina", "nina-pass", "nina@shop.example", "Nina Novak", ""),
    ("maria", "maria-pass", "maria@shop.example", "Maria Agent", ""),
    ("eve", "eve-pass", "eve@elsewhere.example", "Eve Outsider", ""),
    ("una", "una-pass", "una@shop.example", "Una Unverified", "unverified"),
]

SETUP = """
from django.contrib.auth.models import User
from oauth2_provider.models import Application
import json, os
for username, password, email, name, last in json.loads(os.environ["PROVIDER_PEOPLE"]):
    User.objects.create_user(username, email, password, first_name=name, last_name=last)
Application.objects.create(
    name="Rapport", client_id=os.environ["PROVIDER_CLIENT_ID"],
    client_secret=os.environ["PROVIDER_CLIENT_SECRET"],
    client_type="confidential", authorization_grant_type="authorization-code",
    redirect_uris=os.environ["PROVIDER_REDIRECT_URI"], algorithm="RS256",
    skip_authorization=True,
)
"""


@dataclass(frozen=True)
class Provider:
    url: str  # the issuer, e.g. http://127.0.0.1:PORT/o

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"


def rsa_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_provider(workdir: Path, redirect_uri: str) -> Iterator[Provider]:
    import json

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "PROVIDER_DB": str(workdir / "provider.sqlite3"),
        "PROVIDER_RSA_KEY": rsa_key(),
        "PROVIDER_PEOPLE": json.dumps(PEOPLE),
        "PROVIDER_CLIENT_ID": CLIENT_ID,
        "PROVIDER_CLIENT_SECRET": CLIENT_SECRET,
        "PROVIDER_REDIRECT_URI": redirect_uri,
    }
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "-v0"], env=env, check=True)  # noqa: S603
    subprocess.run([*django, "shell", "-c", SETUP], env=env, check=True)  # noqa: S603
    port = free_port()
    log = (workdir / "provider.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [*django, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    provider = Provider(url=f"http://127.0.0.1:{port}/o")
    try:
        _wait_until_up(provider, server)
        yield provider
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _wait_until_up(provider: Provider, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the test OpenID provider stopped while starting")
        try:
            if httpx.get(provider.discovery_url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the test OpenID provider did not start within 30 s")
