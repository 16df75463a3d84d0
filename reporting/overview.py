"""The overview's tables: one small selector per table, each a fixed number of queries.

The reporting app reads every other app (nothing imports reporting), so their models are imported
directly: a renamed field fails loudly here and in the tests, never as a silently missing table.
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from activities.models import DealRegistration
from certifications.compliance import STATUS_LABELS, compliance_for
from certifications.models import Holding, PartnerProgramStatus
from funds.models import FundAllocation, FundClaim
from partnerhub import formatting
from partnerhub.dates import first_of_month_months_later
from partnerhub.status_colours import SERIES, colours
from partners.models import Partner, PartnerType

from .models import LicenseReport


@dataclass
class Table:
    name: str  # the ?table=<name> of its CSV export
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    chart: dict | None = None  # {"type": "bar", "labels": [...], "datasets": [{"label": ..., "data": [...]}]}
    note: str = ""


def _num(value) -> float:
    return float(value or 0)


def _doughnut(label: str, rows: list[list], statuses: list[str] | None = None, domain: str = "") -> dict:
    """A doughnut whose slices take their status colour (partnerhub/status_colours.py)."""
    background = colours(domain, statuses) if statuses else SERIES[: len(rows)]
    return {
        "type": "doughnut",
        "labels": [r[0] for r in rows],
        "datasets": [{"label": label, "data": [r[1] for r in rows], "backgroundColor": background}],
    }


def partners_by_type(today: date) -> Table:
    rows = list(
        PartnerType.objects.annotate(n=Count("partners", filter=Q(partners__archived=False)))
        .order_by("name")
        .values_list("name", "n")
    )
    return Table(
        "partners_by_type",
        "Partners by type",
        ["Type", "Partners"],
        [list(r) for r in rows],
        {"type": "bar", "labels": [r[0] for r in rows], "datasets": [{"label": "Partners", "data": [r[1] for r in rows]}]},
    )


def partners_by_stage(today: date) -> Table:
    counts = dict(Partner.objects.filter(archived=False).values_list("stage").annotate(n=Count("id")).order_by())
    rows = [[label, counts.get(value, 0)] for value, label in Partner.Stage.choices]
    return Table("partners_by_stage", "Partners by lifecycle stage", ["Stage", "Partners"], rows, _doughnut("Partners", rows))


def report_status(today: date) -> Table:
    """License reports of the last 12 months by status."""
    since = first_of_month_months_later(today, -12)
    counts = dict(LicenseReport.objects.filter(month__gte=since).values_list("status").annotate(n=Count("id")).order_by())
    statuses = [value for value, _label in LicenseReport.Status.choices]
    rows = [[label, counts.get(value, 0)] for value, label in LicenseReport.Status.choices]
    overdue = LicenseReport.objects.filter(status__in=LicenseReport.OPEN_STATUSES, due_on__lt=today).count()
    return Table(
        "report_status",
        "License reports by status (last 12 months)",
        ["Status", "Reports"],
        rows,
        _doughnut("Reports", rows, statuses, "report"),
        note=f"{overdue} overdue in total.",
    )


def report_totals(today: date) -> Table:
    """Monthly totals per currency over the last 12 months (never summed across currencies), from
    submitted and acknowledged reports only: a month whose reports are only due or in draft is
    "not reported" (a gap in the line), never 0 — which would read as a 100 % drop."""
    months = [first_of_month_months_later(today, -offset) for offset in range(12, 0, -1)]
    reported = (LicenseReport.Status.SUBMITTED, LicenseReport.Status.ACKNOWLEDGED)
    sums = (
        LicenseReport.objects.filter(month__gte=months[0], month__lte=months[-1], status__in=reported)
        .values_list("month", "currency")
        .annotate(total=Sum("total"))
        .order_by("month", "currency")
    )
    by_currency: dict[str, dict[date, Decimal]] = OrderedDict()
    for month, currency, total in sums:
        by_currency.setdefault(currency, {})[month] = total
    rows = [
        [
            formatting.month(m),
            currency,
            formatting.amount(by_currency[currency][m]) if m in by_currency[currency] else "not reported",
        ]
        for m in months
        for currency in sorted(by_currency)
    ]
    chart = {
        "type": "line",
        "labels": [f"{m:%b %Y}" for m in months],
        "datasets": [
            {
                "label": currency,
                "data": [_num(by_currency[currency][m]) if m in by_currency[currency] else None for m in months],
                "backgroundColor": SERIES[i % len(SERIES)],
                "borderColor": SERIES[i % len(SERIES)],
            }
            for i, currency in enumerate(sorted(by_currency))
        ],
    }
    return Table(
        "report_totals",
        "License report totals per month and currency",
        ["Month", "Currency", "Total"],
        rows,
        chart,
        note="Submitted and acknowledged reports only; a month without one is not reported, not 0.",
    )


def deal_pipeline(today: date) -> Table:
    labels = dict(DealRegistration.Status.choices)
    data = list(
        DealRegistration.objects.values_list("status", "currency")
        .annotate(n=Count("id"), value=Sum("value"))
        .order_by("status", "currency")
    )
    order = {value: i for i, value in enumerate(labels)}
    data.sort(key=lambda r: (order.get(r[0], 99), r[1]))
    open_statuses = tuple(DealRegistration.OPEN_STATUSES)
    rows = [[labels.get(status, status), currency, n, formatting.amount(value or 0)] for status, currency, n, value in data]
    # The chart is the pipeline: open registrations only; won and lost are results, told apart below.
    statuses = [s for s in labels if s in open_statuses and any(r[0] == s for r in data)]
    currencies = sorted({r[1] for r in data})
    chart = {
        "type": "bar",
        "labels": [labels[s] for s in statuses],
        "datasets": [
            {
                "label": c,
                "data": [_num(sum((r[3] or 0) for r in data if r[0] == s and r[1] == c)) for s in statuses],
                "backgroundColor": SERIES[i % len(SERIES)],
            }
            for i, c in enumerate(currencies)
        ],
    }

    def total(which) -> str:
        sums: dict[str, Decimal] = {}
        for status, currency, _n, value in data:
            if which(status):
                sums[currency] = sums.get(currency, Decimal("0")) + (value or 0)
        return ", ".join(formatting.money(v, c) for c, v in sorted(sums.items())) or "—"

    note = (
        f"Open pipeline: {total(lambda s: s in open_statuses)} · won: {total(lambda s: s == 'won')} · "
        f"lost: {total(lambda s: s == 'lost')}"
    )
    return Table(
        "deal_pipeline",
        "Deal-registration pipeline: open registrations by status (value per currency)",
        ["Status", "Currency", "Registrations", "Value"],
        rows,
        chart,
        note=note,
    )


def fund_utilisation(today: date) -> Table:
    """Allocated vs committed (approved amounts of approved-or-later claims) per currency."""
    allocated = dict(FundAllocation.objects.values_list("currency").annotate(total=Sum("amount")).order_by())
    claimed: dict[str, Decimal] = dict(
        FundClaim.objects.filter(status__in=FundClaim.COMMITTED_STATUSES)
        .values_list("currency")
        .annotate(total=Sum("approved_amount"))
        .order_by()
    )
    currencies = sorted(set(allocated) | set(claimed))
    rows = []
    for c in currencies:
        a, u = allocated.get(c) or Decimal("0"), claimed.get(c) or Decimal("0")
        rows.append([c, formatting.amount(a), formatting.amount(u), f"{(u / a * 100):.0f} %" if a else "—"])
    chart = {
        "type": "bar",
        "labels": currencies,
        "datasets": [
            {"label": "Allocated", "data": [_num(allocated.get(c)) for c in currencies], "backgroundColor": SERIES[3]},
            {"label": "Committed (approved)", "data": [_num(claimed.get(c)) for c in currencies], "backgroundColor": SERIES[0]},
        ],
    }
    return Table(
        "fund_utilisation", "Fund utilisation per currency", ["Currency", "Allocated", "Committed", "Utilised"], rows, chart
    )


def certification_compliance(today: date) -> Table:
    """The program level VSHN holds at each partner: requirements met, at risk within 90 days, not met.
    Uses the certifications app's bulk compliance (a fixed number of queries for all partners)."""
    held = dict(
        PartnerProgramStatus.objects.filter(held_level__isnull=False, partner__archived=False).values_list(
            "partner_id", "held_level_id"
        )
    )
    # Stored compliance (refreshed by writes and the daily sweep): one query, not every holding.
    compliance = compliance_for(list(held), today=today) if held else {}
    counts = {status: 0 for status in STATUS_LABELS}
    for partner_id, level_id in held.items():
        level = compliance[partner_id].level(level_id) if partner_id in compliance else None
        if level is not None:
            counts[level.status] = counts.get(level.status, 0) + 1
    rows = [[STATUS_LABELS.get(status, status), n] for status, n in counts.items()]
    return Table(
        "certification_compliance",
        "Program levels held: certification requirements (next 90 days)",
        ["Compliance", "Partners"],
        rows,
        _doughnut("Partners", rows, list(counts), "compliance"),
    )


