"""Recompute DealRegistration.customer_normalized after normalise_customer learnt umlaut spellings and
split legal forms ("Zuercher Kantonalbank AG" = "Zürcher Kantonalbank", "S.à r.l." = "Sàrl"), so the
duplicate warning compares old and new registrations with the same key."""

from django.db import migrations

BATCH = 500


def renormalise(apps, schema_editor):
    from activities.models import normalise_customer

    DealRegistration = apps.get_model("activities", "DealRegistration")
    changed = []
    for registration in DealRegistration.objects.only("pk", "customer", "customer_normalized").iterator(chunk_size=BATCH):
        key = normalise_customer(registration.customer)[:200]
        if key != registration.customer_normalized:
            registration.customer_normalized = key
            changed.append(registration)
        if len(changed) >= BATCH:
            DealRegistration.objects.bulk_update(changed, ["customer_normalized"])
            changed = []
    DealRegistration.objects.bulk_update(changed, ["customer_normalized"])


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0009_opportunity_source_campaign"),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
