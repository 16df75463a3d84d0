import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import FundAllocationFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def make_invoices():
    today = timezone.localdate()
    chf = FundAllocationFactory(currency="CHF")
    eur = FundAllocationFactory(currency="EUR")
    overdue = InvoiceFactory(
        number="OVERDUE-CHF", claim__allocation=chf, issued_on=today - timedelta(days=40), due_on=today - timedelta(days=10)
    )
    InvoiceFactory(
        number="OVERDUE-EUR",
        claim__allocation=eur,
        issued_on=today - timedelta(days=40),
        due_on=today - timedelta(days=1),
        claim__requested_amount=Decimal("700"),
        claim__approved_amount=Decimal("700"),
    )
    open_ = InvoiceFactory(number="OPEN-CHF", claim__allocation=chf, issued_on=today, due_on=today)  # due today: not overdue yet
    paid = InvoiceFactory(number="PAID-CHF", claim__allocation=chf, issued_on=today.replace(day=1), paid_on=today)
    old_paid = InvoiceFactory(
        number="PAID-LONG-AGO",
        claim__allocation=chf,
        issued_on=today - timedelta(days=100),
        due_on=today - timedelta(days=70),
        paid_on=today - timedelta(days=65),
    )
    return overdue, open_, paid, old_paid


class TestAccounting:
    def test_groups_and_totals_per_currency(self, accounting_client):
        make_invoices()
        response = accounting_client.get(reverse("funds:accounting"))
        assert response.status_code == 200
        overview = response.context["overview"]
        assert {i.number for i in overview["overdue"]["invoices"]} == {"OVERDUE-CHF", "OVERDUE-EUR"}
        assert overview["overdue"]["totals"] == {"CHF": Decimal("1000.00"), "EUR": Decimal("700.00")}
        assert [i.number for i in overview["open"]["invoices"]] == ["OPEN-CHF"]
        assert [i.number for i in overview["paid"]["invoices"]] == ["PAID-CHF"]
        assert overview["paid"]["totals"] == {"CHF": Decimal("1000.00")}
        assert b'data-testid="mark-paid"' in response.content

    def test_read_only_for_others(self, sales_client):
        make_invoices()
        response = sales_client.get(reverse("funds:accounting"))
        assert response.status_code == 200 and b'data-testid="mark-paid"' not in response.content

    def test_csv(self, accounting_client):
        make_invoices()
        rows = csv_rows(accounting_client.get(reverse("funds:accounting"), {"format": "csv"}))
        assert rows[0][0] == "Number"
        states = {r[0]: r[-1] for r in rows[1:]}
        assert states == {"OVERDUE-CHF": "overdue", "OVERDUE-EUR": "overdue", "OPEN-CHF": "open", "PAID-CHF": "paid"}

    def test_mark_paid_from_the_accounting_page(self, accounting_client):
        overdue, *_ = make_invoices()
        response = accounting_client.post(
            reverse("funds:invoice-paid", args=[overdue.pk]),
            {"paid_on": timezone.localdate().isoformat(), "next": reverse("funds:accounting")},
        )
        assert response.status_code == 302 and response["Location"] == reverse("funds:accounting")
        overdue.refresh_from_db()
        assert overdue.paid_on == timezone.localdate() and overdue.claim.status == "paid"

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, accounting_client, django_assert_num_queries):
        today = timezone.localdate()
        for n in range(rows):
            InvoiceFactory(issued_on=today - timedelta(days=40), due_on=today - timedelta(days=n % 20 + 1))
            InvoiceFactory(issued_on=today, paid_on=today)
            InvoiceFactory(issued_on=today)
        # session, user, totals, overdue, open, paid this month
        with django_assert_num_queries(6):
            assert accounting_client.get(reverse("funds:accounting")).status_code == 200


class TestInvoiceList:
    def test_state_filters(self, outsider_client):
        make_invoices()
        url = reverse("funds:invoices")
        numbers = lambda params: {i.number for i in outsider_client.get(url, params).context["page_obj"]}  # noqa: E731
        assert numbers({"state": "overdue"}) == {"OVERDUE-CHF", "OVERDUE-EUR"}
        assert numbers({"state": "open"}) == {"OPEN-CHF"}
        assert numbers({"state": "paid"}) == {"PAID-CHF", "PAID-LONG-AGO"}
        assert numbers({"currency": "EUR"}) == {"OVERDUE-EUR"}
        assert numbers({"q": "long"}) == {"PAID-LONG-AGO"}
        assert len(numbers({})) == 5

    def test_csv_respects_filters(self, outsider_client):
        make_invoices()
        rows = csv_rows(outsider_client.get(reverse("funds:invoices"), {"state": "overdue", "format": "csv"}))
        assert sorted(r[0] for r in rows[1:]) == ["OVERDUE-CHF", "OVERDUE-EUR"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        InvoiceFactory.create_batch(rows)
        # session, user, count, page (with claim, partner, paid by), partner filter options
        with django_assert_num_queries(5):
            assert manager_client.get(reverse("funds:invoices")).status_code == 200
