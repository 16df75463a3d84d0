from datetime import timedelta

import pytest
from django.utils import timezone

from partners.health import partner_health_refresh
from partners.models import Partner

from ..factories import PartnerFactory, RiskAssessmentFactory

pytestmark = pytest.mark.django_db


def test_overdue_risk_review_puts_the_partner_on_watch_with_a_reason():
    today = timezone.localdate()
    fine = PartnerFactory()
    drifting = PartnerFactory()
    RiskAssessmentFactory(partner=drifting, assessed_on=today - timedelta(days=400), next_review_due=today - timedelta(days=3))
    partner_health_refresh()
    fine.refresh_from_db()
    drifting.refresh_from_db()
    assert drifting.health == Partner.Health.WATCH
    assert any("risk review overdue" in reason for reason in drifting.health_reasons)
    # The only facts registered today are good for `fine` (apps may add more checks).
    assert fine.health in {Partner.Health.GOOD, Partner.Health.WATCH, Partner.Health.AT_RISK}
    assert not any("risk review" in reason for reason in fine.health_reasons)
    assert partner_health_refresh() == 0  # idempotent: nothing changed the second time
