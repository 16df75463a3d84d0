"""Writes for reporting. Each service validates (constraints included) before saving; reports
change state only through the listed moves, under a row lock so two clicks cannot race."""

import logging
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from partnerhub import formatting
from partnerhub.dates import first_of_month, first_of_month_months_later
from partnerhub.races import save_checked
from partnerhub.reminders import DueReminder, deliver
from partnerhub.roles import Role, users_with_role
from partners.models import Contact, Partner

from .models import (
    ZERO,
    CalendarFeedToken,
    InboxSnooze,
    LicenseReport,
    LicenseReportLine,
    QuarterlyReview,
    ReportingAgreement,
    ReviewActionItem,
    due_on_for,
    new_feed_token,
)

logger = logging.getLogger(__name__)

INVOICE_ALERT_KIND = "license_invoice_upcoming"
NOT_EDITABLE = "This report has been submitted and can no longer be edited."

# Allowed moves: from-status -> to-statuses.
TRANSITIONS = {
    LicenseReport.Status.DUE: {LicenseReport.Status.DRAFT, LicenseReport.Status.SUBMITTED},
    LicenseReport.Status.DRAFT: {LicenseReport.Status.SUBMITTED},
    LicenseReport.Status.SUBMITTED: {LicenseReport.Status.ACKNOWLEDGED},
    LicenseReport.Status.ACKNOWLEDGED: set(),
}


# --- agreements -------------------------------------------------------------------------------


@transaction.atomic
def agreement_save(*, agreement: ReportingAgreement) -> ReportingAgreement:
    agreement.full_clean()
    save_checked(agreement)  # a second agreement for the partner created at the same moment: the form error
    return agreement


# --- reports ----------------------------------------------------------------------------------


def _previous_total(partner_id: int, month: date) -> Decimal | None:
    previous = LicenseReport.objects.filter(partner_id=partner_id, month=first_of_month_months_later(month, -1)).values_list(
        "total", flat=True
    )
    return next(iter(previous), None)


@transaction.atomic
def report_create(*, partner: Partner, month: date) -> LicenseReport:
    """A report for a partner and month, due on the agreed day of the month after.
    Refuses a second report for the same month (form error; the unique constraint backs it up)."""
    month = first_of_month(month)
    agreement = ReportingAgreement.objects.filter(partner=partner).first()
    report = LicenseReport(
        partner=partner,
        month=month,
        currency=agreement.currency if agreement else ReportingAgreement._meta.get_field("currency").default,
        due_on=due_on_for(month, agreement.due_day if agreement else None),
        previous_total=_previous_total(partner.pk, month),
    )
    report.full_clean()  # the unique (partner, month) check: "A report for this month already exists."
    save_checked(report)  # and the same when another report for the month is created at the same moment
    return report


def _lock(report: LicenseReport) -> LicenseReport:
    return LicenseReport.objects.select_for_update().select_related("partner").get(pk=report.pk)


def _lock_editable(report: LicenseReport) -> LicenseReport:
    locked = _lock(report)
    if not locked.is_editable:
        raise ValidationError(NOT_EDITABLE)
    return locked


def _recompute(report: LicenseReport) -> LicenseReport:
    """Store the total (and refresh the previous month's) after lines changed; a due report with lines is a draft."""
    report.total = report.lines.aggregate(total=Sum("line_total"))["total"] or ZERO
    report.previous_total = _previous_total(report.partner_id, report.month)
    if report.status == LicenseReport.Status.DUE and report.lines.exists():
        report.status = LicenseReport.Status.DRAFT
    report.save(update_fields=["total", "previous_total", "status", "updated_at"])
    return report


@transaction.atomic
def line_add(
    *, report: LicenseReport, product: str, unit: str, quantity: Decimal, unit_price: Decimal, currency: str, term: str
) -> LicenseReportLine:
    report = _lock_editable(report)
    line = LicenseReportLine(
        report=report, product=product, unit=unit, quantity=quantity, unit_price=unit_price, currency=currency, term=term
    )
    line.full_clean()
    line.save()
    _recompute(report)
    return line


@transaction.atomic
def line_update(
    *,
    line: LicenseReportLine,
    product: str,
    unit: str,
    quantity: Decimal,
    unit_price: Decimal,
    currency: str,
    term: str,
) -> LicenseReportLine:
    report = _lock_editable(line.report)
    line.report = report
    line.product, line.unit, line.quantity, line.unit_price = product, unit, quantity, unit_price
    line.currency, line.term = currency, term
    line.full_clean()
    line.save()
    _recompute(report)
    return line


@transaction.atomic
def line_delete(*, line: LicenseReportLine) -> None:
    report = _lock_editable(line.report)
    line.delete()
    _recompute(report)


