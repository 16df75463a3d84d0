"""The commissions' history page (issue 18, item 5): each commission's way owed -> invoiced -> paid (who,
when, the partner's invoice number) from its audit history, per partner and across partners; filters,
CSV, roles, bad filter input, flat query count."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from activities import services as activity_services
from funds import commissions
from funds.models import Commission, CommissionAgreement

from ..activities.factories import OpportunityFactory
from ..factories import PartnerFactory, partner_type
from .test_commissions import WON, win

pytestmark = pytest.mark.django_db
URL = reverse("funds:commission-history")


def reseller_with_agreement(name: str):
    partner = PartnerFactory(name=name, types=[partner_type("consultant-reseller")])
    CommissionAgreement.objects.create(
        partner=partner, kind="percentage", percent=Decimal("10"), currency="CHF", valid_from=date(2026, 1, 1), payment_days=30
    )
    return partner


def paid_commission(partner, by, number="R-1", title="Managed OpenShift"):
    deal = win(OpportunityFactory(partner=partner, source="partner_sourced", stage="lead", title=title, value=Decimal("5000")))
    commission = Commission.objects.get(opportunity=deal)
    commissions.commission_mark_invoiced(commission_id=commission.pk, invoice_number=number, invoiced_on=WON, by=by)
    commissions.commission_mark_paid(commission_id=commission.pk, paid_on=WON + timedelta(days=5), by=by)
    return deal, commission


def texts(response) -> list[str]:
    return [
        " ".join(str(v) for v in (row.event, row.partner.name, row.partner_invoice_number))
        for row in response.context["page_obj"]
    ]


class TestHistory:
    def test_owed_invoiced_paid_with_who_and_the_invoice_number(self, accounting_client, accounting):
        accounting.first_name, accounting.last_name = "Anna", "Buchhalter"
        accounting.save()
        partner = reseller_with_agreement("Adfinis")
        paid_commission(partner, accounting, number="AD-2026-17")
        response = accounting_client.get(URL)
        assert response.status_code == 200
        events = [row.event for row in response.context["page_obj"]]
        assert events == ["Invoiced by the partner \u2192 Paid", "Owed \u2192 Invoiced by the partner", "Created: owed"]
        html = response.content.decode()
        assert "AD-2026-17" in html and "Anna Buchhalter" in html and "CHF 500.00" in html and "15.06.2026" in html
        assert f'href="{URL}"' in accounting_client.get(reverse("funds:commissions")).content.decode()

    def test_the_deal_leaving_won_is_in_the_history(self, manager_client, accounting):
        partner = reseller_with_agreement("Puzzle")
        deal, _ = paid_commission(partner, accounting)
        deal.stage = "lost"
        activity_services.opportunity_save(opportunity=deal)
        unpaid = win(OpportunityFactory(partner=partner, source="partner_sourced", stage="lead", title="Unpaid"))
        unpaid.stage = "negotiation"
        activity_services.opportunity_save(opportunity=unpaid)
        events = [row.event for row in manager_client.get(URL).context["page_obj"]]
        assert events[:3] == [
            "Removed (the deal left won before it was paid)",
            "Created: owed",
            "Deal no longer won after payment",
        ]

    def test_filters_per_partner_status_and_days_and_csv(self, accounting_client, accounting):
        one, two = reseller_with_agreement("Adfinis"), reseller_with_agreement("Puzzle")
        paid_commission(one, accounting, number="AD-1")
        win(OpportunityFactory(partner=two, source="partner_sourced", stage="lead", title="Owed only"))
        response = accounting_client.get(URL, {"partner": two.pk})
        assert [row.partner for row in response.context["page_obj"]] == [two]
        response = accounting_client.get(URL, {"status": "paid"})
        assert [row.event for row in response.context["page_obj"]] == ["Invoiced by the partner \u2192 Paid"]
        today = date.today()
        assert len(accounting_client.get(URL, {"changed_after": today - timedelta(days=1)}).context["page_obj"]) == 4
        assert len(accounting_client.get(URL, {"changed_before": today - timedelta(days=1)}).context["page_obj"]) == 0
        response = accounting_client.get(URL, {"partner": one.pk, "format": "csv"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert table[0][:5] == ["Changed", "By", "Partner", "Deal", "Change"]
        assert [row[4] for row in table[1:]] == [
            "Invoiced by the partner \u2192 Paid",
            "Owed \u2192 Invoiced by the partner",
            "Created: owed",
        ]
        assert table[1][9] == "AD-1" and table[1][11] == "15.06.2026" and {row[2] for row in table[1:]} == {"Adfinis"}

    @pytest.mark.parametrize(
        "params",
        [
            {"partner": "999999"},
            {"partner": "x"},
            {"status": "stolen"},
            {"changed_after": "2026-13-45"},
            {"changed_before": "9999-01-01"},
            {"page": "-1"},
            {"page": "99999"},
        ],
    )
    def test_bad_filter_input_never_fails(self, accounting_client, accounting, params):
        paid_commission(reseller_with_agreement("Adfinis"), accounting)
        assert accounting_client.get(URL, params).status_code == 200

    def test_roles(self, manager_client, accounting_client, sales_client, marketing_client, outsider_client, client):
        assert manager_client.get(URL).status_code == 200 and accounting_client.get(URL).status_code == 200
        for persona in (sales_client, marketing_client, outsider_client):
            assert persona.get(URL).status_code == 403
            assert 'id="commission-history"' not in persona.get(reverse("funds:commissions")).content.decode()
        assert client.get(URL).status_code == 302  # anonymous: to the sign-in page

    @pytest.mark.parametrize("n", [1, 30])
    def test_query_count_is_flat(self, n, accounting_client, accounting, django_assert_num_queries):
        for index in range(n):
            paid_commission(reseller_with_agreement(f"Reseller {index:02d}"), accounting, number=f"R-{index}")
        # session, user, count, page (partner, user and the status before joined or sub-selected),
        # the partner filter's choices
        with django_assert_num_queries(5):
            response = accounting_client.get(URL)
        assert response.status_code == 200 and len(response.context["page_obj"]) == min(3 * n, 25)
        with django_assert_num_queries(3):  # session, user, all rows (read while the answer streams)
            response = accounting_client.get(URL, {"format": "csv"})
            assert len(b"".join(response.streaming_content).decode("utf-8-sig").splitlines()) == 1 + 3 * n


def test_the_partner_section_links_to_the_partners_history_for_those_who_read_it(accounting_client, outsider_client):
    partner = reseller_with_agreement("Adfinis")
    section = reverse("partners:section", args=[partner.slug, "commissions"])
    link = f'href="{URL}?partner={partner.pk}"'
    assert link in accounting_client.get(section, HTTP_HX_REQUEST="true").content.decode()
    assert link not in outsider_client.get(section, HTTP_HX_REQUEST="true").content.decode()
