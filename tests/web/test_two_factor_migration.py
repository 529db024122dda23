"""Migration 0005 encrypts the two-factor secrets already stored, and going back decrypts
them: nobody enrolled before the upgrade has to enrol again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rapport.core import encryption

BEFORE = [("accounts", "0004_invitations")]
AFTER = [("accounts", "0005_totp_encrypted_secret")]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def model(executor: MigrationExecutor, targets: list[tuple[str, str]], name: str):
    return executor.loader.project_state(targets).apps.get_model("accounts", name)


@pytest.mark.django_db(transaction=True)
def test_existing_secrets_are_encrypted_forwards_and_decrypted_back(settings) -> None:
    settings.RAPPORT_ENCRYPTION_KEY = "the-key-of-this-installation-32-chars-long"
    executor = migrate(BEFORE)
    user = model(executor, BEFORE, "User").objects.create(email="ada@shop.example", name="Ada")
    model(executor, BEFORE, "TwoFactor").objects.create(user_id=user.pk, secret=SECRET, last_step=7)

    executor = migrate(AFTER)
    row = model(executor, AFTER, "TwoFactor").objects.get(user_id=user.pk)
    assert row.encrypted_secret.startswith("fernet:")
    assert SECRET not in row.encrypted_secret
    assert encryption.decrypt(row.encrypted_secret) == SECRET
    assert row.last_step == 7

    executor = migrate(BEFORE)
    assert model(executor, BEFORE, "TwoFactor").objects.get(user_id=user.pk).secret == SECRET
    migrate(executor.loader.graph.leaf_nodes())
