"""Every column the list searches read (partnerhub/search.py matches()) gets its accent-insensitive
trigram index: the search ORs its columns, and PostgreSQL uses indexes for an OR only when every
branch has one, so 0007's indexes on some columns left the partner and activity searches on
sequential scans (tests/integration/test_search_indexes.py)."""

from django.db import migrations

INDEXES = {
    "partner_search_markets_unacc": ("partners_partner", "markets"),
    "partner_search_level_unacc": ("partners_partner", "program_level"),
    "partner_search_products_unacc": ("partners_partner", "vshn_products"),
    "contact_search_title_unacc": ("partners_contact", "job_title"),
    "activity_search_notes_unacc": ("activities_activity", "notes"),
    "opportunity_search_customer_unacc": ("activities_opportunity", "end_customer"),
    "dealreg_search_regid_unacc": ("activities_dealregistration", "registration_id"),
    "dealreg_search_products_unacc": ("activities_dealregistration", "products"),
    "campaign_search_description_unacc": ("activities_campaign", "description"),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
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


class Migration(migrations.Migration):
    dependencies = [("reporting", "0008_quarterly_reviews")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
