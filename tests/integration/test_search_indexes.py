"""The lists' search boxes are served by trigram indexes on PostgreSQL (a rare term used to scan
all 500,000 activities). Checked against the real database: the indexes exist after migrating,
and the planner uses them for the filters' own query."""

import pytest
from django.db import connection

from activities.filters import ActivityFilter
from activities.models import Activity
from partners.filters import ContactFilter, PartnerFilter
from partners.models import Contact, Partner

pytestmark = pytest.mark.django_db

EXPECTED = {
    "partners_partner": {
        "partner_search_name_trgm",
        "partner_search_markets_trgm",
        "partner_search_level_trgm",
        "partner_search_products_trgm",
    },
    "partners_contact": {
        "contact_search_first_trgm",
        "contact_search_last_trgm",
        "contact_search_email_trgm",
        "contact_search_title_trgm",
    },
    "activities_activity": {"activity_search_subject_trgm", "activity_search_notes_trgm"},
    "activities_dealregistration": {"dealreg_search_customer_trgm", "dealreg_search_regid_trgm", "dealreg_search_products_trgm"},
    "activities_opportunity": {"opportunity_search_title_trgm", "opportunity_search_customer_trgm"},
}


def test_every_search_index_exists(postgresql):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"])
        found = {}
        for table, index in cursor.fetchall():
            found.setdefault(table, set()).add(index)
    for table, indexes in EXPECTED.items():
        assert indexes <= found.get(table, set()), table


@pytest.mark.parametrize(
    ("filterset", "model", "index"),
    [
        (ActivityFilter, Activity, "activity_search_subject_trgm"),
        (PartnerFilter, Partner, "partner_search_name_trgm"),
        (ContactFilter, Contact, "contact_search_last_trgm"),
    ],
)
def test_the_search_query_uses_its_index(postgresql, filterset, model, index):
    # The filter's own search condition alone (unordered, no other filters): with no rows to go
    # by, the planner would otherwise walk an ordering or archived index.
    queryset = filterset(queryset=model.objects.all()).search(model.objects.order_by(), "q", "rare-term")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # An empty table makes a sequential scan cheapest; judge the plan as for a large table.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
