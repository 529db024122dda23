"""A full disk while storing a mail's attachments: no truncated or orphaned file, the raw
mail kept and pending, and processed whole once there is room again.

The disk is real: a 256 KB tmpfs mounted as MEDIA_ROOT (needs root, as in the CI
container; elsewhere the test says it could not run)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rapport.inboxes.adapters.email.ingest import ingest, process_pending
from rapport.inboxes.adapters.email.models import RawState
from tests.availability import could_not_run

pytestmark = pytest.mark.django_db

MOUNT, UMOUNT = shutil.which("mount") or "/bin/mount", shutil.which("umount") or "/bin/umount"
SMALL, LARGE = b"s" * 100_000, b"L" * 300_000  # the second one does not fit in 256 KB


@pytest.fixture
def small_disk(tmp_path: Path, settings) -> Iterator[Path]:
    media = tmp_path / "media"
    media.mkdir()
    mounted = subprocess.run(  # noqa: S603 - fixed arguments, our own temporary directory
        [MOUNT, "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(media)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        could_not_run(f"cannot mount a small tmpfs ({mounted.stderr.decode().strip()})")
    settings.MEDIA_ROOT = str(media)
    try:
        yield media
    finally:
        subprocess.run([UMOUNT, "--lazy", str(media)], check=True)  # noqa: S603 - as above


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def mail_with_two_files() -> bytes:
    parts = b"".join(
        b"--B\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="' + name + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data)
        for name, data in ((b"small.bin", SMALL), (b"large.bin", LARGE))
    )
    return (
        b"From: Carol <carol@cust.example>\r\nTo: support@shop.example\r\nSubject: files\r\n"
        b"Message-ID: <disk1@cust.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nTwo files attached.\r\n" + parts + b"--B--\r\n"
    )


def test_a_full_disk_leaves_no_file_and_the_mail_is_retried(email_inbox, small_disk, settings):
    settings.RAPPORT_MAX_ATTACHMENT_BYTES = 1_000_000
    raw = ingest(email_inbox, mail_with_two_files(), source="smtp")
    raw.refresh_from_db()
    assert raw.state == RawState.PENDING
    assert "No space left on device" in raw.error
    assert raw.message is None
    assert files_under(small_disk) == []  # neither the whole first file nor a partial one
    assert len(bytes(raw.data)) > 400_000  # the raw mail is kept

    remount = [MOUNT, "-o", "remount,size=2m", str(small_disk)]
    subprocess.run(remount, check=True)  # noqa: S603 - fixed arguments, as above
    assert process_pending() == 1
    raw.refresh_from_db()
    assert raw.state == RawState.PROCESSED, raw.error
    stored = {}
    for attachment in raw.message.attachments.all():
        with attachment.file.open("rb") as data:
            stored[attachment.filename] = data.read()
    assert stored == {"small.bin": SMALL, "large.bin": LARGE}
    assert len(files_under(small_disk)) == 2
