"""Sessions stored before ``core/sessions.py`` are kept under a hash of their key, so
nobody is signed out by the upgrade; expired ones are dropped.

Going back cannot recover the keys from their hashes: it deletes every session, and
everyone signs in again.
"""

from django.db import migrations
from django.utils import timezone

from rapport.core.sessions import STORED_KEY_LENGTH, stored_key


def hash_stored_keys(apps, schema_editor):
    Session = apps.get_model("sessions", "Session")
    Session.objects.filter(expire_date__lte=timezone.now()).delete()
    # Django's keys are 32 characters; a stored hash is 40 (a rerun leaves those alone).
    plain = list(Session.objects.exclude(session_key__regex=rf"^[0-9a-f]{{{STORED_KEY_LENGTH}}}$"))
    Session.objects.bulk_create(
        Session(
            session_key=stored_key(row.session_key),
            session_data=row.session_data,
            expire_date=row.expire_date,
        )
        for row in plain
    )
    Session.objects.filter(pk__in=[row.pk for row in plain]).delete()


def sign_everyone_out(apps, schema_editor):
    apps.get_model("sessions", "Session").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(hash_stored_keys, sign_everyone_out, elidable=False),
    ]
