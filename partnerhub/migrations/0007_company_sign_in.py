"""The sign-in models move from the former `accounts` app into partnerhub (partnerhub/company_sign_in/).

One migration for both kinds of database:
- a database that ran accounts.0001_initial (production before the move) keeps its rows: the
  tables accounts_companyidentity and accounts_signinevent are renamed to partnerhub_*, and on
  PostgreSQL their sequences, indexes and constraints named after the old table are renamed with
  them; the content types (so the admin's permissions and log entries) move to partnerhub;
- a fresh database gets the tables created.
The accounts app's django_migrations row stays, so reversing this migration gives the tables
(and content types) back to accounts on a database that had them, and drops them otherwise.
Sessions signed in by the company backend under its old path ("accounts.backends...") are not
carried over: those people sign in again once (one click through the provider).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

OLD_APP = "accounts"
MODELS = {"CompanyIdentity": "accounts_companyidentity", "SignInEvent": "accounts_signinevent"}


def _rename_table(schema_editor, model, old_table: str, new_table: str) -> None:
    schema_editor.alter_db_table(model, old_table, new_table)
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return  # SQLite: the table's indexes keep their names (they are found by column, not by name)
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [new_table])
        (sequence,) = cursor.fetchone()
        if sequence and sequence.split(".")[-1].strip('"') == f"{old_table}_id_seq":
            schema_editor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {quote(new_table + '_id_seq')}")
        constraints = connection.introspection.get_constraints(cursor, new_table)
    for name, details in constraints.items():
        if not name.startswith(old_table + "_"):
            continue  # the named constraints and indexes (company_identity_unique_subject, ...) keep their names
        new_name = (new_table + name[len(old_table) :])[:63]
        if details["index"] and not (details["primary_key"] or details["unique"]):
            schema_editor.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(new_name)}")
        else:  # primary key, foreign key: the constraint (and the index behind it) is renamed
            schema_editor.execute(f"ALTER TABLE {quote(new_table)} RENAME CONSTRAINT {quote(name)} TO {quote(new_name)}")


def _move_content_types(apps, schema_editor, *, from_label: str, to_label: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    objects = content_type.objects.using(schema_editor.connection.alias)
    names = [name.lower() for name in MODELS]
    taken = set(objects.filter(app_label=to_label, model__in=names).values_list("model", flat=True))
    objects.filter(app_label=from_label, model__in=[name for name in names if name not in taken]).update(app_label=to_label)


def take_over_or_create(apps, schema_editor):
    tables = set(schema_editor.connection.introspection.table_names())
    for name, old_table in MODELS.items():
        model = apps.get_model("partnerhub", name)
        if old_table in tables:
            _rename_table(schema_editor, model, old_table, model._meta.db_table)
        else:
            schema_editor.create_model(model)
    _move_content_types(apps, schema_editor, from_label=OLD_APP, to_label="partnerhub")


def give_back_or_drop(apps, schema_editor):
    had_accounts = (OLD_APP, "0001_initial") in MigrationRecorder(schema_editor.connection).applied_migrations()
    for name, old_table in MODELS.items():
        model = apps.get_model("partnerhub", name)
        if had_accounts:
            _rename_table(schema_editor, model, model._meta.db_table, old_table)
        else:
            schema_editor.delete_model(model)
    if had_accounts:
        _move_content_types(apps, schema_editor, from_label="partnerhub", to_label=OLD_APP)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerhub", "0006_notification_settings"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CompanyIdentity",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("issuer", models.CharField(help_text="The provider's issuer (the ID token's iss).", max_length=255)),
                        (
                            "subject",
                            models.CharField(help_text="The provider's account id (the ID token's sub).", max_length=255),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("last_sign_in_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="company_identities",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "company identity",
                        "verbose_name_plural": "company identities",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("issuer", "subject"),
                                name="company_identity_unique_subject",
                                violation_error_message="This provider account is already linked to a user.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("issuer", ""), _negated=True), models.Q(("subject", ""), _negated=True)
                                ),
                                name="company_identity_issuer_subject_set",
                                violation_error_message="Issuer and subject are both required.",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SignInEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "method",
                            models.CharField(
                                choices=[("local", "Username and password"), ("company", "Company account")], max_length=16
                            ),
                        ),
                        ("succeeded", models.BooleanField()),
                        (
                            "username",
                            models.CharField(blank=True, help_text="What was typed, or the account signed in.", max_length=150),
                        ),
                        ("reason", models.CharField(blank=True, help_text="Why it failed (a short code).", max_length=64)),
                        ("detail", models.TextField(blank=True, help_text="What happened, in words (and the provider's error).")),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("user_agent", models.CharField(blank=True, max_length=300)),
                        ("issuer", models.CharField(blank=True, max_length=255)),
                        ("subject", models.CharField(blank=True, max_length=255)),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="sign_in_events",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["-created_at", "-id"], name="sign_in_event_recent_idx")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("method__in", ["local", "company"])),
                                name="sign_in_event_method_known",
                                violation_error_message="Unknown sign-in method.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("succeeded", True), models.Q(("reason", ""), _negated=True), _connector="OR"),
                                name="sign_in_event_failure_has_reason",
                                violation_error_message="A failed sign-in needs a reason.",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(take_over_or_create, give_back_or_drop),
    ]