@transaction.atomic
def report_copy_previous(*, report: LicenseReport) -> int:
    """ "Start from last month": copy last month's lines into this (still editable, still empty) report."""
    report = _lock_editable(report)
    if report.lines.exists():
        raise ValidationError("This report already has lines; remove them first to start from last month.")
    previous = LicenseReport.objects.filter(
        partner_id=report.partner_id, month=first_of_month_months_later(report.month, -1)
    ).first()
    if previous is None or not previous.lines.exists():
        raise ValidationError("There is no report with lines for the previous month to start from.")
    copies = [
        LicenseReportLine(
            report=report,
            product=line.product,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            currency=report.currency,
            term=line.term,
        )
        for line in previous.lines.all()
    ]
    for copy in copies:
        copy.full_clean()
        copy.line_total = copy.quantity * copy.unit_price  # bulk_create skips save()
    LicenseReportLine.objects.bulk_create(copies)
    _recompute(report)
    return len(copies)


def _move(report: LicenseReport, to: str) -> LicenseReport:
    if to not in TRANSITIONS[LicenseReport.Status(report.status)]:
        raise ValidationError(
            f"A {report.get_status_display().lower()} report cannot become {LicenseReport.Status(to).label.lower()}."
        )
    report.status = to
    return report


def report_submit(*, report: LicenseReport, by: User) -> LicenseReport:
    with transaction.atomic():
        report = _lock(report)
        _move(report, LicenseReport.Status.SUBMITTED)
        report.previous_total = _previous_total(report.partner_id, report.month)
        report.submitted_at, report.submitted_by = timezone.now(), by
        report.save(update_fields=["status", "previous_total", "submitted_at", "submitted_by", "updated_at"])
    # After the commit: a mail outage must not undo the submission. If telling accounting fails
    # now, the license_invoice_upcoming sweep retries it on its next run (once per report).
    try:
        invoice_alert_send(report=report)
    except Exception:
        logger.exception("Telling accounting about %r failed; the sweep will retry", report)
    return report


@transaction.atomic
def report_acknowledge(*, report: LicenseReport, by: User) -> LicenseReport:
    report = _lock(report)
    _move(report, LicenseReport.Status.ACKNOWLEDGED)
    report.acknowledged_at, report.acknowledged_by = timezone.now(), by
    report.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    return report


# --- telling accounting about the upcoming invoice -------------------------------------------------


def invoice_alert_reasons(*, report: LicenseReport, agreement: ReportingAgreement | None) -> list[str]:
    """Why accounting should hear about this report's invoice (empty: no need)."""
    if agreement is None:
        return []
    reasons = []
    if report.total >= agreement.accounting_threshold:
        reasons.append(
            f"the total {formatting.money(report.total, report.currency)} reaches the threshold of "
            f"{formatting.money(agreement.accounting_threshold, agreement.currency)}"
        )
    if report.previous_total and report.total > report.previous_total * (1 + Decimal(agreement.growth_alert_percent) / 100):
        reasons.append(
            f"it grew by {report.change_percent} % against the previous month (alert above {agreement.growth_alert_percent} %)"
        )
    return reasons


def invoice_alert(*, report: LicenseReport, reasons: list[str], recipients: list[User]) -> DueReminder:
    return DueReminder(
        obj=report,
        due_key="submitted",
        recipients=recipients,
        title=f"Upcoming license invoice: {report.partner.name}, {report.month:%B %Y}: {formatting.money(report.total, report.currency)}",
        body=(
            f"The license report of {report.partner.name} for {report.month:%B %Y} was submitted with a total of "
            f"{formatting.money(report.total, report.currency)}; expect the partner's invoice. Accounting is told because "
            + " and ".join(reasons)
            + "."
        ),
        url=report.get_absolute_url(),
        partner=report.partner.name,
    )


def invoice_alert_send(*, report: LicenseReport) -> bool:
    """Tell accounting once per report (the unique ReminderSent row), in-app and by email."""
    agreement = ReportingAgreement.objects.filter(partner_id=report.partner_id).first()
    reasons = invoice_alert_reasons(report=report, agreement=agreement)
    if not reasons:
        return False
    return deliver(INVOICE_ALERT_KIND, invoice_alert(report=report, reasons=reasons, recipients=users_with_role(Role.ACCOUNTING)))


# --- calendar feed tokens --------------------------------------------------------------------------


@transaction.atomic
def calendar_token_reset(*, user: User) -> CalendarFeedToken:
    """Create the user's feed token, or replace it so the old URL stops working."""
    token, created = CalendarFeedToken.objects.select_for_update().get_or_create(user=user)
    if not created:
        token.token = new_feed_token()
        token.save(update_fields=["token"])
    return token


# --- Quarterly business reviews (issue 18, item 2) ------------------------------------------------


