"""Reporting: monthly license reports per partner, their agreements, and private calendar feeds."""

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models import QUARTER_VALIDATOR
from partnerhub import formatting
from partnerhub.dates import first_of_month_months_later
from partnerhub.history import audited_page
from partnerhub.input_bounds import TEXT_MAX_LENGTH, date_range_constraint
from partnerhub.money import currency_constraint, currency_field
from partners.models import Partner

ZERO = Decimal("0")


class ReportingAgreement(models.Model):
    """What we agreed with a partner about monthly license reporting."""

    class Channel(models.TextChoices):
        PARTNER_PORTAL = "partner_portal", _("Partner portal")
        EMAIL = "email", _("Email")

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="reporting_agreement")
    reporting_required = models.BooleanField(default=True, verbose_name=_("license reporting required"))
    due_day = models.PositiveSmallIntegerField(
        default=10,
        verbose_name=_("due day of the month"),
        help_text=_("The report for a month is due on this day of the following month (1–28)."),
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PARTNER_PORTAL)
    recipient = models.CharField(max_length=200, blank=True, help_text=_("Email address or portal where the report goes."))
    accounting_threshold = models.DecimalField(
        _("accounting threshold"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10000.00"),
        help_text=_("Accounting hears about the upcoming invoice when a submitted report reaches this total."),
    )
    currency = currency_field(help_text=_("Currency of the reports and of the threshold."))
    growth_alert_percent = models.PositiveSmallIntegerField(
        default=20,
        verbose_name=_("growth alert (%)"),
        help_text=_("Accounting also hears when a report grows by more than this against the previous month."),
    )
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_day__gte=1) & Q(due_day__lte=28),
                name="agreement_due_day_1_28",
                violation_error_message=_("The due day must be between 1 and 28."),
            ),
            models.CheckConstraint(
                condition=Q(accounting_threshold__gte=0),
                name="agreement_threshold_not_negative",
                violation_error_message=_("The accounting threshold cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(growth_alert_percent__lte=1000),
                name="agreement_growth_percent_sane",
                violation_error_message=_("The growth alert must be between 0 and 1000 percent."),
            ),
            currency_constraint("currency", "agreement_currency_known"),
        ]

    def __str__(self) -> str:
        return f"Reporting agreement with {self.partner}"

    def due_on_for(self, month: date) -> date:
        return due_on_for(month, self.due_day)


DEFAULT_DUE_DAY = 10


def due_on_for(month: date, due_day: int | None) -> date:
    """A month's report is due on the agreed day of the following month."""
    return first_of_month_months_later(month, 1).replace(day=due_day or DEFAULT_DUE_DAY)


