"""The fixes issue 8's benchmark led to, pinned at small scale: the partner filter's select stays
small with many partners at the same query count; deep keyset pages use the index condition."""

import pytest
from django.urls import reverse

from partnerhub import filters as partner_filters
from tests.activities.factories import ActivityFactory, DealRegistrationFactory
from tests.factories import PartnerFactory


def _options(response) -> list[str]:
    field = response.context["filter"].form["partner"]
    return [label for value, label in field.field.choices if value != ""]


@pytest.fixture
def few_options(monkeypatch):
    monkeypatch.setattr(partner_filters, "OPTIONS_LIMIT", 2)


def test_partner_select_lists_everyone_below_the_limit(manager_client):
    names = sorted(PartnerFactory(name=f"Partner {i}").name for i in range(3))
    response = manager_client.get(reverse("activities:feed"))
    assert _options(response) == names


def test_above_the_limit_the_page_lists_the_chosen_partner_and_still_filters(manager_client, few_options):
    others = [PartnerFactory(name=f"Other {i}") for i in range(3)]
    ActivityFactory(partner=others[1], subject="At the other partner")
    ActivityFactory(partner=others[2], subject="Elsewhere")
    response = manager_client.get(reverse("activities:feed"), {"partner": others[1].pk})
    assert _options(response) == ["Other 1"]
    # Any partner still filters (links from a partner page pass its id).
    assert [a.subject for a in response.context["activities"]] == ["At the other partner"]


def test_above_the_limit_a_filterset_with_the_request_lists_own_and_chosen(manager, rf, few_options):
    from activities.filters import ActivityFilter
    from activities.models import Activity

    PartnerFactory(name="Own partner", manager=manager)
    others = [PartnerFactory(name=f"Other {i}") for i in range(3)]
    request = rf.get("/")
    request.user = manager
    filterset = ActivityFilter({"partner": str(others[2].pk)}, queryset=Activity.objects.all(), request=request)
    assert [label for value, label in filterset.form["partner"].field.choices if value != ""] == ["Other 2", "Own partner"]


@pytest.mark.parametrize("partners", [1, 5])
def test_the_limited_select_costs_no_extra_query(partners, manager, manager_client, few_options, django_assert_num_queries):
    for i in range(partners):
        PartnerFactory(name=f"P{i}", manager=manager if i % 2 else None)
    # session, user, keyset page, partner options (one query, limited or not), author options
    with django_assert_num_queries(5):
        manager_client.get(reverse("activities:feed"))


@pytest.mark.parametrize("rows", [1, 50])
def test_registration_list_query_count_is_flat(rows, manager_client, django_assert_num_queries):
    DealRegistrationFactory.create_batch(rows)
    with django_assert_num_queries(6):
        response = manager_client.get(reverse("activities:registrations"))
    assert response.status_code == 200


def test_deep_feed_page_bounds_the_date_for_the_index(manager_client):
    partner = PartnerFactory()
    ActivityFactory.create_batch(30, partner=partner)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = manager_client.get(reverse("activities:feed"))
    cursor = first.context["next_cursor"] if "next_cursor" in first.context else None
    if cursor is None:
        pytest.skip("the feed exposes no next cursor in its context")  # pragma: no cover
    with CaptureQueriesContext(connection) as queries:
        deep = manager_client.get(reverse("activities:feed"), {"before": cursor})
    page_sql = next(q["sql"] for q in queries if 'FROM "activities_activity"' in q["sql"] and "LIMIT" in q["sql"])
    assert '"activities_activity"."occurred_on" <=' in page_sql
    assert len(deep.context["activities"]) == 5


@pytest.mark.parametrize("value", ["²", "9" * 30, "-1", "abc"])
def test_hostile_partner_values_do_not_break_the_limited_select(value, manager_client, few_options):
    PartnerFactory.create_batch(3)
    response = manager_client.get(reverse("activities:feed"), {"partner": value})
    assert response.status_code == 200
    assert _options(response) == []


def test_above_the_limit_the_claim_list_lists_the_chosen_allocation_and_still_filters(manager, manager_client, few_options):
    from tests.funds.factories import FundAllocationFactory, FundClaimFactory

    allocations = [FundAllocationFactory(partner=PartnerFactory(name=f"Vendor {i}")) for i in range(3)]
    FundClaimFactory(allocation=allocations[1], title="Chosen")
    FundClaimFactory(allocation=allocations[2], title="Other")
    response = manager_client.get(reverse("funds:claims"), {"allocation": allocations[1].pk})
    options = [value for value, label in response.context["filter"].form["allocation"].field.choices if value != ""]
    assert [int(str(value)) for value in options] == [allocations[1].pk]
    assert [claim.title for claim in response.context["page_obj"]] == ["Chosen"]


def test_the_claim_list_select_lists_every_allocation_below_the_limit(manager_client):
    from tests.funds.factories import FundAllocationFactory

    allocations = [FundAllocationFactory(partner=PartnerFactory(name=f"Vendor {i}")) for i in (2, 1, 3)]
    response = manager_client.get(reverse("funds:claims"))
    labels = [label for value, label in response.context["filter"].form["allocation"].field.choices if value != ""]
    assert labels == [str(a) for a in sorted(allocations, key=lambda a: a.partner.name)]
