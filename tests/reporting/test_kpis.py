"""Partner KPIs (issue 18, item 3): portfolio page with charts and CSV, partner section; each KPI
defined in words; no data instead of 0 %; currencies never summed; pinned flat query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import quarter_of
from reporting import kpis
from reporting.models import QuarterlyReview

from ..activities.factories import CampaignFactory, DealRegistrationFactory, OpportunityFactory
from ..factories import ContractFactory, PartnerFactory, partner_type
from ..funds.factories import FundAllocationFactory, FundClaimFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)  # 2026-Q4; the four quarters shown are 2026-Q1 to 2026-Q4


def table_rows(table) -> list[list]:
    return [list(map(str, row)) for row in table.rows]


class TestDefinitions:
    def test_time_to_first_deal_median_per_type(self):
        csp, reseller = partner_type("csp"), partner_type("consultant-reseller")
        fast = PartnerFactory(types=[csp])
        ContractFactory(partner=fast, start_date=date(2026, 1, 1))
        OpportunityFactory(partner=fast, stage="won", won_on=date(2026, 1, 11))  # 10 days
        slow = PartnerFactory(types=[csp, reseller])
        ContractFactory(partner=slow, start_date=date(2026, 1, 1))
        DealRegistrationFactory(
            partner=slow, status="approved", submitted_at=timezone.make_aware(timezone.datetime(2026, 1, 31, 9))
        )  # 30
        PartnerFactory(types=[reseller])  # no start, no deal: counted, no data
        rows = {row[0]: row for row in kpis.time_to_first_deal(TODAY).rows}
        assert rows[csp.name][1:] == ["20 days", 2, 2]
        assert rows[reseller.name][1:] == ["30 days", 1, 2]
        assert kpis.partner_time_to_first_deal(fast) == 10

    def test_won_value_sourced_influenced_and_share_per_currency(self):
        partner = PartnerFactory()
        in_q4 = date(2026, 10, 5)
        OpportunityFactory(
            partner=partner, stage="won", won_on=in_q4, value=Decimal("600"), currency="CHF", source="partner_sourced"
        )
        OpportunityFactory(
            partner=partner, stage="won", won_on=in_q4, value=Decimal("200"), currency="CHF", source="partner_influenced"
        )
        OpportunityFactory(
            partner=partner, stage="won", won_on=in_q4, value=Decimal("200"), currency="CHF", source="vshn_sourced"
        )
        OpportunityFactory(
            partner=partner, stage="won", won_on=in_q4, value=Decimal("50"), currency="EUR", source="partner_sourced"
        )
        rows = table_rows(kpis.won_value(TODAY))
        assert rows == [
            ["2026-Q4", "CHF", "CHF 600.00", "CHF 200.00", "CHF 1'000.00", "80 %"],
            ["2026-Q4", "EUR", "EUR 50.00", "no data", "EUR 50.00", "100 %"],
        ]

    def test_psat_average_and_trend(self):
        for quarter, scores in [("2026-Q2", [8, 6]), ("2026-Q3", [5])]:
            for score in scores:
                QuarterlyReview.objects.create(
                    partner=PartnerFactory(), quarter=quarter, held_on=date(2026, 10, 1), partner_score=score
                )
        QuarterlyReview.objects.create(partner=PartnerFactory(), quarter="2026-Q3", held_on=date(2026, 10, 1))  # no PSAT given
        rows = table_rows(kpis.psat(TODAY))
        assert rows == [
            ["2026-Q1", "no data", "0", "—"],
            ["2026-Q2", "7.0", "2", "—"],
            ["2026-Q3", "5.0", "1", "-2.0"],
            ["2026-Q4", "no data", "0", "—"],
        ]

    def test_win_rate_of_decided_registrations(self):
        submitted = timezone.make_aware(timezone.datetime(2026, 8, 1, 9))
        for status in ("won", "won", "lost", "expired", "approved", "rejected"):
            DealRegistrationFactory(status=status, submitted_at=submitted)
        rows = {row[0]: row for row in table_rows(kpis.win_rate(TODAY))}
        assert rows["2026-Q3"][1:] == ["50 %", "2", "4"] and rows["2026-Q4"][1] == "no data"

    def test_win_rate_quarters_are_zurich_days(self):
        # 30.09.2026 23:30 in Zurich is 21:30 UTC (Q3); 01.10.2026 00:30 in Zurich is 22:30 UTC the day before (Q4).
        for moment, status in [((2026, 9, 30, 23, 30), "won"), ((2026, 10, 1, 0, 30), "lost")]:
            DealRegistrationFactory(status=status, submitted_at=timezone.make_aware(timezone.datetime(*moment)))
        rows = {row[0]: row for row in table_rows(kpis.win_rate(TODAY))}
        assert rows["2026-Q3"][1:] == ["100 %", "1", "1"] and rows["2026-Q4"][1:] == ["0 %", "0", "1"]

    def test_fund_roi_per_currency(self):
        partner = PartnerFactory()
        campaign = CampaignFactory(partners=[partner])
        allocation = FundAllocationFactory(partner=partner, currency="CHF")
        FundClaimFactory(
            allocation=allocation,
            campaign=campaign,
            status="approved",
            requested_amount=Decimal("1000"),
            approved_amount=Decimal("1000"),
            currency="CHF",
        )
        OpportunityFactory(partner=partner, stage="won", campaign=campaign, value=Decimal("5000"), currency="CHF")
        OpportunityFactory(partner=partner, stage="won", campaign=campaign, value=Decimal("700"), currency="EUR")
        OpportunityFactory(partner=partner, stage="won", value=Decimal("99999"), currency="CHF")  # no campaign
        rows = table_rows(kpis.fund_roi(TODAY))
        assert rows == [["CHF", "CHF 1'000.00", "CHF 5'000.00", "5.0 ×"], ["EUR", "no data", "EUR 700.00", "no data"]]

    def test_nothing_recorded_is_no_data_never_zero_percent(self):
        for table in kpis.kpi_tables(TODAY):
            for row in table.rows:
                assert "0 %" not in [str(c) for c in row]


class TestPages:
    def test_kpi_page_charts_definitions_and_csv(self, outsider_client):
        OpportunityFactory(stage="won", won_on=timezone.localdate(), source="partner_sourced")
        response = outsider_client.get(reverse("reporting:kpis"))
        html = response.content.decode()
        assert response.status_code == 200
        for name, definition in kpis.DEFINITIONS.items():
            assert f'data-testid="kpi-{name}"' in html
            assert str(definition).split("(")[0].replace("'", "&#x27;")[:30] in html
        assert 'id="reporting-charts"' in html
        csv = outsider_client.get(reverse("reporting:kpis"), {"table": "won_value", "format": "csv"})
        assert csv["Content-Type"].startswith("text/csv")
        assert outsider_client.get(reverse("reporting:kpis"), {"table": "nope", "format": "csv"}).status_code == 404

    def test_partner_section(self, outsider_client):
        partner = PartnerFactory()
        OpportunityFactory(
            partner=partner, stage="won", won_on=timezone.localdate(), value=Decimal("1234"), source="partner_sourced"
        )
        html = outsider_client.get(
            reverse("partners:section", args=[partner.slug, "kpis"]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert 'data-testid="partner-kpis"' in html
        assert "CHF 1&#x27;234.00" in html or "CHF 1'234.00" in html

    def test_anonymous_goes_to_sign_in(self, client):
        assert client.get(reverse("reporting:kpis")).status_code == 302

    @pytest.mark.parametrize("n", [1, 30])
    def test_query_counts_are_flat(self, n, outsider_client, django_assert_num_queries):
        today = timezone.localdate()
        for index in range(n):
            partner = PartnerFactory(types=[partner_type("csp")])
            ContractFactory(partner=partner, start_date=today - timedelta(days=100))
            campaign = CampaignFactory(partners=[partner])
            OpportunityFactory(
                partner=partner,
                stage="won",
                won_on=today - timedelta(days=index),
                campaign=campaign,
                source=["partner_sourced", "partner_influenced"][index % 2],
            )
            DealRegistrationFactory(partner=partner, status="won", submitted_at=timezone.now())
            QuarterlyReview.objects.create(partner=partner, quarter=quarter_of(today), held_on=today, partner_score=index % 11)
            FundClaimFactory(
                allocation=FundAllocationFactory(partner=partner),
                campaign=campaign,
                status="approved",
                requested_amount=Decimal("10"),
                approved_amount=Decimal("10"),
            )
        # session, user, time to first deal, won value, PSAT, win rate, fund ROI (one UNION)
        with django_assert_num_queries(7):
            assert outsider_client.get(reverse("reporting:kpis")).status_code == 200
        # session, user, partner + the same five for the partner
        with django_assert_num_queries(8):
            response = outsider_client.get(reverse("partners:section", args=[partner.slug, "kpis"]), HTTP_HX_REQUEST="true")
            assert response.status_code == 200
