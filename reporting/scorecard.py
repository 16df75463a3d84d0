"""The QBR scorecard (issue 18, item 2): one partner's quarter read from PartnerHub's records and
compared with the previous quarter and the joint plan's targets.

`scorecard_compute()` costs a fixed number of queries (ten for the records, one or two for compliance,
one or two for the joint plan's targets) however
much history the partner has; the review stores the result (QuarterlyReview.scorecard) so its page
reads one JSON column. Money is kept per currency (never summed across currencies); a figure without
records is None and shows as "no data", never 0 or a division by zero.
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from activities.models import Activity, Campaign, DealRegistration, Opportunity
from activities.targets import attach_progress
from certifications.compliance import AT_RISK, MET, NOT_MET, compliance_for, default_horizon
from funds.models import FundAllocation, FundClaim
from partnerhub.money import totals_by_currency
from partnerhub.targets import quarter_bounds
from partners.models import Partner

from .models import LicenseReport

SYNC_KINDS = (Activity.Kind.SYNC_MEETING, Activity.Kind.QBR)
CENT = Decimal("0.01")

# Label and one-sentence definition of each row, in the order shown.
ROWS: list[tuple[str, str, str, bool]] = [
    ("won_value", "Won deal value", "Joint deals marked won in the quarter, per currency.", True),
    ("open_value", "Open pipeline", "Joint deals still open (lead to negotiation) today, per currency.", True),
    ("registrations_submitted", "Registrations submitted", "Deal registrations submitted in the quarter.", False),
    (
        "registrations_approved",
        "Registrations approved",
        "Of those, approved by the partner (later won, lost or expired included).",
        False,
    ),
    ("registrations_won", "Registrations won", "Of those, won.", False),
    ("registrations_expired", "Registrations expired", "Of those, expired unused.", False),
    ("campaigns", "Campaigns", "The partner's campaigns starting in the quarter (cancelled ones left out).", False),
    ("campaign_leads", "Campaign leads", "Leads those campaigns brought.", False),
    ("fund_allocated", "Funds allocated", "Fund allocations whose period overlaps the quarter, per currency.", True),
    ("fund_used", "Funds used", "Approved amounts of those allocations' claims (approved to paid), per currency.", True),
    ("claims_paid", "Claims paid", "Approved amounts of claims paid in the quarter, per currency.", True),
    (
        "license_revenue",
        "License revenue",
        "Totals of the submitted license reports of the quarter's months, per currency.",
        True,
    ),
    ("syncs_held", "Sync meetings held", "Sync meetings and QBRs logged in the quarter.", False),
    ("syncs_expected", "Sync meetings expected", "What the partner's sync cadence asks for in a quarter.", False),
]


def previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"


def _aware(day: date, end: bool = False) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def _money(pairs) -> dict[str, str] | None:
    totals = totals_by_currency((c, a) for c, a in pairs if a is not None)
    return {currency: str(Decimal(amount).quantize(CENT)) for currency, amount in totals.items()} or None


def _periods(quarter: str) -> dict[str, tuple[date, date]]:
    return {"now": quarter_bounds(quarter), "before": quarter_bounds(previous_quarter(quarter))}


def _figures(partner: Partner, quarter: str) -> dict[str, dict[str, object]]:
    """{row key: {"now": value, "before": value}}; ten queries."""
    periods = _periods(quarter)
    figures: dict[str, dict[str, object]] = {key: {} for key, *_ in ROWS}

    # 1. Deals: won per currency in each quarter, open today (one GROUP BY currency).
    deal_sums = {f"won_{p}": Sum("value", filter=Q(stage=Opportunity.Stage.WON, won_on__range=r)) for p, r in periods.items()}
    deal_sums["open"] = Sum("value", filter=Q(stage__in=Opportunity.OPEN_STAGES))
    rows = list(Opportunity.objects.filter(partner=partner).order_by().values("currency").annotate(**deal_sums))
    for period in periods:
        figures["won_value"][period] = _money((r["currency"], r[f"won_{period}"]) for r in rows)
    figures["open_value"]["now"] = _money((r["currency"], r["open"]) for r in rows)
    figures["open_value"]["before"] = None  # the pipeline of a past day is not recorded

    # 2. Registrations submitted in each quarter, and what became of them (one aggregate).
    counts = {}
    for period, (start, end) in periods.items():
        submitted = Q(submitted_at__range=(_aware(start), _aware(end, True)))
        counts[f"submitted_{period}"] = Count("pk", filter=submitted)
        counts[f"approved_{period}"] = Count("pk", filter=submitted & Q(status__in=("approved", "won", "lost", "expired")))
        counts[f"won_{period}"] = Count("pk", filter=submitted & Q(status=DealRegistration.Status.WON))
        counts[f"expired_{period}"] = Count("pk", filter=submitted & Q(status=DealRegistration.Status.EXPIRED))
    registrations = DealRegistration.objects.filter(partner=partner).aggregate(**counts)
    for period in periods:
        submitted = registrations[f"submitted_{period}"]
        for key in ("submitted", "approved", "won", "expired"):
            # No registration submitted: no data (not "0 of 0").
            figures[f"registrations_{key}"][period] = registrations[f"{key}_{period}"] if submitted else None

    # 3. Campaigns starting in each quarter and their leads (one aggregate).
    campaign_aggregates = {}
    for period, r in periods.items():
        campaign_aggregates[f"n_{period}"] = Count("pk", filter=Q(starts_on__range=r))
        campaign_aggregates[f"leads_{period}"] = Sum("leads", filter=Q(starts_on__range=r))
    campaigns = (
        Campaign.objects.filter(partners=partner).exclude(status=Campaign.Status.CANCELLED).aggregate(**campaign_aggregates)
    )
    for period in periods:
        figures["campaigns"][period] = campaigns[f"n_{period}"] or None
        figures["campaign_leads"][period] = campaigns[f"leads_{period}"] if campaigns[f"n_{period}"] else None

    # 4. Funds: allocations overlapping each quarter and their committed claims (two GROUP BY currency),
    #    claims paid in each quarter (5., one GROUP BY currency).
    for period, (start, end) in periods.items():
        overlapping = FundAllocation.objects.filter(partner=partner, period_start__lte=end, period_end__gte=start)
        figures["fund_allocated"][period] = _money(
            overlapping.order_by().values("currency").annotate(t=Sum("amount")).values_list("currency", "t")
        )
        used = FundClaim.objects.filter(allocation__in=overlapping, status__in=FundClaim.COMMITTED_STATUSES)
        figures["fund_used"][period] = _money(
            used.order_by().values("currency").annotate(t=Sum("approved_amount")).values_list("currency", "t")
        )
    paid_sums = {
        f"paid_{p}": Sum("approved_amount", filter=Q(paid_at__range=(_aware(s), _aware(e, True))))
        for p, (s, e) in periods.items()
    }
    paid = list(
        FundClaim.objects.filter(allocation__partner=partner, status=FundClaim.Status.PAID)
        .order_by()
        .values("currency")
        .annotate(**paid_sums)
    )
    for period in periods:
        figures["claims_paid"][period] = _money((r["currency"], r[f"paid_{period}"]) for r in paid)

    # 6. License revenue of each quarter's months (one GROUP BY currency).
    report_sums = {f"total_{p}": Sum("total", filter=Q(month__range=r)) for p, r in periods.items()}
    reports = list(
        LicenseReport.objects.filter(
            partner=partner, status__in=(LicenseReport.Status.SUBMITTED, LicenseReport.Status.ACKNOWLEDGED)
        )
        .order_by()
        .values("currency")
        .annotate(**report_sums)
    )
    for period in periods:
        figures["license_revenue"][period] = _money((r["currency"], r[f"total_{period}"]) for r in reports)

    # 7. Sync meetings held against the cadence (one aggregate).
    sync_counts = {p: Count("pk", filter=Q(occurred_on__range=r)) for p, r in periods.items()}
    syncs = Activity.objects.filter(partner=partner, kind__in=SYNC_KINDS).aggregate(**sync_counts)
    cadence = partner.cadence_days
    for period, (start, end) in periods.items():
        figures["syncs_held"][period] = syncs[period]
        figures["syncs_expected"][period] = ((end - start).days + 1) // cadence if cadence else None
    return figures


def _growth(now: dict | None, before: dict | None) -> dict[str, str]:
    """Change in percent per currency, only where both quarters have a figure above 0."""
    if not now or not before:
        return {}
    growth = {}
    for currency, amount in now.items():
        previous = Decimal(before.get(currency, "0"))
        if previous > 0:
            growth[currency] = str(((Decimal(amount) - previous) / previous * 100).quantize(Decimal("0.1")))
    return growth


def _compliance(partner: Partner, today: date) -> list[dict[str, str]]:
    """Each program level: met now, and through the next 90 days (the stored compliance; one or two queries)."""
    levels = compliance_for([partner.pk], today=today, on=default_horizon(today))[partner.pk].levels
    return [
        {
            "level": lc.level.name,
            "now": "Not met" if lc.status == NOT_MET else "Met",
            "in_90_days": {MET: "Met", AT_RISK: "At risk", NOT_MET: "Not met"}[lc.status],
            "at_risk_date": lc.at_risk_date.isoformat() if lc.at_risk_date else "",
        }
        for lc in levels
    ]


def _number(value: Decimal | None, money: bool) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(CENT)) if money or value != value.to_integral() else str(int(value))


def _targets(partner: Partner, quarter: str) -> list[dict[str, object]]:
    """The quarter's joint-plan targets with their actuals (two queries, activities/targets.py)."""
    from activities.selectors import plan_initiatives

    initiatives = attach_progress(
        partner_id=partner.pk, quarter=quarter, initiatives=plan_initiatives(partner=partner, quarter=quarter)
    )
    return [
        {
            "title": i.title,
            "metric": i.get_metric_display(),
            "money": i.is_money,
            "currency": i.target_currency,
            "target": _number(i.progress.target, i.is_money),
            "actual": _number(i.progress.actual, i.is_money),
            "percent": i.progress.percent,
            "definition": i.progress.definition,
        }
        for i in initiatives
        if i.progress
    ]


def scorecard_compute(*, partner: Partner, quarter: str, today: date | None = None) -> dict:
    """The scorecard as JSON-ready data (Decimals as strings)."""
    today = today or timezone.localdate()
    figures = _figures(partner, quarter)
    rows = []
    for key, label, definition, money in ROWS:
        now, before = figures[key].get("now"), figures[key].get("before")
        change = now - before if not money and now is not None and before is not None else None
        rows.append(
            {
                "key": key,
                "label": label,
                "definition": definition,
                "money": money,
                "now": now,
                "before": before,
                "growth": _growth(now, before) if money else {},
                "change": change,
            }
        )
    return {
        "quarter": quarter,
        "previous_quarter": previous_quarter(quarter),
        "rows": rows,
        "compliance": _compliance(partner, today),
        "targets": _targets(partner, quarter),
        "lifecycle_stage": partner.get_stage_display(),
    }
