import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funds.models import FundAllocation

from ..factories import PartnerFactory
from .factories import FundAllocationFactory, FundClaimFactory, InvoiceFactory, approved_claim

pytestmark = pytest.mark.django_db

WRITERS_OF_CLAIMS = ["manager_client", "marketing_client", "admin_client_"]
NOT_WRITERS_OF_CLAIMS = ["sales_client", "accounting_client", "outsider_client"]


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def allocation_post(partner, **overrides):
    data = {
        "partner": partner.pk,
        "kind": "mdf",
        "period_label": "FY2026 H1",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "amount": "25000.00",
        "currency": "CHF",
        "tool_name": "Partner Connect",
        "tool_reference": "MDF-1",
        "tool_url": "https://partner.example/mdf/1",
        "claim_deadline_days": "90",
        "notes": "",
    }
    data.update(overrides)
    return data


def claim_post(allocation, **overrides):
    data = {
        "allocation": allocation.pk,
        "title": "Roadshow Zurich",
        "activity_start": "2026-03-01",
        "activity_end": "2026-03-02",
        "requested_amount": "1500.50",
        "currency": allocation.currency,
        "description": "",
    }
    data.update(overrides)
    return data


# --- Allocations -----------------------------------------------------------------------------------


class TestAllocationList:
    def test_shows_utilisation_and_totals_per_currency(self, outsider_client):
        chf = FundAllocationFactory(amount=Decimal("10000"), currency="CHF", partner__name="Alpha AG")
        FundAllocationFactory(amount=Decimal("5000"), currency="CHF")
        eur = FundAllocationFactory(amount=Decimal("8000"), currency="EUR")
        approved_claim(allocation=chf, requested_amount=Decimal("3000"), approved_amount=Decimal("2500"))
        InvoiceFactory(
            claim__allocation=chf,
            claim__requested_amount=Decimal("1000"),
            claim__approved_amount=Decimal("1000"),
            paid_on=timezone.localdate(),
        )
        FundClaimFactory(allocation=eur, requested_amount=Decimal("900"))  # a draft uses nothing up
        response = outsider_client.get(reverse("funds:allocations"))
        assert response.status_code == 200
        totals = {u.currency: u for u in response.context["totals"]}
        assert set(totals) == {"CHF", "EUR"}  # never summed across currencies
        assert totals["CHF"].allocated == Decimal("15000")
        assert totals["CHF"].approved == Decimal("3500")
        assert totals["CHF"].invoiced == Decimal("1000") and totals["CHF"].paid == Decimal("1000")
        assert totals["CHF"].remaining == Decimal("11500")
        assert totals["EUR"].approved == 0 and totals["EUR"].remaining == Decimal("8000")
        row = {a.pk: u for a, u in response.context["rows"]}[chf.pk]
        assert (row.approved, row.invoiced, row.paid, row.remaining) == (
            Decimal("3500"),
            Decimal("1000"),
            Decimal("1000"),
            Decimal("6500"),
        )
        assert row.approved_pct == 35 and row.paid_pct == 10
        assert b'data-testid="utilisation-bar"' in response.content

    def test_filters_and_csv(self, outsider_client):
        FundAllocationFactory(currency="EUR", partner__name="Euro GmbH")
        FundAllocationFactory(currency="CHF", partner__name="Franken AG")
        response = outsider_client.get(reverse("funds:allocations"), {"currency": "EUR"})
        assert [a.partner.name for a, _ in response.context["rows"]] == ["Euro GmbH"]
        rows = csv_rows(outsider_client.get(reverse("funds:allocations"), {"currency": "EUR", "format": "csv"}))
        assert rows[0][:3] == ["Partner", "Kind", "Period"] and [r[0] for r in rows[1:]] == ["Euro GmbH"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        for _ in range(rows):
            approved_claim(allocation=FundAllocationFactory())
        # session, user, count, page (annotated), totals per currency, partner filter options
        with django_assert_num_queries(6):
            assert manager_client.get(reverse("funds:allocations")).status_code == 200


class TestAllocationCreateEdit:
    @pytest.mark.parametrize("persona", WRITERS_OF_CLAIMS)
    def test_roles_that_may_create(self, persona, request):
        partner = PartnerFactory()
        response = request.getfixturevalue(persona).post(reverse("funds:allocation-create"), allocation_post(partner))
        allocation = FundAllocation.objects.get()
        assert response.status_code == 302 and response["Location"] == allocation.get_absolute_url()
        assert allocation.amount == Decimal("25000.00") and allocation.created_by is not None

    @pytest.mark.parametrize("persona", NOT_WRITERS_OF_CLAIMS)
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        partner = PartnerFactory()
        allocation = FundAllocationFactory()
        assert client.get(reverse("funds:allocation-create")).status_code == 403
        assert client.post(reverse("funds:allocation-create"), allocation_post(partner)).status_code == 403
        assert (
            client.post(reverse("funds:allocation-edit", args=[allocation.pk]), allocation_post(partner, amount="1")).status_code
            == 403
        )
        allocation.refresh_from_db()
        assert allocation.amount == Decimal("10000.00") and FundAllocation.objects.count() == 1

    def test_anonymous_is_sent_to_login(self, client):
        for url in [reverse("funds:allocations"), reverse("funds:allocation-create")]:
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize(
        "field,value,message",
        [
            ("amount", "-5", "greater than zero"),
            ("amount", "0", "greater than zero"),
            ("amount", "100.001", "at most 2 decimal places"),
            ("amount", "abc", "number"),
            ("currency", "XYZ", "valid choice"),
            ("period_end", "2025-12-31", "cannot end before it starts"),
            ("claim_deadline_days", "0", "at least one day"),
            ("tool_url", "javascript:alert(1)", "valid URL"),
            ("period_label", "", "required"),
        ],
    )
    def test_bad_input_is_a_form_error_and_saves_nothing(self, manager_client, field, value, message):
        partner = PartnerFactory()
        response = manager_client.post(reverse("funds:allocation-create"), allocation_post(partner, **{field: value}))
        assert response.status_code == 200
        assert message in str(response.context["form"].errors)
        assert not FundAllocation.objects.exists()

    def test_duplicate_period_is_a_form_error(self, manager_client):
        partner = PartnerFactory()
        FundAllocationFactory(partner=partner, kind="mdf", period_label="FY2026 H1")
        response = manager_client.post(reverse("funds:allocation-create"), allocation_post(partner, period_label="fy2026   h1"))
        assert response.status_code == 200 and "already has an allocation" in str(response.context["form"].errors)
        assert FundAllocation.objects.count() == 1

    def test_edit_moves_claim_deadlines(self, manager_client):
        allocation = FundAllocationFactory(claim_deadline_days=90)
        claim = FundClaimFactory(allocation=allocation)
        response = manager_client.post(
            reverse("funds:allocation-edit", args=[allocation.pk]),
            allocation_post(
                allocation.partner,
                claim_deadline_days="30",
                period_start=allocation.period_start,
                period_end=allocation.period_end,
            ),
        )
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.claim_deadline == claim.activity_end + timedelta(days=30)

    def test_cannot_shrink_below_what_is_approved(self, manager_client):
        allocation = FundAllocationFactory(amount=Decimal("5000"))
        approved_claim(allocation=allocation, requested_amount=Decimal("4000"), approved_amount=Decimal("4000"))
        response = manager_client.post(
            reverse("funds:allocation-edit", args=[allocation.pk]),
            allocation_post(
                allocation.partner, amount="3000", period_start=allocation.period_start, period_end=allocation.period_end
            ),
        )
        assert response.status_code == 200 and "already approved" in str(response.context["form"].errors)
        allocation.refresh_from_db()
        assert allocation.amount == Decimal("5000")

    def test_currency_cannot_change_under_claims(self, manager_client):
        allocation = FundAllocationFactory(currency="CHF")
        FundClaimFactory(allocation=allocation)
        response = manager_client.post(
            reverse("funds:allocation-edit", args=[allocation.pk]),
            allocation_post(
                allocation.partner, currency="EUR", period_start=allocation.period_start, period_end=allocation.period_end
            ),
        )
        assert response.status_code == 200 and "currency cannot change" in str(response.context["form"].errors)
        allocation.refresh_from_db()
        assert allocation.currency == "CHF"


class TestAllocationDetail:
    def test_shows_claims_and_utilisation(self, outsider_client):
        allocation = FundAllocationFactory(amount=Decimal("2000"))
        approved_claim(
            allocation=allocation, title="Approved one", requested_amount=Decimal("500"), approved_amount=Decimal("500")
        )
        response = outsider_client.get(allocation.get_absolute_url())
        assert response.status_code == 200
        assert b"Approved one" in response.content
        assert response.context["utilisation"].remaining == Decimal("1500")

    def test_unknown_is_404(self, outsider_client):
        assert outsider_client.get(reverse("funds:allocation-detail", args=[999])).status_code == 404

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        allocation = FundAllocationFactory()
        for _ in range(rows):
            InvoiceFactory(claim__allocation=allocation)
        # session, user, allocation (annotated), claims with invoices
        with django_assert_num_queries(4):
            assert manager_client.get(allocation.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("model", ["fundallocation", "fundclaim", "proofdocument", "invoice"])
def test_admin_pages(model, admin_client_):
    InvoiceFactory()
    assert admin_client_.get(reverse(f"admin:funds_{model}_changelist")).status_code == 200
    # Invoices are issued from the claim page (the claim moves to invoiced with it), never added in the admin.
    assert admin_client_.get(reverse(f"admin:funds_{model}_add")).status_code == (403 if model == "invoice" else 200)
