"""A private Dovecot IMAP server for tests and benchmarks, started from a temporary folder.

It listens on a free port of 127.0.0.1 with one passwd-file user and a Maildir, and is
stopped (and its folder removed) by ``stop()``. Without Dovecot installed the caller
decides: CI fails, elsewhere the tests say plainly that they could not run.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "support"
PASSWORD = "imap-test-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dovecot_available() -> bool:
    return Path(DOVECOT).exists()


class Dovecot:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="rapport-dovecot-"))
        self.root.chmod(0o755)  # Dovecot's auth process (another user) reads the passwd file
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._write_config()

    def _ids(self) -> tuple[int, int, str]:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            return nobody.pw_uid, nobody.pw_gid, "dovenull"
        me = pwd.getpwuid(os.getuid())
        return me.pw_uid, me.pw_gid, me.pw_name

    def _write_config(self) -> None:
        uid, gid, login_user = self._ids()
        home = self.root / "home"
        (home / "Maildir").mkdir(parents=True)
        for folder in ("run", "state"):
            (self.root / folder).mkdir()
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        os.chown(home, uid, gid)
        os.chown(home / "Maildir", uid, gid)
        internal = "dovecot" if os.geteuid() == 0 else login_user
        (self.root / "dovecot.conf").write_text(f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal}
first_valid_uid = {min(uid, 500)}
mail_location = maildir:{home}/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
""")

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own dovecot binary and config
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        log = (
            (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() else ""
        )
        raise RuntimeError(f"dovecot did not start: {log[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            for message in messages:
                typ, data = client.append(folder, None, None, message)
                assert typ == "OK", data
        finally:
            client.logout()

    def count(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            typ, data = client.select(folder, readonly=True)
            return int(data[0]) if typ == "OK" else -1
        finally:
            client.logout()

    def imap_settings(self, **overrides: object) -> dict[str, object]:
        settings: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "username": USER,
            "password": PASSWORD,
            "timeout": 10,
        }
        settings.update(overrides)
        return settings
