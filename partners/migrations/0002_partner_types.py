"""The four partner types of the domain. "Customer" is deliberately not a partner type."""

from django.db import migrations

PARTNER_TYPES = [
    ("consultant-reseller", "Consultant & Reseller"),
    ("csp", "CSP (cloud service provider)"),
    ("software-vendor", "Software Vendor"),
    ("distributor", "Distributor"),
]


def create_types(apps, schema_editor):
    PartnerType = apps.get_model("partners", "PartnerType")
    for code, name in PARTNER_TYPES:
        PartnerType.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(create_types, migrations.RunPython.noop)]
