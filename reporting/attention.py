"""What reporting contributes to the dashboard, partner health and calendar feeds."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Min

from partnerhub import formatting
from partnerhub.attention import AttentionItem, CalendarEvent, HealthFinding, attention_provider, calendar_provider, health_check
from partnerhub.dates import first_of_month, first_of_month_months_later
from partners.health import health_fact

from .models import LicenseReport, ReportingAgreement, due_on_for
from .selectors import reports_for_user, sees_all_reports

DASHBOARD_LEAD_DAYS = 14  # reports due within two weeks show up before they are overdue
OVERDUE_AT_RISK_DAYS = 30  # a report a month late is no longer a slip but a broken habit


def _open_reports():
    return LicenseReport.objects.filter(
        status__in=LicenseReport.OPEN_STATUSES, partner__archived=False, partner__reporting_agreement__reporting_required=True
    )


@attention_provider("license_reports")
def license_reports_due(user: User, today: date) -> list[AttentionItem]:
    """Reports due within two weeks or overdue: for the partners the user manages (all for accounting/admins). One query."""
    reports = reports_for_user(_open_reports(), user).filter(due_on__lte=today + timedelta(days=DASHBOARD_LEAD_DAYS))
    return [
        AttentionItem(
            category="License reports",
            title=f"{r.partner.name}: license report {r.month:%B %Y} ({r.get_status_display().lower()})",
            due=r.due_on,
            url=r.get_absolute_url(),
            overdue=r.due_on < today,
            why="License revenue is invoiced from the partner's report.",
        )
        for r in reports.select_related("partner").order_by("due_on", "id")[:50]
    ]


@health_check("license_reports_overdue")
def license_reports_overdue(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """Overdue license reports: watch, at risk once the oldest is a month late. One query per batch."""
    findings: dict[int, list[HealthFinding]] = defaultdict(list)
    rows = (
        _open_reports()
        .filter(partner_id__in=partner_ids, due_on__lt=today)
        .values("partner_id")
        .annotate(count=Count("id"), oldest=Min("due_on"))
        .order_by()
    )
    for row in rows:
        late = (today - row["oldest"]).days
        severity = "at_risk" if late >= OVERDUE_AT_RISK_DAYS else "watch"
        what = "1 license report" if row["count"] == 1 else f"{row['count']} license reports"
        findings[row["partner_id"]].append(
            HealthFinding(severity, f"{what} overdue, the oldest since {formatting.day(row['oldest'])}")
        )
    return findings


PROJECTED_MONTHS = 3  # upcoming due dates from the agreements, before the reports exist


@calendar_provider("license_reports")
def license_report_events(user: User, today: date) -> list[CalendarEvent]:
    """Open reports' due dates, and the next months' due dates from the agreements. Two queries."""
    open_reports = reports_for_user(_open_reports(), user).filter(due_on__gte=today - timedelta(days=90))
    events = [
        CalendarEvent(
            uid=f"license-report-{r.pk}@partnerhub",
            title=f"License report due: {r.partner.name} ({r.month:%B %Y})",
            day=r.due_on,
            url=r.get_absolute_url(),
            description=f"Status: {r.get_status_display()}",
        )
        for r in open_reports.select_related("partner").order_by("due_on")[:200]
    ]
    agreements = ReportingAgreement.objects.filter(reporting_required=True, partner__archived=False).select_related("partner")
    if not sees_all_reports(user):
        agreements = agreements.filter(partner__manager=user)
    this_month = first_of_month(today)
    for agreement in agreements[:200]:
        # The report for this month is due next month, and so on: months that have no report yet.
        for offset in range(PROJECTED_MONTHS):
            month = first_of_month_months_later(this_month, offset)
            events.append(
                CalendarEvent(
                    uid=f"license-report-due-{agreement.partner_id}-{month:%Y%m}@partnerhub",
                    title=f"License report due: {agreement.partner.name} ({month:%B %Y})",
                    day=due_on_for(month, agreement.due_day),
                    url=agreement.partner.get_absolute_url() + "#license-reports",
                    description=f"Channel: {agreement.get_channel_display()}"
                    + (f", to {agreement.recipient}" if agreement.recipient else ""),
                )
            )
    return events


# --- Facts health reads: a write to one refreshes its partners' health after the commit -------------


@health_fact(LicenseReport)
def _report_partner(report: LicenseReport) -> list[int]:
    return [report.partner_id]  # created, submitted, acknowledged


# Results in partner health (issue 18): no won deal for quarters, QBR overdue, PSAT falling.
from . import results_health  # noqa: E402, F401
