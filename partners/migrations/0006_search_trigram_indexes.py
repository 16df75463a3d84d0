from django.db import migrations

from partnerhub.migration_operations import CreateTrigramSearchIndexes


class Migration(migrations.Migration):
    dependencies = [("partners", "0005_contact_name_idx")]

    operations = [
        # PartnerFilter.search
        CreateTrigramSearchIndexes(
            "partner",
            {
                "partner_search_name_trgm": "name",
                "partner_search_markets_trgm": "markets",
                "partner_search_level_trgm": "program_level",
                "partner_search_products_trgm": "vshn_products",
            },
        ),
        # ContactFilter.search
        CreateTrigramSearchIndexes(
            "contact",
            {
                "contact_search_first_trgm": "first_name",
                "contact_search_last_trgm": "last_name",
                "contact_search_email_trgm": "email",
                "contact_search_title_trgm": "job_title",
            },
        ),
    ]
