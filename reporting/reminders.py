"""Reporting sweeps: create the monthly reports, remind about due ones, tell accounting about big
invoices, refresh partner health, and the monthly summary to partner managers."""

import logging
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from django.contrib.auth.models import User
from django.db import DatabaseError
from django.db.models import F, Q
from django.urls import reverse

from partnerhub import formatting
from partnerhub.dates import first_of_month, first_of_month_months_later
from partnerhub.reminders import DueReminder, already_sent, deliver_many, each, each_batch, housekeeping, reminder
from partnerhub.roles import Role, users_with_role
from partners.health import partner_health_refresh
from partners.models import Partner

from . import selectors
from .models import LicenseReport, ReportingAgreement, due_on_for
from .services import INVOICE_ALERT_KIND, invoice_alert, invoice_alert_reasons

MONTHLY_SUMMARY_KIND = "monthly_summary"
# The summary goes out on the 1st; a run missed then still sends it during the first days of the month.
MONTHLY_SUMMARY_CATCH_UP_DAYS = 5
# Only recent reports can still trigger an invoice alert: turning the feature on must not flood
# accounting with alerts about last year's invoices.
INVOICE_ALERT_MONTHS_BACK = 3
HEALTH_RETRY_BATCH = 100

logger = logging.getLogger(__name__)


