"""Activities: what VSHNeers do with partners (activities, sync meetings, deals, campaigns, plans)."""

import re
import unicodedata
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerhub.history import audited_page
from partnerhub.input_bounds import TEXT_MAX_LENGTH, date_range_constraint
from partnerhub.money import CURRENCY_CODES, Currency, currency_constraint, currency_field, money_field
from partnerhub.search import unaccent
from partners.models import Contact, Partner

QUARTER_VALIDATOR = RegexValidator(r"^\d{4}-Q[1-4]$", _('A quarter looks like "2026-Q4".'))


def quarter_of(day: date) -> str:
    """ "2026-Q4" for any day in October to December 2026."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


# Legal-form suffixes that make "Acme AG" and "ACME, Ltd." the same customer for the duplicate check.
LEGAL_SUFFIXES = frozenset(
    {
        "ag",
        "gmbh",
        "sa",
        "sarl",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "llc",
        "se",
        "corp",
        "corporation",
        "co",
        "plc",
        "bv",
        "nv",
        "kg",
        "ohg",
        "oy",
        "ab",
        "as",
        "spa",
        "srl",
        "sas",
        "kgaa",
        "gmbhcokg",
    }
)


# German umlauts written out ("Zuercher") and left bare ("Zurcher") both stand for "Zürcher": fold all to the vowel.
_UMLAUT_SPELLINGS = re.compile(r"(?<=[aou])e")


def normalise_customer(name: str) -> str:
    """Lower case, no accents, no punctuation, no legal suffixes: "ACME, Ltd." -> "acme".

    Umlauts fold to their vowel however they are written, so "Zuercher Kantonalbank AG", "Zürcher
    Kantonalbank" and "Zurcher Kantonalbank" are one customer. (This also folds "Blue" to "blu" on both
    sides: it is the duplicate check's matching key, not a name to display.)
    """
    text = (unaccent(unicodedata.normalize("NFC", name or "")) or "").encode("ascii", "ignore").decode().lower()
    text = _UMLAUT_SPELLINGS.sub("", text)
    # "S.A." and "Co. KG" become "sa" and "co kg": drop dots inside abbreviations before splitting words.
    text = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", text)
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    while len(words) > 1:
        if words[-1] in LEGAL_SUFFIXES:
            words.pop()
        elif len(words) > 2 and words[-2] + words[-1] in LEGAL_SUFFIXES:  # "S.à r.l." -> "sa rl"
            del words[-2:]
        else:
            break
    return " ".join(words)


class Activity(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        SYNC_MEETING = "sync_meeting", _("Sync meeting")
        EMAIL = "email", _("Email")
        EVENT = "event", _("Event")
        NOTE = "note", _("Note")
        QBR = "qbr", _("QBR / get-together")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CALL)
    occurred_on = models.DateField(_("date"))
    subject = models.CharField(max_length=200)
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="authored_activities")
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="activity_participations", verbose_name=_("VSHN participants")
    )
    contacts = models.ManyToManyField(Contact, blank=True, related_name="activities", verbose_name=_("partner contacts involved"))
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    follow_up_done = models.BooleanField(default=False)
    inform_team = models.BooleanField(_("inform the team"), default=False, help_text=_("Notify the partner manager and team."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name_plural = _("activities")
        constraints = [
            date_range_constraint("occurred_on"),
            date_range_constraint("follow_up_on"),
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True) | Q(follow_up_on__gte=F("occurred_on")),
                name="activity_follow_up_after_activity",
                violation_error_message=_("The follow-up date cannot be before the activity."),
            ),
        ]
        indexes = [
            # Partner timeline: keyset pagination on (occurred_on, id) newest first within one partner.
            models.Index(F("partner"), F("occurred_on").desc(), F("id").desc(), name="activity_partner_timeline_idx"),
            # Sync status: the last sync meeting per partner (MAX(occurred_on) WHERE kind = sync_meeting
            # GROUP BY partner). Kind first, so the all-partners sweep reads only the sync meetings'
            # part of the index; one partner's lookup uses both equality columns just the same.
            models.Index(fields=["kind", "partner", "occurred_on"], name="activity_kind_partner_date_idx"),
            # Global feed: newest first over all partners.
            models.Index(F("occurred_on").desc(), F("id").desc(), name="activity_feed_idx"),
            # "My follow-ups": open follow-ups of one author by date.
            models.Index(fields=["author", "follow_up_done", "follow_up_on"], name="activity_follow_up_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("activities:edit", kwargs={"pk": self.pk})


class Opportunity(models.Model):
    class Stage(models.TextChoices):
        LEAD = "lead", _("Lead")
        QUALIFIED = "qualified", _("Qualified")
        PROPOSAL = "proposal", _("Proposal")
        NEGOTIATION = "negotiation", _("Negotiation")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    class Source(models.TextChoices):
        """Who brought the deal (issue 18: partner-sourced and partner-influenced won value)."""

        PARTNER_SOURCED = "partner_sourced", _("Partner-sourced (the partner brought or referred it)")
        PARTNER_INFLUENCED = "partner_influenced", _("Partner-influenced (the partner helped win it)")
        VSHN_SOURCED = "vshn_sourced", _("VSHN-sourced (the partner only delivers)")

    OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="opportunities")
    end_customer = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    value = money_field(_("value"), positive=False)
    currency = currency_field()
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.LEAD)
    expected_close = models.DateField(null=True, blank=True)
    # When the deal was won: set by opportunity_save when the stage becomes won (today unless given),
    # cleared when it moves back. Won value per quarter (targets, reviews, KPIs) counts by this day.
    won_on = models.DateField(_("won on"), null=True, blank=True, help_text=_("Set to today when the deal is marked won."))
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=Source.choices,
        default=Source.PARTNER_INFLUENCED,
        help_text=_("A partner-sourced deal of a consultant or reseller earns its referral commission when won."),
    )
    campaign = models.ForeignKey(
        "Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        help_text=_("The joint campaign the deal came from (fund ROI)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not a field: what the deal-won hooks said, set by activities.services.opportunity_save.
    warnings: list[str]

    class Meta:
        ordering = ["expected_close", "id"]
        verbose_name_plural = _("opportunities")
        constraints = [
            date_range_constraint("expected_close"),
            date_range_constraint("won_on"),
            models.CheckConstraint(
                condition=Q(stage="won") | Q(won_on__isnull=True),
                name="opportunity_won_on_only_when_won",
                violation_error_message=_("Only a won deal has the day it was won."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="opportunity_value_not_negative",
                violation_error_message=_("The value cannot be negative."),
            ),
            currency_constraint("currency", "opportunity_currency_known"),
        ]
        indexes = [
            # Pipeline list: filter by stage, sorted by expected close.
            models.Index(fields=["stage", "expected_close"], name="opportunity_stage_close_idx"),
            # Won value per partner and quarter (joint-plan targets, reviews, KPIs).
            models.Index(fields=["partner", "stage", "won_on"], name="opportunity_partner_won_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.end_customer})"

    def get_absolute_url(self) -> str:
        return reverse("activities:opportunity-edit", kwargs={"pk": self.pk})


@audited_page()
class DealRegistration(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        EXPIRED = "expired", _("Expired")

    OPEN_STATUSES = ("draft", "submitted", "approved")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="deal_registrations")
    registration_id = models.CharField(_("partner's registration ID"), max_length=100, blank=True)
    customer = models.CharField(max_length=200)
    # Derived from `customer` on save; stored and indexed so the duplicate check is one query.
    customer_normalized = models.CharField(max_length=200, editable=False, blank=True)
    products = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    value = money_field(_("value"), positive=False)
    currency = currency_field()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    # Set by the submit transition and never editable afterwards (the registration timestamp).
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_on = models.DateField(null=True, blank=True, help_text=_("Approved registrations expire on this day."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="deal_registrations"
    )
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            date_range_constraint("expires_on"),
            models.UniqueConstraint(
                fields=["partner", "registration_id"],
                condition=~Q(registration_id=""),
                name="deal_registration_id_unique_per_partner",
                violation_error_message=_("This partner already has a registration with this ID."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="deal_registration_value_not_negative",
                violation_error_message=_("The value cannot be negative."),
            ),
            currency_constraint("currency", "deal_registration_currency_known"),
        ]
        indexes = [
            # Duplicate warning: open registrations of one partner with the same normalised customer.
            models.Index(fields=["partner", "customer_normalized"], name="dealreg_partner_customer_idx"),
            # Expiry sweep, expiring-soon list and reminder: approved ones by expiry date.
            models.Index(fields=["status", "expires_on"], name="dealreg_status_expires_idx"),
            # The registration list's default order (newest first, ORDER BY created_at DESC, id DESC
            # LIMIT 25): without it every page sorted all registrations (500 ms at 50,000).
            models.Index(F("created_at").desc(), F("id").desc(), name="dealreg_list_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} via {self.partner}" + (f" ({self.registration_id})" if self.registration_id else "")

    def save(self, *args, **kwargs) -> None:
        self.customer_normalized = normalise_customer(self.customer)[:200]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("activities:registration-edit", kwargs={"pk": self.pk})


@audited_page()
class Campaign(models.Model):
    class Kind(models.TextChoices):
        EVENT = "event", _("Event / joint meetup")
        ROADSHOW = "roadshow", _("Roadshow")
        WEBINAR = "webinar", _("Webinar")
        CAMPAIGN = "campaign", _("Campaign")
        COLLATERAL = "collateral", _("Collateral (fact sheet)")
        PR = "pr", _("PR")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    partners = models.ManyToManyField(Partner, related_name="campaigns")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    # Derived from starts_on on save ("2026-Q4"): stored for filtering and the joint plan.
    quarter = models.CharField(max_length=7, editable=False, blank=True, db_index=True)
    budget = money_field(_("budget"), positive=False, default=0)
    currency = currency_field()
    leads = models.PositiveIntegerField(default=0)
    attendees = models.PositiveIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="campaigns"
    )
    brand_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    brand_checked_at = models.DateTimeField(_("brand guidelines checked at"), null=True, blank=True, editable=False)
    pr_guidelines_approved = models.BooleanField(_("partner PR guidelines approved"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            date_range_constraint("starts_on"),
            date_range_constraint("ends_on"),
            models.CheckConstraint(
                condition=~Q(status__in=["done", "published"])
                | (Q(brand_checked_at__isnull=False) & Q(pr_guidelines_approved=True)),
                name="campaign_done_needs_brand_and_pr_check",
                violation_error_message=_(
                    "A campaign can only be done or published once the brand guidelines are checked and the partner's PR guidelines approved."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="campaign_ends_after_start",
                violation_error_message=_("The campaign cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="campaign_budget_not_negative",
                violation_error_message=_("The budget cannot be negative."),
            ),
            currency_constraint("currency", "campaign_currency_known"),
        ]
        indexes = [
            # Campaign list and month calendar: by start date.
            models.Index(fields=["starts_on"], name="campaign_starts_on_idx"),
            models.Index(fields=["status", "starts_on"], name="campaign_status_starts_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if self.starts_on:
            self.quarter = quarter_of(self.starts_on)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("activities:campaign-edit", kwargs={"pk": self.pk})


class JointPlan(models.Model):
    """The quarterly joint business plan (JBP) agreed with one partner."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="joint_plans")
    quarter = models.CharField(max_length=7, validators=[QUARTER_VALIDATOR], help_text=_('For example "2026-Q4".'))
    summary = models.TextField(
        max_length=TEXT_MAX_LENGTH, blank=True, help_text=_("Goals agreed with the partner for the quarter.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-quarter", "partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "quarter"],
                name="joint_plan_one_per_partner_quarter",
                violation_error_message=_("This partner already has a plan for this quarter."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.quarter}"

    def get_absolute_url(self) -> str:
        return reverse("activities:plan", kwargs={"slug": self.partner.slug, "quarter": self.quarter})


class Metric(models.TextChoices):
    """What a joint-plan target counts. All but CUSTOM are computed from PartnerHub's records."""

    WON_DEAL_VALUE = "won_deal_value", _("Won deal value")
    REGISTRATIONS_SUBMITTED = "registrations_submitted", _("Registrations submitted")
    REGISTRATIONS_APPROVED = "registrations_approved", _("Registrations approved")
    CAMPAIGN_LEADS = "campaign_leads", _("Campaign leads")
    ATTENDEES = "attendees", _("Campaign attendees")
    CERTIFICATIONS_HELD = "certifications_held", _("Certifications held")
    LICENSE_REVENUE = "license_revenue", _("License revenue")
    CUSTOM = "custom", _("Custom number")


MONEY_METRICS = (Metric.WON_DEAL_VALUE, Metric.LICENSE_REVENUE)
# In words, next to the number (issue 18: each measure defined where it is shown).
METRIC_DEFINITIONS = {
    Metric.WON_DEAL_VALUE: _("Value of the partner's joint deals marked won in the quarter, in the target's currency."),
    Metric.REGISTRATIONS_SUBMITTED: _("Deal registrations submitted to the partner in the quarter."),
    Metric.REGISTRATIONS_APPROVED: _(
        "Registrations submitted in the quarter that the partner approved (later won, lost or expired included)."
    ),
    Metric.CAMPAIGN_LEADS: _("Leads of the partner's campaigns starting in the quarter."),
    Metric.ATTENDEES: _("Attendees of the partner's campaigns starting in the quarter."),
    Metric.CERTIFICATIONS_HELD: _(
        "Valid holdings of the partner's certifications on the quarter's last day (today while it runs)."
    ),
    Metric.LICENSE_REVENUE: _(
        "Totals of the submitted monthly license reports for the quarter's months, in the target's currency."
    ),
    Metric.CUSTOM: _("A number the team enters by hand."),
}


class JointPlanInitiative(models.Model):
    Metric = Metric

    class Kind(models.TextChoices):
        SALES = "sales", _("Sales")
        MARKETING = "marketing", _("Marketing")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(JointPlan, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="plan_initiatives"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="plan_initiatives")
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.SET_NULL, null=True, blank=True, related_name="plan_initiatives"
    )
    deal_registration = models.ForeignKey(
        DealRegistration, on_delete=models.SET_NULL, null=True, blank=True, related_name="plan_initiatives"
    )
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    # The measurable target (issue 18): optional; a target of 0 is valid.
    metric = models.CharField(
        _("target metric"),
        max_length=30,
        choices=Metric.choices,
        blank=True,
        help_text=_("What the target counts; leave empty for an initiative without a number."),
    )
    target_value = models.DecimalField(_("target"), max_digits=12, decimal_places=2, null=True, blank=True)
    target_currency = models.CharField(
        _("target currency"),
        max_length=3,
        choices=Currency.choices,
        blank=True,
        help_text=_("For money targets (won deal value, license revenue)."),
    )
    custom_actual = models.DecimalField(
        _("actual (entered by hand)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Only for a custom number; PartnerHub computes the others."),
    )

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(metric="") & Q(target_value__isnull=True)) | (~Q(metric="") & Q(target_value__isnull=False)),
                name="initiative_target_needs_metric_and_value",
                violation_error_message=_("A target needs both its metric and its value."),
            ),
            models.CheckConstraint(
                condition=Q(target_value__gte=0) | Q(target_value__isnull=True),
                name="initiative_target_not_negative",
                violation_error_message=_("The target cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(custom_actual__gte=0) | Q(custom_actual__isnull=True),
                name="initiative_custom_actual_not_negative",
                violation_error_message=_("The actual cannot be negative."),
            ),
            models.CheckConstraint(
                condition=(Q(metric__in=MONEY_METRICS) & Q(target_currency__in=CURRENCY_CODES))
                | (~Q(metric__in=MONEY_METRICS) & Q(target_currency="")),
                name="initiative_money_target_has_currency",
                violation_error_message=_("A money target needs its currency; other targets have none."),
            ),
            models.CheckConstraint(
                condition=Q(metric="custom") | Q(custom_actual__isnull=True),
                name="initiative_custom_actual_only_for_custom",
                violation_error_message=_("Only a custom number takes an actual entered by hand."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_money(self) -> bool:
        return self.metric in MONEY_METRICS


class TaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True)

    def done(self):
        return self.filter(done_at__isnull=False)

    def overdue(self, today: date):
        return self.filter(done_at__isnull=True, due_on__lt=today)


@audited_page()
class Task(models.Model):
    """An action item with an owner (issue 17): from a sync meeting, a QBR, an onboarding step, a
    campaign or by hand. An activity's follow-up is a task (`activity`, kept in step by
    services.activity_log); any other record it came from is the generic `source`."""

    title = models.CharField(_("task"), max_length=200)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="tasks")
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assigned_tasks", verbose_name=_("assigned to")
    )
    due_on = models.DateField(_("due on"))
    activity = models.OneToOneField(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_up_task",
        editable=False,
        help_text=_("The activity whose follow-up this task is."),
    )
    source_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    source = GenericForeignKey("source_type", "source_id")
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            date_range_constraint("due_on"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=False) | Q(done_by__isnull=True),
                name="task_done_by_only_when_done",
                violation_error_message=_("Only a done task has someone who did it."),
            ),
            models.CheckConstraint(
                condition=Q(source_type__isnull=True, source_id__isnull=True)
                | Q(source_type__isnull=False, source_id__isnull=False),
                name="task_source_type_and_id_together",
                violation_error_message=_("A task's source needs both its kind and its record."),
            ),
        ]
        indexes = [
            # "My tasks" and the inbox: one person's open tasks by due date.
            models.Index(fields=["assignee", "done_at", "due_on", "id"], name="task_assignee_open_due_idx"),
            # "Team tasks" default order, keys first (ORDER BY due_on, id LIMIT 25).
            models.Index(fields=["due_on", "id"], name="task_list_due_idx"),
            models.Index(fields=["source_type", "source_id"], name="task_source_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:task", kwargs={"pk": self.pk})

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_on < today

    @property
    def source_link(self) -> tuple[str, str] | None:
        """(label, url) of the record the task came from, if it has a page."""
        if self.activity_id:
            return (
                f"{self.activity.get_kind_display()} on {self.activity.occurred_on:%d.%m.%Y}: {self.activity.subject}",
                self.activity.get_absolute_url(),
            )
        source = self.source if self.source_type_id else None
        if source is not None and hasattr(source, "get_absolute_url"):
            return (str(source), source.get_absolute_url())
        return None