def _review_activity(review: QuarterlyReview, by: User) -> None:
    """A review that has taken place is a QBR on the partner's timeline: it counts as a sync meeting
    and resets the QBR cadence (activities/qbr.py). Logged once, moved with the review's date."""
    from activities.models import Activity
    from activities.services import activity_log

    if review.held_on > timezone.localdate():
        return  # planned: the QBR is logged once it has happened
    if review.activity is None:
        activity = Activity(
            partner=review.partner,
            kind=Activity.Kind.QBR,
            occurred_on=review.held_on,
            subject=f"Quarterly business review {review.quarter}",
        )
        review.activity = activity_log(activity=activity, author=by)
        review.save(update_fields=["activity"])
    elif review.activity.occurred_on != review.held_on:
        review.activity.occurred_on = review.held_on
        activity_log(activity=review.activity)


@transaction.atomic
def review_create(
    *,
    review: QuarterlyReview,
    by: User,
    vshn_attendees: Iterable[User] = (),
    partner_attendees: Iterable[Contact] = (),
) -> QuarterlyReview:
    """Create the quarter's review with its scorecard read from the records."""
    from .scorecard import scorecard_compute

    review.created_by = by
    review.full_clean()
    review.scorecard, review.scorecard_at = scorecard_compute(partner=review.partner, quarter=review.quarter), timezone.now()
    save_checked(review)  # the same partner and quarter created twice at once: the form error, not a 500
    review.vshn_attendees.set(vshn_attendees)
    review.partner_attendees.set([c for c in partner_attendees if c.partner_id == review.partner_id])
    _review_activity(review, by)
    return review


@transaction.atomic
def review_update(
    *,
    review: QuarterlyReview,
    by: User,
    vshn_attendees: Iterable[User] | None = None,
    partner_attendees: Iterable[Contact] | None = None,
) -> QuarterlyReview:
    review.full_clean()
    review.save()
    if vshn_attendees is not None:
        review.vshn_attendees.set(vshn_attendees)
    if partner_attendees is not None:
        review.partner_attendees.set([c for c in partner_attendees if c.partner_id == review.partner_id])
    _review_activity(review, by)
    return review


@transaction.atomic
def review_refresh_scorecard(*, review: QuarterlyReview) -> QuarterlyReview:
    """Read the scorecard from the records again (after late entries)."""
    from .scorecard import scorecard_compute

    locked = QuarterlyReview.objects.select_for_update().select_related("partner").get(pk=review.pk)
    locked.scorecard, locked.scorecard_at = scorecard_compute(partner=locked.partner, quarter=locked.quarter), timezone.now()
    locked.save(update_fields=["scorecard", "scorecard_at", "updated_at"])
    return locked


@transaction.atomic
def review_add_action_item(*, review: QuarterlyReview, title: str, owner: User, due_on: date, by: User) -> ReviewActionItem:
    """An action item is a follow-up owned by `owner` (an activity with a follow-up date on the
    partner's timeline), which makes it a task of the owner (issue 17): it shows in their tasks and
    inbox, they are told when someone else gave it to them, and it is closed there."""
    from activities.models import Activity
    from activities.services import activity_log

    day = min(review.held_on, due_on)
    follow_up = Activity(
        partner=review.partner,
        kind=Activity.Kind.NOTE,
        occurred_on=day,
        follow_up_on=due_on,
        subject=f"QBR {review.quarter}: {title}"[:200],
        notes=f"Action item of the quarterly business review {review.quarter}, added by {formatting.person(by)}.",
    )
    follow_up = activity_log(activity=follow_up, author=owner, by=by)
    return ReviewActionItem.objects.create(review=review, follow_up=follow_up)


# --- inbox snoozes (issue 16) -------------------------------------------------------------------------

SNOOZE_MAX_DAYS = 365


@transaction.atomic
def inbox_snooze(*, by: User, key: str, title: str, until: date, reason: str, today: date) -> InboxSnooze:
    """Put one of `by`'s inbox items aside until a date after today (within a year), saying why.
    Snoozing an item again moves its date and reason (also when an earlier snooze has run out)."""
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if until is None or until <= today:
        errors["until"] = "Pick a day after today."
    elif (until - today).days > SNOOZE_MAX_DAYS:
        errors["until"] = "Snooze for at most a year."
    if not reason:
        errors["reason"] = "Say why you snooze it."
    if errors:
        raise ValidationError(errors)
    snooze = InboxSnooze.objects.select_for_update().filter(user=by, item_key=key).first() or InboxSnooze(user=by, item_key=key)
    snooze.title, snooze.until, snooze.reason = title[:300], until, reason
    snooze._history_user = by  # type: ignore[attr-defined]
    snooze.full_clean()
    save_checked(snooze)
    return snooze


@transaction.atomic
def inbox_unsnooze(*, by: User, key: str) -> bool:
    """Bring a snoozed item back into `by`'s inbox now. False when it was not snoozed."""
    snooze = InboxSnooze.objects.select_for_update().filter(user=by, item_key=key).first()
    if snooze is None:
        return False
    snooze._history_user = by  # type: ignore[attr-defined]
    snooze.delete()
    return True