def certification_holdings(today: date) -> Table:
    """Certification holdings: valid, expiring within 90 days, expired."""
    soon = today + timedelta(days=90)
    counts = Holding.objects.aggregate(
        valid=Count("id", filter=Q(expires_on__isnull=True) | Q(expires_on__gt=soon)),
        expiring=Count("id", filter=Q(expires_on__gte=today, expires_on__lte=soon)),
        expired=Count("id", filter=Q(expires_on__lt=today)),
    )
    rows = [
        ["Valid beyond 90 days", counts["valid"]],
        ["Expiring within 90 days", counts["expiring"]],
        ["Expired", counts["expired"]],
    ]
    # Its own name: sharing "certification_compliance" gave two canvases one id (a blank chart).
    return Table(
        "certification_holdings",
        "Certification holdings",
        ["Status", "Holdings"],
        rows,
        _doughnut("Holdings", rows, ["valid", "expiring", "expired"], "holding"),
    )


def partner_health(today: date) -> Table:
    counts = dict(Partner.objects.filter(archived=False).values_list("health").annotate(n=Count("id")).order_by())
    rows = [[label, counts.get(value, 0)] for value, label in Partner.Health.choices]
    return Table(
        "partner_health",
        "Partner health",
        ["Health", "Partners"],
        rows,
        _doughnut("Partners", rows, [value for value, _label in Partner.Health.choices], "health"),
    )


TABLES = OrderedDict(
    (f.__name__, f)
    for f in [
        partners_by_type,
        partners_by_stage,
        partner_health,
        report_status,
        report_totals,
        deal_pipeline,
        fund_utilisation,
        certification_compliance,
        certification_holdings,
    ]
)


def overview_tables(today: date, only: str | None = None) -> list[Table]:
    builders = [TABLES[only]] if only in TABLES else TABLES.values()
    return [build(today) for build in builders]
