"""Invitation mails queued before the link was encrypted in the outbox row
(conversations/notifications.py) get their text encrypted too: a database backup then
holds no link that opens a seat. Reversible: going back decrypts them (with the same
keys configured)."""

from django.db import migrations

from rapport.core import encryption

# Only our own invitation mail carries a link to this path (accounts.actions.invitations).
INVITATION_LINK = "/invitations/"


def encrypt_links(apps, schema_editor):
    Delivery = apps.get_model("outbox", "Delivery")
    for row in list(Delivery.objects.filter(kind="notification").only("pk", "payload")):
        body = row.payload.get("body")
        if isinstance(body, str) and INVITATION_LINK in body:
            payload = {k: v for k, v in row.payload.items() if k != "body"}
            row.payload = {**payload, "encrypted_body": encryption.encrypt(body)}
            row.save(update_fields=["payload"])


def decrypt_links(apps, schema_editor):
    Delivery = apps.get_model("outbox", "Delivery")
    for row in list(Delivery.objects.filter(kind="notification").only("pk", "payload")):
        if "encrypted_body" not in row.payload:
            continue
        try:
            body = encryption.decrypt(row.payload["encrypted_body"])
        except encryption.Undecryptable:
            raise RuntimeError(
                f"delivery {row.pk} cannot be decrypted with the configured keys: set "
                "RAPPORT_ENCRYPTION_KEY (and RAPPORT_ENCRYPTION_OLD_KEYS) as they were"
            ) from None
        payload = {k: v for k, v in row.payload.items() if k != "encrypted_body"}
        row.payload = {**payload, "body": body}
        row.save(update_fields=["payload"])


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(encrypt_links, decrypt_links, elidable=False),
    ]
