"""Create the role groups of docs/design.md's role table. Users are assigned to them in the admin."""

from django.db import migrations

ROLE_GROUPS = ["Partner managers", "Sales", "Marketing", "Accounting"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("partnerhub", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
