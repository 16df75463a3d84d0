"""Partners: the partner company and everything about the relationship."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerhub.input_bounds import LONG_TEXT_MAX_LENGTH, TEXT_MAX_LENGTH, date_range_constraint
from partnerhub.validators import validate_document

# The four partner types of the domain (also created by migration 0002). "Customer" is not one.
DEFAULT_PARTNER_TYPES = {
    "consultant-reseller": "Consultant & Reseller",
    "csp": "CSP (cloud service provider)",
    "software-vendor": "Software Vendor",
    "distributor": "Distributor",
}


class PartnerType(models.Model):
    """Catalog of partner types (created by a data migration; admins may add more)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    class Stage(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        ENDED = "ended", _("Ended")

    class SyncCadence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Fortnightly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        NONE = "none", _("None")

    CADENCE_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 30, "quarterly": 91}

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    types = models.ManyToManyField(PartnerType, related_name="partners", verbose_name=_("partner types"))
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROSPECT, verbose_name=_("lifecycle stage"))
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_partners",
        verbose_name=_("partner manager"),
    )
    program_level = models.CharField(
        max_length=100, blank=True, verbose_name=_("program level held"), help_text=_('For example "Premier" or "Select tier".')
    )
    website = models.URLField(blank=True)
    strategy = models.TextField(max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    markets = models.CharField(max_length=255, blank=True, help_text=_("Markets and regions the partner operates in."))
    why_together = models.TextField(
        max_length=LONG_TEXT_MAX_LENGTH, blank=True, verbose_name=_("why we work together"), help_text=_("Benefits both ways.")
    )
    vshn_products = models.TextField(
        max_length=LONG_TEXT_MAX_LENGTH, blank=True, verbose_name=_("VSHN products that include the partner")
    )
    pricing_details = models.TextField(max_length=LONG_TEXT_MAX_LENGTH, blank=True, verbose_name=_("pricing and discounts"))
    reporting_details = models.TextField(max_length=LONG_TEXT_MAX_LENGTH, blank=True, verbose_name=_("reporting details"))
    sync_cadence = models.CharField(
        max_length=20, choices=SyncCadence.choices, default=SyncCadence.MONTHLY, verbose_name=_("sync-meeting cadence")
    )

    class Health(models.TextChoices):
        GOOD = "good", _("Good")
        WATCH = "watch", _("Watch")
        AT_RISK = "at_risk", _("At risk")
        UNKNOWN = "unknown", _("Not checked yet")

    # Precomputed by the reporting app's health sweep (and after relevant writes) from the health
    # checks every app registers, so the partner list can show and filter on it without a query per row.
    health = models.CharField(max_length=10, choices=Health.choices, default=Health.UNKNOWN, db_index=True)
    health_reasons = models.JSONField(default=list, blank=True, help_text=_("Why the partner has its health, in words."))
    health_checked_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(default=False, help_text=_("Archived partners keep their history; they are never deleted."))
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Audit trail; the precomputed health columns change by sweep and are not worth a history row.
    history = HistoricalRecords(excluded_fields=["health", "health_reasons", "health_checked_at", "updated_at"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="partner_name_unique_ci",
                violation_error_message=_("A partner with this name already exists."),
            ),
        ]
        indexes = [
            # Partner list: filter by archived, sort by name (id breaks ties); pages read only keys.
            models.Index(fields=["archived", "name", "id"], name="partner_list_name_idx"),
            models.Index(fields=["stage", "name"], name="partner_stage_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partners:detail", kwargs={"slug": self.slug})

    @property
    def cadence_days(self) -> int | None:
        return self.CADENCE_DAYS.get(self.sync_cadence)


class PartnerTeamMember(models.Model):
    class Role(models.TextChoices):
        SALES = "sales", _("Sales")
        MARKETING = "marketing", _("Marketing")
        TECHNICAL = "technical", _("Technical")
        EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_teams")
    role = models.CharField(max_length=30, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "user", "role"],
                name="team_member_role_unique",
                violation_error_message=_("This person already has this role on the partner's team."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at {self.partner}"


class Contact(models.Model):
    class StakeholderRole(models.TextChoices):
        EXECUTIVE = "executive", _("Executive")
        PARTNER_MANAGER = "partner_manager", _("Partner manager counterpart")
        SALES = "sales", _("Sales")
        MARKETING = "marketing", _("Marketing")
        TECHNICAL = "technical", _("Technical")
        BILLING = "billing", _("Billing / accounting")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    job_title = models.CharField(max_length=150, blank=True)
    stakeholder_role = models.CharField(max_length=30, choices=StakeholderRole.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False, verbose_name=_("primary contact"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            # Partner detail and per-partner contact export.
            models.Index(fields=["partner", "last_name", "first_name"], name="contact_partner_name_idx"),
            # The contacts directory (all partners), paged by name.
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Contract(models.Model):
    class Kind(models.TextChoices):
        PARTNER_AGREEMENT = "partner_agreement", _("Partner / reseller agreement")
        NDA = "nda", _("NDA")
        DPA = "dpa", _("DPA")
        MSA = "msa", _("MSA")
        PROGRAM_TERMS = "program_terms", _("Program terms")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="contracts")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text=_("Leave empty for an open-ended contract."))
    auto_renew = models.BooleanField(default=False)
    notice_period_days = models.IntegerField(default=0, help_text=_("Days before the end by which notice must be given."))
    notice_deadline = models.DateField(
        null=True, blank=True, editable=False, help_text=_("Derived: end date minus the notice period.")
    )
    document = models.FileField(upload_to="contracts/%Y/", blank=True, validators=[validate_document])
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            date_range_constraint("start_date"),
            date_range_constraint("end_date"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="contract_end_after_start",
                violation_error_message=_("The contract cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(notice_period_days__gte=0),
                name="contract_notice_period_not_negative",
                violation_error_message=_("The notice period cannot be negative."),
            ),
        ]
        indexes = [
            # The contract-notice-deadline sweep and the dashboard.
            models.Index(fields=["notice_deadline"], name="contract_notice_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"

    def save(self, *args, **kwargs) -> None:
        # A derived column, stored so the reminder sweep and the dashboard can filter on it.
        self.notice_deadline = self.derive_notice_deadline(self.end_date, self.notice_period_days)
        super().save(*args, **kwargs)

    @staticmethod
    def derive_notice_deadline(end_date: date | None, notice_period_days: int | None) -> date | None:
        if end_date is None:
            return None
        try:
            return end_date - timedelta(days=max(notice_period_days or 0, 0))
        except OverflowError:  # an end date in year 1: the start of the calendar, not a 500
            return date.min


class SupplierRiskAssessment(models.Model):
    """Per VSHN's supplier security policy ("Sicherheitsrichtlinie für Lieferanten")."""

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Criticality(models.TextChoices):
        LOW = "low", _("Low — easily replaced")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High — business critical")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="risk_assessments")
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices)
    data_touched = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True, verbose_name=_("data the partner touches"))
    systems_touched = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True, verbose_name=_("systems the partner touches"))
    criticality = models.CharField(max_length=20, choices=Criticality.choices)
    assessed_on = models.DateField(verbose_name=_("last assessed"))
    next_review_due = models.DateField()
    mitigations = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        get_latest_by = "assessed_on"
        constraints = [
            date_range_constraint("assessed_on"),
            date_range_constraint("next_review_due"),
            models.CheckConstraint(
                condition=Q(next_review_due__gte=F("assessed_on")),
                name="risk_review_after_assessment",
                violation_error_message=_("The next review cannot be before the assessment."),
            ),
        ]
        indexes = [
            # The supplier-risk-review sweep.
            models.Index(fields=["next_review_due"], name="risk_next_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.get_risk_level_display()} risk ({self.assessed_on})"


# --- Onboarding (issue 17): versioned tracks per partner type, a checklist per onboarding ----------------


class OnboardingOwnerRole(models.TextChoices):
    """Who owns a template step: the partner manager, or the partner-team member holding the role."""

    PARTNER_MANAGER = "partner_manager", _("Partner manager")
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    TECHNICAL = "technical", _("Technical")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")


class OnboardingProof(models.TextChoices):
    """The record that proves a step; such steps tick themselves when the record appears
    (partners/onboarding.py; each app registers its own kinds next to its health facts)."""

    NONE = "", _("None (ticked by hand)")
    PARTNER_AGREEMENT = "contract_partner_agreement", _("Contract: partner / reseller agreement")
    NDA = "contract_nda", _("Contract: NDA")
    DPA = "contract_dpa", _("Contract: DPA")
    MSA = "contract_msa", _("Contract: MSA")
    PROGRAM_TERMS = "contract_program_terms", _("Contract: program terms")
    RISK_ASSESSMENT = "risk_assessment", _("Supplier risk assessment")
    CERTIFICATION = "certification_holding", _("A VSHNeer holds one of the partner's certifications")
    REGISTRATION = "deal_registration", _("First deal registration")


MAX_DUE_OFFSET_DAYS = 365


class OnboardingTrack(models.Model):
    """One version of the onboarding steps for a partner type. A version in use by an onboarding is
    never changed: editing it makes the next version (services.onboarding_track_* ), so running
    onboardings keep the steps they started with."""

    partner_type = models.ForeignKey(PartnerType, on_delete=models.PROTECT, related_name="onboarding_tracks")
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True, help_text=_("The version new onboardings start from."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["partner_type__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner_type", "version"],
                name="onboarding_track_version_unique",
                violation_error_message=_("This version of the track already exists."),
            ),
            models.UniqueConstraint(
                fields=["partner_type"],
                condition=Q(is_current=True),
                name="onboarding_track_one_current",
                violation_error_message=_("A partner type has one current onboarding track."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_type.name} onboarding (version {self.version})"


class OnboardingStepTemplate(models.Model):
    track = models.ForeignKey(OnboardingTrack, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    owner_role = models.CharField(
        max_length=30,
        choices=OnboardingOwnerRole.choices,
        default=OnboardingOwnerRole.PARTNER_MANAGER,
        verbose_name=_("owner"),
        help_text=_("The partner-team member with this role (else the partner manager)."),
    )
    due_offset_days = models.PositiveSmallIntegerField(
        default=14, verbose_name=_("due (days after the start)"), help_text=_("0 to 365 days after the onboarding starts.")
    )
    required = models.BooleanField(default=True, help_text=_("Onboarding is done when every required step is done."))
    proof = models.CharField(max_length=40, choices=OnboardingProof.choices, blank=True, default="", verbose_name=_("proved by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_offset_days__lte=MAX_DUE_OFFSET_DAYS),
                name="onboarding_step_template_offset_max",
                violation_error_message=_("A step is due at most 365 days after the start."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Onboarding(models.Model):
    """One partner's onboarding: its checklist copied from a track version, started and ended dates."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="onboardings")
    track = models.ForeignKey(OnboardingTrack, on_delete=models.PROTECT, null=True, blank=True, related_name="onboardings")
    started_on = models.DateField(verbose_name=_("started on"))
    ended_on = models.DateField(null=True, blank=True, verbose_name=_("ended on"))
    completion_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["completion_notified_at"])
    # Not a field: the steps with owner and done_by, set by partners.selectors.partner_onboarding.
    step_list: list["OnboardingStep"]

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            date_range_constraint("started_on"),
            date_range_constraint("ended_on"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="onboarding_end_after_start",
                violation_error_message=_("Onboarding cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(ended_on__isnull=True),
                name="onboarding_one_running_per_partner",
                violation_error_message=_("This partner is already being onboarded."),
            ),
        ]

    def __str__(self) -> str:
        return f"Onboarding of {self.partner} from {self.started_on}"


class OnboardingStep(models.Model):
    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="onboarding_steps"
    )
    due_on = models.DateField(verbose_name=_("due on"))
    required = models.BooleanField(default=True)
    proof = models.CharField(max_length=40, choices=OnboardingProof.choices, blank=True, default="", verbose_name=_("proved by"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty with a done time: ticked by its proof."),
    )
    proof_label = models.CharField(max_length=200, blank=True)
    proof_url = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "due_on", "id"]
        constraints = [
            date_range_constraint("due_on"),
            models.CheckConstraint(
                condition=Q(done_by__isnull=True) | Q(done_at__isnull=False),
                name="onboarding_step_done_by_has_time",
                violation_error_message=_("A step done by someone has a time it was done."),
            ),
        ]
        indexes = [
            # The overdue-steps reminder, inbox and the partner list's "onboarding overdue" filter.
            models.Index(fields=["done_at", "due_on"], name="onboarding_step_open_due_idx"),
            # "My onboarding steps" in the inbox.
            models.Index(fields=["owner", "done_at", "due_on"], name="onboarding_step_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


# --- Collateral and guideline library (issue 17, item 4) ------------------------------------------------


class Collateral(models.Model):
    """A file about a partner: fact sheets, decks, brand and PR guidelines. Served only through
    partners:collateral-file (sign-in required), uploaded with the same checks as contracts."""

    class Kind(models.TextChoices):
        FACT_SHEET = "fact_sheet", _("Fact sheet")
        SLIDE_DECK = "slide_deck", _("Slide deck")
        BRAND_GUIDELINE = "brand_guideline", _("Brand guideline")
        PR_GUIDELINE = "pr_guideline", _("PR guideline")
        LOGO_PACK = "logo_pack", _("Logo pack")
        PRICE_LIST = "price_list", _("Price list")
        OTHER = "other", _("Other")

    GUIDELINE_KINDS = ("brand_guideline", "pr_guideline")

    class Language(models.TextChoices):
        EN = "en", _("English")
        DE = "de", _("German")
        FR = "fr", _("French")
        IT = "it", _("Italian")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="collateral")
    # Optionally made for one of the partner's campaigns. A string reference: partners does not import
    # activities (docs/design.md, apps depend one way); the service checks the campaign is the partner's
    # (campaign partners are a many-to-many, which no database constraint can tie to this row), and a
    # partner leaving a campaign (activities' campaign_save) unlinks its collateral (partners/apps.py).
    campaign = models.ForeignKey(
        "activities.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collateral",
        help_text=_("Optional: one of the partner's campaigns this was made for."),
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    valid_until = models.DateField(null=True, blank=True, help_text=_("Leave empty when it does not expire."))
    file = models.FileField(upload_to="collateral/%Y/", validators=[validate_document])
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    made_by_vshn = models.BooleanField(
        default=False, verbose_name=_("made by VSHN"), help_text=_("VSHN-made collateral gets a brand check.")
    )
    brand_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    brand_checked_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("collateral")
        constraints = [
            date_range_constraint("valid_until"),
            models.CheckConstraint(
                condition=Q(brand_checked_at__isnull=True) | Q(made_by_vshn=True),
                name="collateral_brand_check_only_vshn_made",
                violation_error_message=_("Only VSHN-made collateral gets a brand check."),
            ),
        ]
        indexes = [
            # The library page, newest first, and the partner's Guidelines section (by kind).
            models.Index(fields=["partner", "kind", "created_at"], name="collateral_partner_kind_idx"),
            models.Index(F("created_at").desc(), F("id").desc(), name="collateral_library_idx"),
            # The expiry reminder: items with a valid-until date coming up.
            models.Index(fields=["valid_until"], name="collateral_valid_until_idx", condition=Q(valid_until__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"

    @property
    def is_expired(self) -> bool:
        """Past its valid-until date (Europe/Zurich today); shown as expired in the library and the Guidelines."""
        return self.valid_until is not None and self.valid_until < timezone.localdate()


def collateral_campaigns() -> models.QuerySet:
    """Campaigns (activities' model, reached through the foreign key: partners does not import activities)."""
    campaign_model = Collateral._meta.get_field("campaign").related_model
    assert isinstance(campaign_model, type) and issubclass(campaign_model, models.Model)
    return campaign_model._default_manager.all()


def partner_campaigns(partner: Partner) -> models.QuerySet:
    """The campaigns a partner takes part in, newest first: the ones its collateral may belong to."""
    return collateral_campaigns().filter(partners=partner).order_by("-starts_on", "title")
