"""Partner health from results (issue 18, item 4), next to the hygiene findings: no won deal for
quarters, QBR overdue, partner satisfaction falling or low. Thresholds in settings
(PARTNERHUB_HEALTH_*). Each check is bulk: one or two queries per batch of partners.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max

from activities.models import Opportunity, quarter_of
from partnerhub.attention import HealthFinding, health_check
from partners.health import health_fact
from partners.models import Partner

from .models import QuarterlyReview
from .scorecard import previous_quarter

QUARTER_DAYS = 91


def _active(partner_ids: Sequence[int]):
    return Partner.objects.filter(pk__in=partner_ids, archived=False, stage=Partner.Stage.ACTIVE)


@health_check("no_won_deal")
def no_won_deal(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """Two queries. An active partner older than the threshold with no deal won in that time: watch."""
    quarters = settings.PARTNERHUB_HEALTH_NO_WON_DEAL_QUARTERS
    if not quarters:
        return {}
    since = today - timedelta(days=quarters * QUARTER_DAYS)
    candidates = _active(partner_ids).filter(created_at__date__lt=since).values_list("pk", flat=True)
    old_enough = set(candidates)
    if not old_enough:
        return {}
    won = set(
        Opportunity.objects.filter(partner_id__in=candidates, stage=Opportunity.Stage.WON, won_on__gte=since)
        .values_list("partner_id", flat=True)
        .distinct()
    )
    reason = f"No won deal for {quarters} quarter{'s' if quarters != 1 else ''}"
    return {pk: [HealthFinding("watch", reason)] for pk in old_enough - won}


def _reviews(partner_ids: Sequence[int]) -> dict[int, list[QuarterlyReview]]:
    """One query: each partner's reviews, newest quarter first (scores and quarter only)."""
    reviews: dict[int, list[QuarterlyReview]] = defaultdict(list)
    rows = QuarterlyReview.objects.filter(partner_id__in=partner_ids, partner__archived=False).only(
        "partner_id", "quarter", "partner_score"
    )
    for review in rows.order_by("partner_id", "-quarter"):
        reviews[review.partner_id].append(review)
    return reviews


@health_check("qbr_overdue")
def qbr_overdue(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """One query. A partner that holds quarterly reviews but has none of last quarter once the grace
    days of this quarter are over: watch; none for two quarters or more: at risk."""
    grace = settings.PARTNERHUB_HEALTH_QBR_GRACE_DAYS
    current = quarter_of(today)
    quarter_start = date(int(current[:4]), 3 * int(current[-1]) - 2, 1)
    if (today - quarter_start).days < grace:
        return {}
    last_quarter = previous_quarter(current)
    latest = dict(
        QuarterlyReview.objects.filter(partner_id__in=partner_ids, partner__archived=False)
        .values("partner_id")
        .annotate(last=Max("quarter"))
        .values_list("partner_id", "last")
    )
    findings = {}
    for partner_id, last in latest.items():
        if last >= last_quarter:
            continue
        severity = "at_risk" if last < previous_quarter(last_quarter) else "watch"
        findings[partner_id] = [HealthFinding(severity, f"QBR overdue: no review of {last_quarter} (the last was of {last})")]
    return findings


@health_check("psat_falling")
def psat_falling(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """One query. The partner's score of us in its two latest reviews: a fall by the threshold or more
    is watch; a latest score at or below the low threshold is at risk."""
    drop, low = settings.PARTNERHUB_HEALTH_PSAT_DROP, settings.PARTNERHUB_HEALTH_PSAT_LOW
    findings: dict[int, list[HealthFinding]] = {}
    for partner_id, reviews in _reviews(partner_ids).items():
        scored = [r.partner_score for r in reviews if r.partner_score is not None][:2]
        if not scored:
            continue
        found = []
        if scored[0] <= low:
            found.append(HealthFinding("at_risk", f"PSAT is {scored[0]} of 10"))
        if len(scored) == 2 and scored[1] - scored[0] >= drop:
            found.append(HealthFinding("watch", f"PSAT fell from {scored[1]} to {scored[0]}"))
        if found:
            findings[partner_id] = found
    return findings


# --- Facts these checks read: a write refreshes its partner's health after the commit --------------


@health_fact(QuarterlyReview)
def _review_partner(review: QuarterlyReview) -> list[int]:
    return [review.partner_id]


@health_fact(Opportunity)
def _deal_partner(opportunity: Opportunity) -> list[int]:
    return [opportunity.partner_id]  # a won deal ends "no won deal for quarters"
