"""Reads for reporting: each page's query count is decided here."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import QuerySet

from partnerhub.dates import first_of_month_months_later
from partnerhub.roles import Role, user_roles
from partnerhub.sorting import apply_sort
from partners.models import Partner
from partners.selectors import HEALTH_RANK

from .filters import AtRiskFilter, LicenseReportFilter
from .models import LicenseReport, LicenseReportLine, ReportingAgreement

REPORT_SORTS: dict[str, tuple[str, ...]] = {
    "month": ("month", "partner__name", "id"),
    "-month": ("-month", "partner__name", "id"),
    "partner": ("partner__name", "-month", "id"),
    "status": ("status", "-month", "partner__name", "id"),
    "due": ("due_on", "partner__name", "id"),
    "total": ("-total", "id"),
}


def report_list(
    *, params: dict | None = None, sort: str | None = None
) -> tuple[LicenseReportFilter, QuerySet[LicenseReport], str]:
    base = LicenseReport.objects.select_related("partner", "partner__manager")
    filterset = LicenseReportFilter(params or None, queryset=base)
    queryset, sort_key = apply_sort(filterset.qs, sort, REPORT_SORTS, "-month")
    return filterset, queryset, sort_key


def report_detail(*, pk: int) -> LicenseReport:
    return LicenseReport.objects.select_related(
        "partner", "partner__manager", "partner__reporting_agreement", "submitted_by", "acknowledged_by"
    ).get(pk=pk)


@dataclass
class LineWithChange:
    line: LicenseReportLine
    previous_total: Decimal | None

    @property
    def change(self) -> Decimal | None:
        return None if self.previous_total is None else self.line.line_total - self.previous_total


def lines_with_change(report: LicenseReport) -> tuple[list[LineWithChange], list[LicenseReportLine], LicenseReport | None]:
    """This month's lines with last month's total for the same product (matched by name), last
    month's products that disappeared, and last month's report. Two queries."""
    lines = list(report.lines.all())
    previous_report = (
        LicenseReport.objects.filter(partner_id=report.partner_id, month=first_of_month_months_later(report.month, -1))
        .prefetch_related("lines")
        .first()
    )
    previous_lines = list(previous_report.lines.all()) if previous_report else []
    previous_by_key: dict[str, Decimal] = {}
    for line in previous_lines:
        previous_by_key[line.match_key] = previous_by_key.get(line.match_key, Decimal("0")) + line.line_total
    current_keys = {line.match_key for line in lines}
    rows = [LineWithChange(line, previous_by_key.get(line.match_key)) for line in lines]
    gone = [line for line in previous_lines if line.match_key not in current_keys]
    return rows, gone, previous_report


def open_reports_due_by(*, day: date) -> QuerySet[LicenseReport]:
    """Reports still due or in draft whose due date has come, for partners that must report."""
    return (
        LicenseReport.objects.filter(
            status__in=LicenseReport.OPEN_STATUSES,
            due_on__lte=day,
            partner__archived=False,
            partner__reporting_agreement__reporting_required=True,
        )
        .select_related("partner", "partner__manager")
        .order_by("due_on", "id")
    )


def sees_all_reports(user: User) -> bool:
    """Accounting and admins look after every partner's reports; partner managers after their own."""
    return user.is_superuser or Role.ACCOUNTING.value in user_roles(user)


def reports_for_user(queryset: QuerySet[LicenseReport], user: User) -> QuerySet[LicenseReport]:
    return queryset if sees_all_reports(user) else queryset.filter(partner__manager=user)


def agreements_for_partner_section(partner: Partner) -> tuple[ReportingAgreement | None, list[LicenseReport]]:
    agreement = ReportingAgreement.objects.filter(partner=partner).first()
    reports = list(LicenseReport.objects.filter(partner=partner).order_by("-month")[:6])
    return agreement, reports


def partners_at_risk(*, params: dict | None = None) -> tuple[AtRiskFilter, QuerySet[Partner]]:
    base = (
        Partner.objects.filter(archived=False)
        .select_related("manager")
        .annotate(health_rank=HEALTH_RANK)
        .order_by("health_rank", "name", "id")
    )
    filterset = AtRiskFilter(params or None, queryset=base)
    return filterset, filterset.qs


# --- Quarterly business reviews (issue 18, item 2) ------------------------------------------------


def review_list(*, quarter: str | None = None) -> QuerySet:
    from .models import QuarterlyReview

    queryset = QuarterlyReview.objects.select_related("partner").defer("scorecard")
    if quarter:
        queryset = queryset.filter(quarter=quarter)
    return queryset.order_by("-quarter", "id")


def review_detail(*, pk: int):
    """Four queries: the review (partner and QBR activity joined), both attendee lists, the action
    items (their follow-ups and owners joined)."""
    from django.db.models import Prefetch

    from .models import QuarterlyReview, ReviewActionItem

    return (
        QuarterlyReview.objects.select_related("partner", "activity")
        .prefetch_related(
            "vshn_attendees",
            "partner_attendees",
            Prefetch("action_items", queryset=ReviewActionItem.objects.select_related("follow_up__author")),
        )
        .filter(pk=pk)
        .first()
    )