@housekeeping("license_reports_create")
def license_reports_create(today: date) -> int:
    """Create last month's report for every partner whose agreement requires reporting.

    Runs hourly: on the 1st it creates last month's reports, and a run missed on the 1st is caught
    up on the next. Bulk and idempotent (one query for what exists, ignore_conflicts for races)."""
    month = first_of_month_months_later(today, -1)
    agreements = list(
        ReportingAgreement.objects.filter(reporting_required=True, partner__archived=False)
        .exclude(partner__license_reports__month=month)
        .values_list("partner_id", "due_day", "currency")
    )
    if not agreements:
        return 0
    previous = dict(
        LicenseReport.objects.filter(
            partner_id__in=[a[0] for a in agreements], month=first_of_month_months_later(month, -1)
        ).values_list("partner_id", "total")
    )
    LicenseReport.objects.bulk_create(
        [
            LicenseReport(
                partner_id=partner_id,
                month=month,
                currency=currency,
                due_on=due_on_for(month, due_day),
                previous_total=previous.get(partner_id),
            )
            for partner_id, due_day, currency in agreements
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(agreements)


@reminder("license_report_due", label="License reports due")
def license_report_due(today: date) -> Iterator[DueReminder]:
    """On the due day, then weekly while not submitted, to the partner manager ("w0", "w1", ...)."""
    due = (
        selectors.open_reports_due_by(day=today)
        .filter(partner__manager__isnull=False)
        .select_related(None)
        .select_related("partner")
        .only("pk", "partner", "month", "status", "due_on", "partner__name", "partner__manager")
        .prefetch_related("partner__manager")  # a few managers, loaded once each
    )
    yield from each(due, lambda report: _report_due_reminder(report, today))


def _report_due_reminder(report, today: date) -> DueReminder:
    weeks = (today - report.due_on).days // 7
    partner = report.partner
    overdue = (
        f"overdue since {formatting.day(report.due_on)}"
        if report.due_on < today
        else f"due today ({formatting.day(report.due_on)})"
    )
    return DueReminder(
        obj=report,
        due_key=f"w{weeks}",
        recipients=[partner.manager],
        title=f"License report {partner.name}, {report.month:%B %Y}: {overdue}",
        body=(
            f"The monthly license report of {partner.name} for {report.month:%B %Y} is {overdue} and still "
            f"{report.get_status_display().lower()}. Fill in the lines (or start from last month) and submit it."
        ),
        url=report.get_absolute_url(),
        partner=partner.name,
    )


@reminder(INVOICE_ALERT_KIND, label="Upcoming license invoices")
def license_invoice_upcoming(today: date) -> Iterator[DueReminder]:
    """Safety net for the alert sent on submit: a submitted report at the threshold, or grown by more
    than the agreed percentage, tells accounting once (same kind and due key as on submit)."""
    agreement = "partner__reporting_agreement__"
    candidates = (
        LicenseReport.objects.filter(
            status__in=[LicenseReport.Status.SUBMITTED, LicenseReport.Status.ACKNOWLEDGED],
            month__gte=first_of_month_months_later(today, -INVOICE_ALERT_MONTHS_BACK),
        )
        # total > previous × (1 + percent / 100), multiplied out so it stays in Decimal arithmetic.
        .alias(total_x100=F("total") * 100, grown_limit=F("previous_total") * (100 + F(agreement + "growth_alert_percent")))
        .filter(Q(total__gte=F(agreement + "accounting_threshold")) | Q(previous_total__gt=0, total_x100__gt=F("grown_limit")))
        .select_related("partner", "partner__reporting_agreement")
    )
    recipients: dict[str, list[User]] = {}  # accounting, looked up once when the first alert is due

    def alert(report: LicenseReport) -> "DueReminder | None":
        reasons = invoice_alert_reasons(report=report, agreement=report.partner.reporting_agreement)
        if not reasons:
            return None
        if "accounting" not in recipients:
            recipients["accounting"] = users_with_role(Role.ACCOUNTING)
        return invoice_alert(report=report, reasons=reasons, recipients=recipients["accounting"])

    yield from each(candidates, alert)


@housekeeping("partner_health")
def partner_health(today: date) -> int:
    """Recompute every partner's health from the registered checks (bulk, batch by batch). When a
    check fails on some partner's data, the partners are refreshed again in small batches (and a
    failing batch one by one): the poisoned partner is reported, every other partner is refreshed."""
    try:
        return partner_health_refresh(today=today)
    except DatabaseError:
        raise
    except Exception:
        logger.warning("The partner health sweep failed; refreshing in small batches to isolate the partner", exc_info=True)
    ids = list(Partner.objects.filter(archived=False).order_by("pk").values_list("pk", flat=True))
    batches = [ids[start : start + HEALTH_RETRY_BATCH] for start in range(0, len(ids), HEALTH_RETRY_BATCH)]
    return each_batch(batches, lambda batch: partner_health_refresh(partner_ids=batch, today=today), label="partners.Partner")


@housekeeping(MONTHLY_SUMMARY_KIND, atomic=False)  # delivers in committed chunks
def monthly_summary(today: date) -> int:
    """On the 1st, each partner manager gets what is due this month and what changed last month;
    claimed once per manager and month (kind monthly_summary, due key YYYY-MM)."""
    if today.day > MONTHLY_SUMMARY_CATCH_UP_DAYS:
        return 0
    due_key = f"{today:%Y-%m}"
    sent_before = {object_id for object_id, key in already_sent(MONTHLY_SUMMARY_KIND) if key == due_key}
    managers = {u.pk: u for u in User.objects.filter(managed_partners__archived=False, is_active=True).distinct()}
    todo = {pk: user for pk, user in managers.items() if pk not in sent_before}
    if not todo:
        return 0
    this_month, last_month = first_of_month(today), first_of_month_months_later(today, -1)
    due_this_month = defaultdict(list)
    for report in (
        LicenseReport.objects.filter(
            partner__manager_id__in=todo,
            status__in=LicenseReport.OPEN_STATUSES,
            due_on__lt=first_of_month_months_later(this_month, 1),
        )
        .select_related("partner")
        .order_by("due_on")
    ):
        due_this_month[report.partner.manager_id].append(report)
    changed_last_month = defaultdict(list)
    for report in (
        LicenseReport.objects.filter(partner__manager_id__in=todo, month=first_of_month_months_later(last_month, -1))
        .exclude(status__in=LicenseReport.OPEN_STATUSES)
        .select_related("partner")
        .order_by("partner__name")
    ):
        changed_last_month[report.partner.manager_id].append(report)
    dues = []
    for pk, user in todo.items():
        due_lines = [
            f"- {r.partner.name}: license report for {r.month:%B %Y} due {formatting.day(r.due_on)}"
            + (" (overdue)" if r.due_on < today else "")
            for r in due_this_month[pk]
        ]
        change_lines = [
            f"- {r.partner.name} ({r.month:%B %Y}): {formatting.money(r.total, r.currency)}"
            + (f", {r.change:+,.2f} against the month before" if r.change is not None else "")
            for r in changed_last_month[pk]
        ]
        body = "\n".join(
            [f"Due in {today:%B %Y}:"]
            + (due_lines or ["- no license reports due"])
            + ["", "Reported last month:"]
            + (change_lines or ["- no submitted reports"])
        )
        dues.append(
            DueReminder(
                obj=user,
                due_key=due_key,
                recipients=[user],
                title=f"Your partner summary for {today:%B %Y}",
                body=body,
                url=reverse("reporting:reports"),
            )
        )
    return deliver_many(MONTHLY_SUMMARY_KIND, dues)


# Quarterly reviews not held (issue 18): partners of the configured types or tiers.
from . import review_reminders  # noqa: E402, F401
