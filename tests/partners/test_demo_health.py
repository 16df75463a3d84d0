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


def test_the_demo_tells_the_truth():
    """Issue 20, item 5: partners started in the past, every health finding appears for some partner,
    program levels named as the program status names them, distinct phone numbers, Microsoft."""
    from certifications.models import PartnerProgramStatus
    from partners.models import Contact

    today = timezone.localdate()
    demo.run_all(today)
    partners = {p.name: p for p in Partner.objects.all()}
    assert all((today - timezone.localdate(p.created_at)).days >= 45 for p in partners.values())

    reasons = [reason for p in partners.values() for reason in p.health_reasons]
    for finding in [
        "Sync meeting overdue",
        "No activity for",
        "no longer met",
        "Deal registration for",
        "license report",
        "VSHN invoice",
        "Supplier risk review overdue",
    ]:
        assert any(finding in reason for reason in reasons), f"no demo partner shows {finding!r}"
    tessin = partners["Tessin Systems SA"]
    assert tessin.health != Partner.Health.GOOD
    assert any(reason.startswith("No activity for 150 days") for reason in tessin.health_reasons)

    for status in PartnerProgramStatus.objects.select_related("partner", "held_level"):
        assert status.partner.program_level == status.held_level.name, status.partner.name

    phones = list(Contact.objects.values_list("phone", flat=True))
    assert len(set(phones)) == len(phones) and all(p.startswith("+41 ") and len(p) == 16 for p in phones)

    microsoft = partners["Microsoft"]
    assert {t.code for t in microsoft.types.all()} == {"software-vendor", "csp"}
    assert microsoft.certifications.count() >= 3 and microsoft.program_status.held_level is not None
