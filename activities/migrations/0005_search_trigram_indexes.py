from django.db import migrations

from partnerhub.migration_operations import CreateTrigramSearchIndexes


class Migration(migrations.Migration):
    dependencies = [("activities", "0004_dealreg_list_newest_idx")]

    operations = [
        # ActivityFilter.search_fields
        CreateTrigramSearchIndexes(
            "activity", {"activity_search_subject_trgm": "subject", "activity_search_notes_trgm": "notes"}
        ),
        # DealRegistrationFilter.search_fields
        CreateTrigramSearchIndexes(
            "dealregistration",
            {
                "dealreg_search_customer_trgm": "customer",
                "dealreg_search_regid_trgm": "registration_id",
                "dealreg_search_products_trgm": "products",
            },
        ),
        # OpportunityFilter.search_fields
        CreateTrigramSearchIndexes(
            "opportunity", {"opportunity_search_title_trgm": "title", "opportunity_search_customer_trgm": "end_customer"}
        ),
    ]
