"""The TOTP secret is stored encrypted (core/encryption.py) instead of as plain base32.

Existing secrets are encrypted in place, under RAPPORT_ENCRYPTION_KEY or, when it is not
set, the key derived from SECRET_KEY: nobody has to enrol again. Reversible: going back
decrypts them (with the same keys configured).
"""

from django.db import migrations, models

from rapport.core import encryption


def encrypt_existing(apps, schema_editor):
    TwoFactor = apps.get_model("accounts", "TwoFactor")
    for row in list(TwoFactor.objects.only("pk", "encrypted_secret")):
        if not encryption.is_encrypted(row.encrypted_secret):  # a rerun skips done rows
            row.encrypted_secret = encryption.encrypt(row.encrypted_secret)
            row.save(update_fields=["encrypted_secret"])


def decrypt_back(apps, schema_editor):
    TwoFactor = apps.get_model("accounts", "TwoFactor")
    for row in list(TwoFactor.objects.only("pk", "encrypted_secret")):
        if not encryption.is_encrypted(row.encrypted_secret):
            continue
        try:
            row.encrypted_secret = encryption.decrypt(row.encrypted_secret)
        except encryption.Undecryptable:
            raise RuntimeError(
                f"two-factor secret {row.pk} cannot be decrypted with the configured keys: "
                "set RAPPORT_ENCRYPTION_KEY (and RAPPORT_ENCRYPTION_OLD_KEYS) as they were"
            ) from None
        row.save(update_fields=["encrypted_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_invitations"),
    ]

    operations = [
        migrations.RenameField(
            model_name="twofactor", old_name="secret", new_name="encrypted_secret"
        ),
        migrations.AlterField(
            model_name="twofactor", name="encrypted_secret", field=models.TextField()
        ),
        migrations.RunPython(encrypt_existing, decrypt_back, elidable=False),
    ]
