"""Joint-plan targets (issue 18, item 1): metrics, computed actuals per partner and quarter,
custom actuals, progress on the plan and the partner page; "no data" instead of 0 %."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import JointPlanInitiative, Opportunity, quarter_of
from activities.targets import attach_progress

from ..certifications.factories import CertificationFactory, HoldingFactory
from ..factories import PartnerFactory
from ..reporting.factories import ReportFactory
from .factories import CampaignFactory, DealRegistrationFactory, InitiativeFactory, JointPlanFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

QUARTER = "2026-Q2"  # April to June 2026
IN_Q, BEFORE_Q, AFTER_Q = date(2026, 5, 10), date(2026, 3, 31), date(2026, 7, 1)


def target(plan, metric, value, currency="", **kwargs):
    return InitiativeFactory(plan=plan, metric=metric, target_value=Decimal(value), target_currency=currency, **kwargs)


def submitted(day: date):
    return timezone.make_aware(datetime.combine(day, time(12)))


def progress(plan):
    initiatives = attach_progress(partner_id=plan.partner_id, quarter=plan.quarter, initiatives=list(plan.initiatives.all()))
    return {i.metric: i.progress for i in initiatives}


class TestComputedActuals:
    def test_each_metric_counts_the_partners_records_of_the_quarter_only(self):
        partner, other = PartnerFactory(), PartnerFactory()
        plan = JointPlanFactory(partner=partner, quarter=QUARTER)
        for metric, value, currency in [
            ("won_deal_value", "100000", "CHF"),
            ("registrations_submitted", "4", ""),
            ("registrations_approved", "2", ""),
            ("campaign_leads", "50", ""),
            ("attendees", "80", ""),
            ("license_revenue", "3000", "CHF"),
        ]:
            target(plan, metric, value, currency)
        OpportunityFactory(partner=partner, stage="won", won_on=IN_Q, value=Decimal("60000"), currency="CHF")
        OpportunityFactory(partner=partner, stage="won", won_on=IN_Q, value=Decimal("9000"), currency="EUR")  # other currency
        OpportunityFactory(partner=partner, stage="won", won_on=BEFORE_Q, value=Decimal("1"), currency="CHF")
        OpportunityFactory(partner=partner, stage="proposal", value=Decimal("5"), currency="CHF")
        OpportunityFactory(partner=other, stage="won", won_on=IN_Q, value=Decimal("7"), currency="CHF")
        DealRegistrationFactory(partner=partner, status="approved", submitted_at=submitted(IN_Q))
        DealRegistrationFactory(partner=partner, status="lost", submitted_at=submitted(IN_Q))
        DealRegistrationFactory(partner=partner, status="submitted", submitted_at=submitted(IN_Q))
        DealRegistrationFactory(partner=partner, status="approved", submitted_at=submitted(AFTER_Q))
        CampaignFactory(partners=[partner, other], starts_on=IN_Q, leads=30, attendees=40)
        CampaignFactory(partners=[partner], starts_on=AFTER_Q, leads=99, attendees=99)
        CampaignFactory(partners=[partner], starts_on=IN_Q, leads=5, attendees=0, status="cancelled")
        ReportFactory(partner=partner, month=date(2026, 4, 1), currency="CHF", status="submitted", total=Decimal("1200"))
        ReportFactory(partner=partner, month=date(2026, 5, 1), currency="CHF", status="due", total=Decimal("500"))

        found = progress(plan)
        assert found["won_deal_value"].actual == Decimal("60000") and found["won_deal_value"].percent == 60
        assert found["registrations_submitted"].actual == 3 and found["registrations_submitted"].percent == 75
        assert found["registrations_approved"].actual == 2 and found["registrations_approved"].met
        assert found["campaign_leads"].actual == 30 and found["attendees"].actual == 40 and found["attendees"].percent == 50
        assert found["license_revenue"].actual == Decimal("1200") and found["license_revenue"].percent == 40

    def test_certifications_held_on_the_quarters_last_day(self):
        partner = PartnerFactory()
        plan = JointPlanFactory(partner=partner, quarter=QUARTER)
        target(plan, "certifications_held", "2")
        certification = CertificationFactory(partner=partner)
        HoldingFactory(certification=certification, obtained_on=date(2026, 1, 1), expires_on=date(2027, 1, 1))
        HoldingFactory(
            certification=certification, obtained_on=date(2026, 1, 1), expires_on=date(2026, 6, 1)
        )  # expired by 30 June
        assert progress(plan)["certifications_held"].actual == 1

    def test_a_quarter_without_records_is_no_data_never_zero_percent(self, outsider_client):
        plan = JointPlanFactory(quarter=QUARTER)
        target(plan, "won_deal_value", "1000", "CHF")
        target(plan, "registrations_approved", "1")
        found = progress(plan)
        assert found["won_deal_value"].actual is None and found["won_deal_value"].percent is None
        assert found["registrations_approved"].actual is None
        html = outsider_client.get(plan.get_absolute_url()).content.decode()
        assert html.count('data-testid="target-no-data"') == 2 and "0 %" not in html

    def test_submitted_but_none_approved_is_zero_not_no_data(self):
        plan = JointPlanFactory(quarter=QUARTER)
        target(plan, "registrations_approved", "2")
        DealRegistrationFactory(partner=plan.partner, status="submitted", submitted_at=submitted(IN_Q))
        assert progress(plan)["registrations_approved"].actual == 0

    def test_a_target_of_zero_is_valid_and_met(self):
        plan = JointPlanFactory(quarter=QUARTER)
        target(plan, "custom", "0", custom_actual=Decimal("0"))
        assert progress(plan)["custom"].percent == 100 and progress(plan)["custom"].met

    def test_custom_actual_is_the_hand_entered_number(self):
        plan = JointPlanFactory(quarter=QUARTER)
        target(plan, "custom", "8", custom_actual=Decimal("2"))
        assert progress(plan)["custom"].percent == 25

    def test_currencies_are_never_mixed(self):
        plan = JointPlanFactory(quarter=QUARTER)
        target(plan, "won_deal_value", "100", "EUR")
        OpportunityFactory(partner=plan.partner, stage="won", won_on=IN_Q, value=Decimal("100"), currency="CHF")
        assert progress(plan)["won_deal_value"].actual is None


class TestWonDay:
    def test_marked_won_today_and_cleared_when_moved_back(self):
        opportunity = OpportunityFactory(stage="proposal")
        opportunity.stage = "won"
        services.opportunity_save(opportunity=opportunity, today=IN_Q)
        assert Opportunity.objects.get().won_on == IN_Q
        opportunity.stage = "negotiation"
        services.opportunity_save(opportunity=opportunity)
        assert Opportunity.objects.get().won_on is None

    def test_only_a_won_deal_has_a_won_day(self):
        opportunity = OpportunityFactory.build(stage="lead", won_on=IN_Q, partner=PartnerFactory(), owner=None)
        with pytest.raises(ValidationError):
            opportunity.full_clean()


class TestTargetConstraints:
    @pytest.mark.parametrize(
        "fields",
        [
            {"metric": "won_deal_value", "target_value": None},
            {"metric": "", "target_value": Decimal("5")},
            {"metric": "won_deal_value", "target_value": Decimal("5"), "target_currency": ""},
            {"metric": "attendees", "target_value": Decimal("5"), "target_currency": "CHF"},
            {"metric": "attendees", "target_value": Decimal("-1")},
            {"metric": "attendees", "target_value": Decimal("5"), "custom_actual": Decimal("3")},
        ],
    )
    def test_refused(self, fields):
        initiative = JointPlanInitiative(plan=JointPlanFactory(), title="x", kind="sales", **fields)
        with pytest.raises(ValidationError):
            initiative.full_clean()


class TestPages:
    def test_create_a_target_through_the_form(self, sales_client):
        partner = PartnerFactory()
        url = reverse("activities:initiative-create", args=[partner.slug, QUARTER])
        response = sales_client.post(
            url,
            {
                "title": "Win big",
                "kind": "sales",
                "status": "planned",
                "metric": "won_deal_value",
                "target_value": "250000",
                "target_currency": "CHF",
            },
        )
        assert response.status_code == 302
        initiative = JointPlanInitiative.objects.get()
        assert (initiative.metric, initiative.target_value, initiative.target_currency) == (
            "won_deal_value",
            Decimal("250000"),
            "CHF",
        )

    def test_bad_target_shows_errors_and_saves_nothing(self, sales_client):
        partner = PartnerFactory()
        url = reverse("activities:initiative-create", args=[partner.slug, QUARTER])
        for data in [
            {"metric": "won_deal_value", "target_value": "100"},  # no currency
            {"metric": "attendees", "target_value": "-5"},
            {"metric": "", "target_value": "5"},
        ]:
            response = sales_client.post(url, {"title": "x", "kind": "sales", "status": "planned", **data})
            assert response.status_code == 200 and response.context["form"].errors
        assert not JointPlanInitiative.objects.exists()

    def test_currency_and_custom_actual_dropped_for_metrics_that_do_not_take_them(self, sales_client):
        partner = PartnerFactory()
        url = reverse("activities:initiative-create", args=[partner.slug, QUARTER])
        response = sales_client.post(
            url,
            {
                "title": "x",
                "kind": "sales",
                "status": "planned",
                "metric": "attendees",
                "target_value": "10",
                "target_currency": "CHF",
                "custom_actual": "4",
            },
        )
        assert response.status_code == 302
        assert JointPlanInitiative.objects.values_list("target_currency", "custom_actual").get() == ("", None)

    def test_progress_on_plan_and_partner_page(self, outsider_client):
        partner = PartnerFactory()
        today = timezone.localdate()
        plan = JointPlanFactory(partner=partner, quarter=quarter_of(today))
        target(plan, "won_deal_value", "200000", "CHF", title="Win OpenShift deals")
        OpportunityFactory(partner=partner, stage="won", won_on=today, value=Decimal("50000"), currency="CHF")
        for url in [plan.get_absolute_url(), reverse("partners:section", args=[partner.slug, "plan"])]:
            html = outsider_client.get(url, HTTP_HX_REQUEST="true").content.decode()
            assert "CHF 50&#x27;000.00" in html or "CHF 50'000.00" in html
            assert 'aria-valuenow="25"' in html

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat_with_targets(self, rows, outsider_client, django_assert_num_queries):
        today = timezone.localdate()
        plan = JointPlanFactory(quarter=quarter_of(today))
        metrics = [
            ("won_deal_value", "CHF"),
            ("license_revenue", "EUR"),
            ("campaign_leads", ""),
            ("certifications_held", ""),
            ("registrations_approved", ""),
            ("custom", ""),
        ]
        for index in range(rows):
            metric, currency = metrics[index % len(metrics)]
            target(plan, metric, "10", currency, custom_actual=Decimal("1") if metric == "custom" else None)
            OpportunityFactory(partner=plan.partner, stage="won", won_on=today)
        # session, user, partner, plan, initiatives (owner and links joined), every computed actual
        with django_assert_num_queries(6):
            assert outsider_client.get(plan.get_absolute_url()).status_code == 200
        # session, user, partner + initiatives, every computed actual
        with django_assert_num_queries(5):
            assert (
                outsider_client.get(
                    reverse("partners:section", args=[plan.partner.slug, "plan"]), HTTP_HX_REQUEST="true"
                ).status_code
                == 200
            )
