"""Regression: the demo partners showed "Not checked yet" after `seed_demo` (found by the e2e
journeys' screenshots) because health was only computed by the periodic sweep, which `make run`
does not start. The demo's last seeder now computes it."""

import pytest
from django.utils import timezone

from partnerhub import demo
from partners.models import Partner

pytestmark = pytest.mark.django_db


def test_seeded_demo_partners_have_their_health_computed_with_reasons():
    demo.run_all(timezone.localdate())

    assert not Partner.objects.filter(archived=False, health=Partner.Health.UNKNOWN).exists()
    red_hat = Partner.objects.get(name="Red Hat")
    # The demo's Red Hat last had a sync meeting more than a monthly cadence ago.
    assert red_hat.health in {Partner.Health.WATCH, Partner.Health.AT_RISK}
    assert any(reason.startswith("Sync meeting overdue") for reason in red_hat.health_reasons)
    assert red_hat.health_checked_at is not None