@audited_page()
class LicenseReport(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("Due")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    OPEN_STATUSES = (Status.DUE, Status.DRAFT)
    EDITABLE_STATUSES = OPEN_STATUSES

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="license_reports")
    month = models.DateField(help_text=_("The first day of the month the report covers."))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DUE, editable=False)
    currency = currency_field()
    due_on = models.DateField(help_text=_("Derived from the agreement's due day in the month after."))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, editable=False)
    previous_total = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text=_("The previous month's total, for the change; empty when there was no report."),
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-month", "partner__name"]
        constraints = [
            date_range_constraint("month"),
            models.UniqueConstraint(
                fields=["partner", "month"],
                name="license_report_one_per_month",
                violation_error_message=_("A report for this month already exists."),
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0),
                name="license_report_total_not_negative",
                violation_error_message=_("The total cannot be negative."),
            ),
            currency_constraint("currency", "license_report_currency_known"),
        ]
        indexes = [
            # The license_report_due sweep, the dashboard and the overdue health check: open reports by due date.
            models.Index(fields=["status", "due_on"], name="license_report_status_due_idx"),
            # The overview's monthly totals over the last 12 months.
            models.Index(fields=["month", "currency"], name="license_report_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} – {self.month:%B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:report-detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.status in self.OPEN_STATUSES and self.due_on < today

    @property
    def change(self) -> Decimal | None:
        return None if self.previous_total is None else self.total - self.previous_total

    @property
    def change_percent(self) -> Decimal | None:
        if not self.previous_total:
            return None
        return ((self.total - self.previous_total) / self.previous_total * 100).quantize(Decimal("0.1"))


class LicenseReportLine(models.Model):
    """One product on a report. The line total is quantity × unit price for the term as invoiced;
    yearly lines also show their monthly equivalent (total / 12) so months stay comparable."""

    class Term(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        YEARLY = "yearly", _("Yearly")

    report = models.ForeignKey(LicenseReport, on_delete=models.CASCADE, related_name="lines")
    product = models.CharField(max_length=200, verbose_name=_("product or SKU"))
    unit = models.CharField(max_length=50, blank=True, help_text=_('For example "cores", "nodes", "subscriptions".'))
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    currency = currency_field()
    term = models.CharField(max_length=10, choices=Term.choices, default=Term.MONTHLY)
    line_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, editable=False)

    class Meta:
        ordering = ["product", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="license_line_quantity_not_negative",
                violation_error_message=_("The quantity cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="license_line_price_not_negative",
                violation_error_message=_("The unit price cannot be negative."),
            ),
            currency_constraint("currency", "license_line_currency_known"),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.quantity} × {formatting.money(self.unit_price, self.currency)}"

    def save(self, *args, **kwargs) -> None:
        self.line_total = (self.quantity or ZERO) * (self.unit_price or ZERO)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        # The report's currency lives on another table, so the database cannot check this one.
        if self.report_id and self.currency and self.currency != self.report.currency:
            raise ValidationError(
                {
                    "currency": _("The line currency must be the report's currency (%(currency)s).")
                    % {"currency": self.report.currency}
                }
            )

    @property
    def monthly_equivalent(self) -> Decimal:
        if self.term == self.Term.YEARLY:
            return (self.line_total / 12).quantize(Decimal("0.01"))
        return self.line_total

    @property
    def match_key(self) -> str:
        """Lines of two months are the same product when their names match, ignoring case and spaces."""
        return " ".join(self.product.lower().split())


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedToken(models.Model):
    """The secret in a user's private ICS feed URL. Resetting it replaces the token; the old URL 404s."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    # The feed's ETag (a hash of its events) and when it last changed: calendar apps poll with
    # If-None-Match / If-Modified-Since and get 304 Not Modified while nothing changed (reporting/ics.py).
    etag = models.CharField(max_length=64, blank=True, editable=False)
    modified_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


# --- Quarterly business reviews (issue 18, item 2) ------------------------------------------------

SCORE_RANGE = Q(our_score__isnull=True) | Q(our_score__gte=0, our_score__lte=10)


@audited_page()
class QuarterlyReview(models.Model):
    """A quarterly business review (QBR) with one partner: the scorecard is filled from PartnerHub's
    records (reporting/scorecard.py) and kept as a snapshot of what was discussed; "refresh" rereads it."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="quarterly_reviews")
    quarter = models.CharField(max_length=7, validators=[QUARTER_VALIDATOR], help_text=_('The quarter reviewed, e.g. "2026-Q3".'))
    held_on = models.DateField(_("date of the review"))
    vshn_attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="quarterly_reviews", verbose_name=_("VSHN attendees")
    )
    partner_attendees = models.ManyToManyField(
        "partners.Contact", blank=True, related_name="quarterly_reviews", verbose_name=_("partner attendees")
    )
    # The QBR activity on the timeline (issue 20's QBR cadence reads activities of kind QBR).
    activity = models.OneToOneField(
        "activities.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quarterly_review",
        verbose_name=_("QBR activity"),
    )
    our_score = models.PositiveSmallIntegerField(_("our score of the partner (0-10)"), null=True, blank=True)
    partner_score = models.PositiveSmallIntegerField(
        _("the partner's score of us (0-10)"),
        null=True,
        blank=True,
        help_text=_("Partner satisfaction (PSAT), when the partner gives it."),
    )
    went_well = models.TextField(_("what went well"), max_length=TEXT_MAX_LENGTH, blank=True)
    roadblocks = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    decisions = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    scorecard = models.JSONField(default=dict, blank=True, editable=False)
    scorecard_at = models.DateTimeField(_("scorecard read at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "scorecard", "scorecard_at"])

    class Meta:
        ordering = ["-quarter", "partner__name", "id"]
        constraints = [
            date_range_constraint("held_on"),
            models.UniqueConstraint(
                fields=["partner", "quarter"],
                name="review_one_per_partner_quarter",
                violation_error_message=_("This partner already has a review of this quarter."),
            ),
            models.CheckConstraint(
                condition=SCORE_RANGE, name="review_our_score_0_10", violation_error_message=_("Scores go from 0 to 10.")
            ),
            models.CheckConstraint(
                condition=Q(partner_score__isnull=True) | Q(partner_score__gte=0, partner_score__lte=10),
                name="review_partner_score_0_10",
                violation_error_message=_("Scores go from 0 to 10."),
            ),
        ]
        indexes = [
            # The review list (newest quarter first) and "the partner's last review" (health, KPIs).
            models.Index(fields=["partner", "quarter"], name="review_partner_quarter_idx"),
            models.Index(F("quarter").desc(), F("id"), name="review_list_idx"),
        ]

    def __str__(self) -> str:
        return f"QBR {self.partner} {self.quarter}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:review", kwargs={"pk": self.pk})


class ReviewActionItem(models.Model):
    """An action item agreed in a review. Until the tasks of the onboarding/tasks issue land, it is a
    follow-up (an activity with a follow-up date, its author the person who owns it): it shows in
    that person's follow-ups and inbox and is closed there."""

    review = models.ForeignKey(QuarterlyReview, on_delete=models.CASCADE, related_name="action_items")
    follow_up = models.OneToOneField("activities.Activity", on_delete=models.CASCADE, related_name="review_action_item")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.follow_up.subject)


# --- Inbox snoozes (issue 16, item 1) ---------------------------------------------------------------

SNOOZE_REASON_MAX_LENGTH = 300
SNOOZE_KEY_MAX_LENGTH = 300


class InboxSnooze(models.Model):
    """One person put one inbox item aside until a date, saying why. The item is named by its key
    (reporting/inbox.py:item_key: the item's kind and what it points at), so any provider's items,
    present or future, can be snoozed without the reporting app knowing their models. Unsnoozing
    deletes the row; the history keeps who snoozed what, why, and who took it back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_snoozes")
    item_key = models.CharField(_("inbox item"), max_length=SNOOZE_KEY_MAX_LENGTH)
    title = models.CharField(_("what was snoozed"), max_length=300)
    until = models.DateField(_("snoozed until"))
    reason = models.CharField(max_length=SNOOZE_REASON_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["until", "id"]
        constraints = [
            date_range_constraint("until"),
            models.UniqueConstraint(
                fields=["user", "item_key"],
                name="snooze_one_per_user_item",
                violation_error_message=_("You have already snoozed this item."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="snooze_reason_given", violation_error_message=_("Say why you snooze it.")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} snoozed until {formatting.day(self.until)}"
