"""The quarterly_review_due reminder (issue 18, item 2): partners of the configured types or tiers
without a review of last quarter, to their partner manager, once per partner and quarter."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from partnerhub.reminders import REMINDERS
from reporting.models import QuarterlyReview

from ..factories import PartnerFactory, UserFactory, partner_type

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)  # last quarter: 2026-Q3


def partner(code="software-vendor", **kwargs):
    made = PartnerFactory(
        types=[partner_type(code)], stage=kwargs.pop("stage", "active"), manager=kwargs.pop("manager", UserFactory()), **kwargs
    )
    type(made).objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(days=400))
    return made


def due(today=TODAY) -> dict:
    return {r.obj.pk: r for r in REMINDERS["quarterly_review_due"](today)}


def test_configured_types_without_a_review_of_last_quarter():
    vendor, reviewed, distributor, prospect = partner(), partner(), partner("distributor"), partner(stage="prospect")
    QuarterlyReview.objects.create(partner=reviewed, quarter="2026-Q3", held_on=date(2026, 10, 8))
    found = due()
    assert set(found) == {vendor.pk}
    reminder = found[vendor.pk]
    assert reminder.due_key == "2026-Q3" and reminder.recipients == [vendor.manager]
    assert reminder.url.endswith(f"/reviews/{vendor.slug}/2026-Q3/") and "2026-Q3" in reminder.title
    assert distributor.pk not in found and prospect.pk not in found


def test_tiers_and_types_from_settings(settings):
    premier = partner("distributor", program_level="Premier")
    settings.PARTNERHUB_REVIEW_TIERS = ["premier"]
    assert premier.pk in due()
    settings.PARTNERHUB_REVIEW_TIERS, settings.PARTNERHUB_REVIEW_PARTNER_TYPES = [], []
    assert due() == {}


def test_no_manager_no_reminder_and_new_partners_wait():
    partner(manager=None)
    PartnerFactory(types=[partner_type("software-vendor")], stage="active", manager=UserFactory())  # created after 2026-Q3
    assert due() == {}


def test_one_query_whatever_the_number_of_partners(django_assert_num_queries):
    for _ in range(15):
        partner()
    with django_assert_num_queries(1):  # partners (managers joined; the reviewed ones excluded in SQL)
        assert len(due()) == 15
