"""The quarterly-review reminder (issue 18, item 2): partners of the configured types or tiers
(PARTNERHUB_REVIEW_PARTNER_TYPES, PARTNERHUB_REVIEW_TIERS) that had no review of last quarter, to
their partner manager, once per partner and quarter. One query whatever the number of partners.
"""

from collections.abc import Iterator
from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from activities.models import quarter_of
from partnerhub.reminders import DueReminder, each, reminder
from partners.models import Partner

from .models import QuarterlyReview
from .scorecard import previous_quarter


def partners_without_review(*, quarter: str, end: date):
    """Active partners of the configured types or tiers that existed during `quarter` and have no review of it."""
    wanted = Q(types__code__in=settings.PARTNERHUB_REVIEW_PARTNER_TYPES)
    tiers = [tier.strip() for tier in settings.PARTNERHUB_REVIEW_TIERS if tier.strip()]
    for tier in tiers:
        wanted |= Q(program_level__iexact=tier)
    reviewed = QuarterlyReview.objects.filter(partner_id=OuterRef("pk"), quarter=quarter)
    matching = Partner.objects.filter(wanted).values("pk")
    return (
        Partner.objects.filter(pk__in=matching, archived=False, stage=Partner.Stage.ACTIVE, created_at__date__lte=end)
        .exclude(Exists(reviewed))
        .select_related("manager")
        .order_by("name", "pk")
    )


@reminder("quarterly_review_due", label="Quarterly reviews to hold")
def quarterly_review_due(today: date) -> Iterator[DueReminder]:
    last_quarter = previous_quarter(quarter_of(today))
    year, q = int(last_quarter[:4]), int(last_quarter[-1])
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    partners = partners_without_review(quarter=last_quarter, end=date.fromordinal(end.toordinal() - 1))
    yield from each(partners, lambda partner: _reminder(partner, last_quarter))


def _reminder(partner: Partner, quarter: str) -> DueReminder | None:
    if partner.manager is None:
        return None  # nobody runs this partnership's reviews yet
    return DueReminder(
        obj=partner,
        due_key=quarter,
        recipients=[partner.manager],
        title=f"Hold the quarterly review of {quarter} with {partner.name}",
        body=(
            f"{partner.name} has no quarterly business review of {quarter} yet. Open it in PartnerHub: the scorecard "
            f"fills itself from the records; add satisfaction, decisions and action items with the partner."
        ),
        url=reverse("reporting:review-for", kwargs={"slug": partner.slug, "quarter": quarter}),
        partner=partner.name,
    )
