"""KeysFirstPaginator pages exactly like Django's Paginator (same rows, same order, same page
objects) in the same number of queries, while the database pages only keys."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerhub.pagination import KeysFirstPaginator
from partners.models import Partner

from ..factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners():
    manager = UserFactory()
    # Duplicate stages so ordering by stage needs the id tie-breaker to be stable.
    for i in range(23):
        PartnerFactory(name=f"Partner {i:02d}", stage=["prospect", "active"][i % 2], manager=manager if i % 3 else None)


@pytest.mark.parametrize("ordering", [("name", "id"), ("-stage", "name", "id"), ("manager__username", "-id")])
@pytest.mark.parametrize("orphans", [0, 2])
def test_every_page_matches_djangos_paginator(partners, ordering, orphans):
    queryset = Partner.objects.select_related("manager").prefetch_related("types").order_by(*ordering)
    expected, keys_first = Paginator(queryset, 5, orphans=orphans), KeysFirstPaginator(queryset, 5, orphans=orphans)
    assert keys_first.num_pages == expected.num_pages
    for number in expected.page_range:
        want, got = expected.page(number), keys_first.page(number)
        assert [p.pk for p in got] == [p.pk for p in want]
        assert (got.start_index(), got.end_index(), got.has_next()) == (want.start_index(), want.end_index(), want.has_next())


def test_rows_come_with_their_joins_in_as_many_queries_as_before(partners):
    queryset = Partner.objects.select_related("manager").prefetch_related("types").order_by("name", "id")
    with CaptureQueriesContext(connection) as django_queries:
        names = [
            (p.name, p.manager and p.manager.username, [t.code for t in p.types.all()]) for p in Paginator(queryset, 5).page(3)
        ]
    with CaptureQueriesContext(connection) as keys_first_queries:
        page = KeysFirstPaginator(queryset, 5).page(3)
        assert [(p.name, p.manager and p.manager.username, [t.code for t in p.types.all()]) for p in page] == names
    assert len(keys_first_queries) == len(django_queries)  # count, page (keys as a subquery), prefetch
    assert "IN (SELECT" in keys_first_queries.captured_queries[1]["sql"].upper()


def test_a_filtered_queryset_pages_only_its_rows(partners):
    queryset = Partner.objects.filter(stage="active").order_by("name", "id")
    pages = KeysFirstPaginator(queryset, 5)
    assert pages.count == 11
    assert [p.name for number in pages.page_range for p in pages.page(number)] == list(queryset.values_list("name", flat=True))


def test_a_plain_list_pages_as_usual():
    page = KeysFirstPaginator(list(range(12)), 5).get_page(3)
    assert list(page) == [10, 11]
