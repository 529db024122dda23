"""``rapport check`` says which key encrypts stored secrets and whether it opens them all;
``rapport reencrypt`` rewrites them under the current key after a rotation."""

from __future__ import annotations

import re
from typing import Any

import pyotp
from django.core.cache import cache
from django.utils import timezone

from rapport.accounts.actions import two_factor
from rapport.accounts.models import User
from rapport.cli import main
from rapport.cli_checks import check_encryption
from rapport.core.encryption import decrypt, encrypt
from rapport.outbox.models import Delivery, DeliveryKind
from tests.factories import UserFactory

KEY_A = "first-encryption-key-of-the-installation"
KEY_B = "second-encryption-key-after-the-rotation"


def enrolled(email: str) -> User:
    user = UserFactory(email=email)
    secret = two_factor.start_enrolment(user=user).secret
    two_factor.confirm_enrolment(user=user, code=pyotp.TOTP(secret).now())
    cache.clear()
    return user


def use_keys(settings: Any, current: str, old: list[str] | None = None) -> None:
    settings.RAPPORT_ENCRYPTION_KEY, settings.RAPPORT_ENCRYPTION_OLD_KEYS = current, old or []


def test_check_names_the_key_in_use(db: None, settings: Any) -> None:
    use_keys(settings, "")
    enrolled("ada@shop.example")

    derived = check_encryption()
    use_keys(settings, KEY_A, old=[settings.SECRET_KEY])
    dedicated = check_encryption()

    assert (derived.status, dedicated.status) == ("ok", "ok")
    assert derived.detail.startswith("1 stored secrets under a key derived from SECRET_KEY")
    assert "set RAPPORT_ENCRYPTION_KEY" in derived.detail
    assert dedicated.detail.startswith("1 stored secrets under RAPPORT_ENCRYPTION_KEY; 1 still")
    assert "run `rapport reencrypt` before removing it" in dedicated.detail


def test_check_fails_when_a_secret_opens_with_no_key(db: None, settings: Any, capsys: Any) -> None:
    use_keys(settings, KEY_A)
    enrolled("ada@shop.example")
    enrolled("bo@shop.example")
    use_keys(settings, KEY_B)

    exit_code = main(["check"])

    captured = capsys.readouterr()
    assert exit_code == 1
    assert re.search(r"FAIL\s+encryption\s+2 of 2 two-factor secrets open with no", captured.out)
    assert "put the previous value in RAPPORT_ENCRYPTION_OLD_KEYS" in captured.err


def test_reencrypt_rewrites_under_the_new_key(db: None, settings: Any, capsys: Any) -> None:
    use_keys(settings, KEY_A)
    enrolled("ada@shop.example")
    use_keys(settings, KEY_B, old=[KEY_A])

    assert main(["reencrypt"]) == 0

    assert "Re-encrypted 1 two-factor secrets and 0 invitation mails" in capsys.readouterr().out
    use_keys(settings, KEY_B)
    assert check_encryption().status == "ok"
    assert two_factor.stored_secrets() == two_factor.StoredSecrets(1, 0, 0)


def test_reencrypt_says_what_it_could_not_open(db: None, settings: Any, capsys: Any) -> None:
    use_keys(settings, KEY_A)
    enrolled("ada@shop.example")
    use_keys(settings, KEY_B)

    assert main(["reencrypt"]) == 1

    captured = capsys.readouterr()
    assert "Re-encrypted 0 two-factor secrets" in captured.out
    assert "1 two-factor secrets and 0 invitation mails could not be opened" in captured.err


def test_reencrypt_rewrites_queued_invitation_mails(db: None, settings: Any, capsys: Any) -> None:
    use_keys(settings, KEY_A)
    queued = Delivery.objects.create(
        kind=DeliveryKind.NOTIFICATION,
        next_attempt_at=timezone.now(),
        payload={"to": "nina@shop.example", "subject": "Invited", "encrypted_body": encrypt("x")},
    )
    use_keys(settings, KEY_B, old=[KEY_A])

    assert main(["reencrypt"]) == 0

    assert "0 two-factor secrets and 1 invitation mails" in capsys.readouterr().out
    use_keys(settings, KEY_B)
    queued.refresh_from_db()
    assert decrypt(queued.payload["encrypted_body"]) == "x"
    assert queued.payload["to"] == "nina@shop.example"
