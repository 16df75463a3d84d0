from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funds.selectors import ACCOUNTING_GROUP_ROWS, accounting_overview

from .factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def test_accounting_shows_the_first_rows_but_counts_and_totals_all():
    today = timezone.localdate()
    for _ in range(3):
        InvoiceFactory(issued_on=today - timedelta(days=60), due_on=today - timedelta(days=30))  # overdue, CHF 1000
    InvoiceFactory(issued_on=today, due_on=today + timedelta(days=30))  # open
    overview = accounting_overview(today=today, limit=2)
    assert len(overview["overdue"]["invoices"]) == 2
    assert overview["overdue"]["count"] == 3
    assert overview["overdue"]["totals"] == {"CHF": Decimal("3000.00")}
    assert overview["open"]["count"] == 1 and overview["paid"]["count"] == 0 and overview["paid"]["totals"] == {}


@pytest.mark.parametrize("rows", [1, ACCOUNTING_GROUP_ROWS + 10])
def test_accounting_page_is_capped_and_flat(rows, accounting_client, django_assert_num_queries):
    today = timezone.localdate()
    InvoiceFactory.create_batch(rows, issued_on=today - timedelta(days=60), due_on=today - timedelta(days=30))
    with django_assert_num_queries(6):  # session, user, totals per currency, overdue, open, paid
        response = accounting_client.get(reverse("funds:accounting"))
    assert len(response.context["overview"]["overdue"]["invoices"]) == min(rows, ACCOUNTING_GROUP_ROWS)
    assert (b'data-testid="more-overdue"' in response.content) == (rows > ACCOUNTING_GROUP_ROWS)
