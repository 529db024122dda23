# The Delivery model moves here from conversations. The table and its rows stay: the first
# operation only tells Django's state that the model now lives in this app (on the old
# table), the second renames the table, the rest add what exactly-once delivery needs.
import django.db.models.deletion
from django.db import migrations, models

OLD_FIELDS = [
    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
    ("kind", models.CharField(choices=[("reply", "Reply"), ("notification", "Notification"), ("webhook", "Webhook")], max_length=16)),
    ("payload", models.JSONField(blank=True, default=dict)),
    ("state", models.CharField(choices=[("queued", "Queued"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed")], default="queued", max_length=8)),
    ("attempts", models.PositiveSmallIntegerField(default=0)),
    ("next_attempt_at", models.DateTimeField()),
    ("claimed_until", models.DateTimeField(blank=True, null=True)),
    ("last_error", models.TextField(blank=True)),
    ("external_id", models.CharField(blank=True, max_length=255)),
    ("created_at", models.DateTimeField(auto_now_add=True)),
    ("sent_at", models.DateTimeField(blank=True, null=True)),
    ("inbox", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="inboxes.inbox")),
    ("message", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="conversations.message")),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("conversations", "0002_team_waiting_index"),
        ("inboxes", "0002_inbox_kinds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Delivery",
                    fields=OLD_FIELDS,
                    options={
                        "verbose_name_plural": "deliveries",
                        "db_table": "conversations_delivery",
                        "indexes": [models.Index(condition=models.Q(("state__in", ["queued", "sending"])), fields=["next_attempt_at"], name="delivery_due")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="delivery", table=None),  # -> outbox_delivery
        migrations.AddField(
            model_name="delivery",
            name="handover_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="delivery",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="state",
            field=models.CharField(choices=[("queued", "Queued"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Not delivered"), ("unknown", "May have been sent")], default="queued", max_length=8),
        ),
    ]
