"""Accent-insensitive search on PostgreSQL (partnerhub/search.py): the unaccent extension, an
IMMUTABLE wrapper `ph_unaccent` (unaccent itself is only STABLE, so it cannot be indexed), and
trigram indexes on UPPER(ph_unaccent(column)) for the search boxes over the big tables and the
global search. SQLite registers its own ph_unaccent on each connection; nothing to do there.

In the reporting app because the global search lives here and reads every app's tables."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ph_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""

INDEXES = {
    # PartnerFilter.search and the global search
    "partner_search_name_unacc": ("partners_partner", "name"),
    # ContactFilter.search and the global search
    "contact_search_first_unacc": ("partners_contact", "first_name"),
    "contact_search_last_unacc": ("partners_contact", "last_name"),
    "contact_search_email_unacc": ("partners_contact", "email"),
    # ActivityFilter.search and the global search
    "activity_search_subject_unacc": ("activities_activity", "subject"),
    # Opportunity and registration lists, the global search
    "opportunity_search_title_unacc": ("activities_opportunity", "title"),
    "dealreg_search_customer_unacc": ("activities_dealregistration", "customer"),
    "campaign_search_title_unacc": ("activities_campaign", "title"),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(FUNCTION)
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER(ph_unaccent("{column}")) gin_trgm_ops)'
        )
    for table in sorted({table for table, _column in INDEXES.values()}):
        schema_editor.execute(f'ANALYZE "{table}"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS ph_unaccent(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_calendar_feed_etag"),
        ("partners", "0009_date_bounds_and_text_lengths"),
        ("activities", "0007_date_bounds_and_text_lengths"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
