"""Partner health from results (issue 18, item 4): no won deal for quarters, QBR overdue, PSAT falling
or low, with reasons in words, next to the hygiene findings; thresholds from settings; bulk."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from partners.health import partner_health_compute
from reporting.models import QuarterlyReview
from reporting.results_health import no_won_deal, psat_falling, qbr_overdue

from ..activities.factories import OpportunityFactory
from ..factories import PartnerFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)  # 2026-Q4, 50 days in


def old_active_partner(**kwargs):
    partner = PartnerFactory(stage="active", **kwargs)
    type(partner).objects.filter(pk=partner.pk).update(created_at=timezone.now() - timedelta(days=800))
    return partner


def review(partner, quarter, score=None):
    return QuarterlyReview.objects.create(partner=partner, quarter=quarter, held_on=date(2026, 1, 5), partner_score=score)


class TestNoWonDeal:
    def test_active_partner_without_a_won_deal_for_three_quarters(self):
        idle, winning, young = old_active_partner(), old_active_partner(), PartnerFactory(stage="active")
        OpportunityFactory(partner=winning, stage="won", won_on=TODAY - timedelta(days=100))
        OpportunityFactory(partner=idle, stage="won", won_on=TODAY - timedelta(days=400))
        found = no_won_deal([idle.pk, winning.pk, young.pk], TODAY)
        assert found == {idle.pk: [found[idle.pk][0]]} and found[idle.pk][0].reason == "No won deal for 3 quarters"

    def test_threshold_from_settings(self, settings):
        idle = old_active_partner()
        settings.PARTNERHUB_HEALTH_NO_WON_DEAL_QUARTERS = 0
        assert no_won_deal([idle.pk], TODAY) == {}
        settings.PARTNERHUB_HEALTH_NO_WON_DEAL_QUARTERS = 1
        assert no_won_deal([idle.pk], TODAY)[idle.pk][0].reason == "No won deal for 1 quarter"


class TestQbrOverdue:
    def test_no_review_of_last_quarter(self):
        current, late, very_late, never = PartnerFactory(), PartnerFactory(), PartnerFactory(), PartnerFactory()
        review(current, "2026-Q3")
        review(late, "2026-Q2")
        review(very_late, "2026-Q1")
        found = qbr_overdue([current.pk, late.pk, very_late.pk, never.pk], TODAY)
        assert set(found) == {late.pk, very_late.pk}
        assert (
            found[late.pk][0].severity == "watch"
            and found[late.pk][0].reason == "QBR overdue: no review of 2026-Q3 (the last was of 2026-Q2)"
        )
        assert found[very_late.pk][0].severity == "at_risk"

    def test_grace_days_at_the_start_of_a_quarter(self, settings):
        partner = PartnerFactory()
        review(partner, "2026-Q2")
        assert qbr_overdue([partner.pk], date(2026, 10, 10)) == {}
        settings.PARTNERHUB_HEALTH_QBR_GRACE_DAYS = 5
        assert qbr_overdue([partner.pk], date(2026, 10, 10))


class TestPsat:
    def test_fell_and_low(self):
        falling, low, steady, unscored = PartnerFactory(), PartnerFactory(), PartnerFactory(), PartnerFactory()
        review(falling, "2026-Q2", 8)
        review(falling, "2026-Q3", 5)
        review(low, "2026-Q3", 3)
        review(steady, "2026-Q2", 7)
        review(steady, "2026-Q3", 6)
        review(unscored, "2026-Q3")
        found = psat_falling([p.pk for p in (falling, low, steady, unscored)], TODAY)
        assert [f.reason for f in found[falling.pk]] == ["PSAT fell from 8 to 5"]
        assert [(f.severity, f.reason) for f in found[low.pk]] == [("at_risk", "PSAT is 3 of 10")]
        assert steady.pk not in found and unscored.pk not in found

    def test_shown_with_the_hygiene_findings_and_verdict(self):
        partner = old_active_partner()
        review(partner, "2026-Q2", 9)
        review(partner, "2026-Q3", 6)
        verdict, reasons = partner_health_compute(partner_ids=[partner.pk], today=TODAY)[partner.pk]
        assert "PSAT fell from 9 to 6" in reasons and "No won deal for 3 quarters" in reasons
        assert verdict in ("watch", "at_risk")


def test_bulk_queries_do_not_grow_with_partners(django_assert_max_num_queries):
    partners = [old_active_partner() for _ in range(20)]
    for partner in partners:
        review(partner, "2026-Q2", 8)
        review(partner, "2026-Q3", 4)
    ids = [p.pk for p in partners]
    with django_assert_max_num_queries(2):
        no_won_deal(ids, TODAY)
    with django_assert_max_num_queries(1):
        qbr_overdue(ids, TODAY)
    with django_assert_max_num_queries(1):
        psat_falling(ids, TODAY)
