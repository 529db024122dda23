# Delivery now lives in rapport.outbox (see outbox/0001_initial): only Django's state forgets
# it here; the table and its rows were taken over there.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_team_waiting_index"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Delivery")],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name="message",
            name="delivery_status",
            field=models.CharField(blank=True, choices=[("", "—"), ("queued", "Sending"), ("sent", "Sent"), ("failed", "Not delivered"), ("unknown", "May have been sent")], default="", max_length=8),
        ),
    ]
