from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnerhub", "0003_outgoing_email"),
    ]

    operations = [
        migrations.CreateModel(
            name="SweepStatus",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=64, unique=True)),
                ("last_run_at", models.DateTimeField(blank=True, null=True)),
                ("last_count", models.PositiveIntegerField(default=0, help_text="Sent or updated by the last run.")),
                ("last_success_at", models.DateTimeField(blank=True, help_text="The last run without any failure.", null=True)),
                ("last_failure_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.TextField(blank=True)),
                ("last_failed_object", models.CharField(blank=True, max_length=255)),
                ("last_traceback", models.TextField(blank=True)),
            ],
            options={
                "verbose_name_plural": "sweep statuses",
                "ordering": ["name"],
            },
        ),
    ]
