"""Funds: marketing / sales development funds, from allocation to claim to VSHN invoice to payment.

Every amount is a Decimal with its currency code; utilisation and totals are grouped by currency,
never summed across currencies. "Overdue" is derived from the due date, never stored.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerhub.history import audited_page
from partnerhub.input_bounds import TEXT_MAX_LENGTH, add_days, date_range_constraint
from partnerhub.money import currency_constraint, currency_field, money_field
from partnerhub.validators import validate_document

INVOICE_PAYMENT_TERM_DAYS = 30

POSITIVE_AMOUNT = _("The amount must be greater than zero.")


class FundAllocation(models.Model):
    """Funds a partner grants VSHN for a period, as recorded in the partner's own tool."""

    class Kind(models.TextChoices):
        MDF = "mdf", _("Marketing development funds (MDF)")
        SDF = "sdf", _("Sales development funds (SDF)")

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="fund_allocations")
    kind = models.CharField(max_length=3, choices=Kind.choices, default=Kind.MDF)
    period_label = models.CharField(_("period"), max_length=50, help_text=_('For example "FY2026 H1" or "Q3 2026".'))
    period_start = models.DateField()
    period_end = models.DateField()
    amount = money_field(_("allocated amount"))
    currency = currency_field()
    tool_name = models.CharField(
        _("partner tool"), max_length=100, blank=True, help_text=_('For example "Red Hat Partner Connect".')
    )
    tool_reference = models.CharField(_("reference in the partner tool"), max_length=100, blank=True)
    tool_url = models.URLField(_("link to the partner tool"), blank=True)
    claim_deadline_days = models.PositiveIntegerField(
        _("claim deadline (days after the activity)"),
        default=90,
        help_text=_("Claims must be filed within this many days after the activity ends."),
    )
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "partner__name", "id"]
        constraints = [
            date_range_constraint("period_start"),
            date_range_constraint("period_end"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="fund_allocation_period_order",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="fund_allocation_amount_positive", violation_error_message=POSITIVE_AMOUNT
            ),
            models.CheckConstraint(
                condition=Q(claim_deadline_days__gt=0),
                name="fund_allocation_claim_deadline_positive",
                violation_error_message=_("The claim deadline must be at least one day after the activity."),
            ),
            currency_constraint("currency", "fund_allocation_currency_known"),
            models.UniqueConstraint(
                "partner",
                "kind",
                Lower("period_label"),
                name="fund_allocation_unique_period",
                violation_error_message=_("This partner already has an allocation of this kind for this period."),
            ),
        ]
        indexes = [
            # The partner's funds section and the allocation list filtered by partner.
            models.Index(fields=["partner", "period_start"], name="fund_alloc_partner_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_kind_display()} {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("funds:allocation-detail", kwargs={"pk": self.pk})

    @property
    def short_name(self) -> str:
        return f"{self.kind.upper()} {self.period_label}"


@audited_page(related=[("funds.invoice", "claim_id"), ("funds.proofdocument", "claim_id")])
class FundClaim(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted in partner tool")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PROOF_SUBMITTED = "proof_submitted", _("Proof submitted")
        INVOICED = "invoiced", _("Invoiced")
        PAID = "paid", _("Paid")

    # Claims whose approved amount uses up the allocation.
    COMMITTED_STATUSES = (Status.APPROVED, Status.PROOF_SUBMITTED, Status.INVOICED, Status.PAID)
    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.PROOF_SUBMITTED, Status.INVOICED)

    allocation = models.ForeignKey(FundAllocation, on_delete=models.PROTECT, related_name="claims")
    campaign = models.ForeignKey(
        "activities.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fund_claims",
        help_text=_("The joint campaign this claim pays for, if any."),
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    activity_start = models.DateField()
    activity_end = models.DateField()
    requested_amount = money_field(_("requested amount"))
    currency = currency_field(help_text=_("Must be the allocation's currency."))
    tool_reference = models.CharField(_("reference in the partner tool"), max_length=100, blank=True)
    approved_amount = money_field(_("approved amount"), null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    claim_deadline = models.DateField(
        editable=False, blank=True, help_text=_("Derived: end of the activity plus the allocation's claim deadline.")
    )
    rejection_reason = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)

    proof_supplier_invoices = models.BooleanField(_("invoices from suppliers"), default=False)
    proof_photos = models.BooleanField(_("photos"), default=False)
    proof_attendee_list = models.BooleanField(_("attendee list"), default=False)
    proof_leads = models.BooleanField(_("leads"), default=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    proof_submitted_at = models.DateTimeField(null=True, blank=True)
    proof_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invoiced_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    PROOF_CHECKLIST = ("proof_supplier_invoices", "proof_photos", "proof_attendee_list", "proof_leads")

    class Meta:
        ordering = ["-activity_start", "-id"]
        constraints = [
            date_range_constraint("activity_start"),
            date_range_constraint("activity_end"),
            models.CheckConstraint(
                condition=Q(activity_end__gte=F("activity_start")),
                name="fund_claim_activity_order",
                violation_error_message=_("The activity cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="fund_claim_requested_positive", violation_error_message=POSITIVE_AMOUNT
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gt=0),
                name="fund_claim_approved_positive",
                violation_error_message=_("The approved amount must be greater than zero; reject the claim instead."),
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__lte=F("requested_amount")),
                name="fund_claim_approved_within_request",
                violation_error_message=_("The approved amount cannot be above the requested amount."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "proof_submitted", "invoiced", "paid"]) | Q(approved_amount__isnull=False),
                name="fund_claim_approved_has_amount",
                violation_error_message=_("An approved claim needs an approved amount."),
            ),
            currency_constraint("currency", "fund_claim_currency_known"),
        ]
        indexes = [
            # The fund_claim_deadline sweep and the dashboard: draft claims by deadline.
            models.Index(fields=["status", "claim_deadline"], name="fund_claim_status_deadline_idx"),
            # Utilisation per allocation (approved amounts of committed claims).
            models.Index(fields=["allocation", "status"], name="fund_claim_alloc_status_idx"),
            # The claim list's default order (newest activity first), paged by key.
            models.Index(fields=["-activity_start", "-id"], name="fund_claim_list_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Stored, not computed per request, so the deadline sweep and the dashboard filter on an index.
        self._derive_deadline()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("funds:claim-detail", kwargs={"pk": self.pk})

    @staticmethod
    def derive_claim_deadline(activity_end: date, claim_deadline_days: int) -> date:
        return activity_end + timedelta(days=claim_deadline_days)

    @property
    def checklist_complete(self) -> bool:
        return all(getattr(self, name) for name in self.PROOF_CHECKLIST)

    @property
    def checklist(self) -> list[tuple[str, str, bool]]:
        return [(name, self._meta.get_field(name).verbose_name, getattr(self, name)) for name in self.PROOF_CHECKLIST]

    def _derive_deadline(self) -> None:
        if self.allocation_id and self.activity_end:
            try:
                self.claim_deadline = self.derive_claim_deadline(self.activity_end, self.allocation.claim_deadline_days)
            except OverflowError:  # an activity end near year 9999 plus the claim window
                raise ValidationError({"activity_end": _("This date is too far in the future.")}) from None

    def clean(self) -> None:
        super().clean()
        self._derive_deadline()
        if self.campaign_id and self.allocation_id and not self.campaign.partners.filter(pk=self.allocation.partner_id).exists():
            raise ValidationError({"campaign": _("This campaign is not with the allocation's partner.")})
        if self.allocation_id and self.currency and self.currency != self.allocation.currency:
            raise ValidationError(
                {
                    "currency": _("The claim's currency (%(claim)s) must match the allocation's (%(allocation)s).")
                    % {"claim": self.currency, "allocation": self.allocation.currency}
                }
            )


class ProofDocument(models.Model):
    """Proof of performance: supplier invoices, photos, attendee lists, lead lists."""

    claim = models.ForeignKey(FundClaim, on_delete=models.CASCADE, related_name="proof_documents")
    file = models.FileField(upload_to="fund_proofs/%Y/", validators=[validate_document])
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # A removed proof leaves a "deleted" history row (who, when, which file); its file goes after the commit.
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.description or self.filename

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class Invoice(models.Model):
    """The VSHN invoice to the partner for an approved, proven claim."""

    number = models.CharField(_("VSHN invoice number"), max_length=50)
    claim = models.OneToOneField(FundClaim, on_delete=models.PROTECT, related_name="invoice")
    issued_on = models.DateField()
    due_on = models.DateField(
        blank=True, help_text=_("Leave empty for %(days)s days after the issue date.") % {"days": INVOICE_PAYMENT_TERM_DAYS}
    )
    amount = money_field(_("amount"))
    currency = currency_field()
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who marked the invoice paid."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            date_range_constraint("issued_on"),
            date_range_constraint("due_on"),
            date_range_constraint("paid_on"),
            models.UniqueConstraint(
                Lower("number"),
                name="invoice_number_unique_ci",
                violation_error_message=_("An invoice with this number already exists."),
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("issued_on")),
                name="invoice_due_after_issue",
                violation_error_message=_("The due date cannot be before the issue date."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="invoice_amount_positive", violation_error_message=POSITIVE_AMOUNT
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_on__gte=F("issued_on")),
                name="invoice_paid_after_issue",
                violation_error_message=_("An invoice cannot be paid before it was issued."),
            ),
            currency_constraint("currency", "invoice_currency_known"),
        ]
        indexes = [
            # The invoice_overdue sweep, the accounting page and the health check: unpaid invoices by due date.
            models.Index(fields=["due_on"], condition=Q(paid_on__isnull=True), name="invoice_unpaid_due_idx"),
            # The accounting page: paid this month.
            models.Index(fields=["paid_on"], name="invoice_paid_on_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if self.issued_on and not self.due_on:
            self.due_on = self.default_due_on(self.issued_on)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("funds:claim-detail", kwargs={"pk": self.claim_id}) + "#invoice"

    @staticmethod
    def default_due_on(issued_on: date) -> date:
        return add_days(issued_on, INVOICE_PAYMENT_TERM_DAYS)  # never an OverflowError (issue 14)

    def is_overdue(self, today: date) -> bool:
        return self.paid_on is None and self.due_on is not None and self.due_on < today

    def days_overdue(self, today: date) -> int:
        return (today - self.due_on).days if self.is_overdue(today) else 0

    def clean(self) -> None:
        super().clean()
        if self.issued_on and not self.due_on:
            self.due_on = self.default_due_on(self.issued_on)
        if self.claim_id:
            claim = self.claim
            if self.currency != claim.currency:
                raise ValidationError(
                    {"currency": _("The invoice's currency must be the claim's (%(currency)s).") % {"currency": claim.currency}}
                )
            if claim.approved_amount is not None and self.amount is not None and self.amount > claim.approved_amount:
                raise ValidationError(
                    {
                        "amount": _("The invoice cannot be above the approved amount (%(amount)s %(currency)s).")
                        % {"amount": claim.approved_amount, "currency": claim.currency}
                    }
                )


ZERO = Decimal("0")


# --- Referral and reseller commissions (issue 18, item 5) ------------------------------------------


@audited_page()
class CommissionAgreement(models.Model):
    """What VSHN pays a consultant or reseller partner for a deal it brought: a percentage of the
    deal's value or a fixed amount per won deal, from-to, on which products."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", _("Percentage of the deal value")
        FIXED = "fixed", _("Fixed amount per won deal")

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="commission_agreements")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERCENTAGE)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2, null=True, blank=True)
    fixed_amount = money_field(_("fixed amount"), null=True, blank=True)
    currency = currency_field(help_text=_("Of the fixed amount; a percentage is paid in the deal's currency."))
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True, help_text=_("Leave empty while it runs."))
    products = models.CharField(
        _("on which products"),
        max_length=255,
        blank=True,
        help_text=_("Empty: every product. Otherwise the deal's title must name one of them (comma-separated)."),
    )
    payment_days = models.PositiveSmallIntegerField(
        _("payment term (days)"), default=30, help_text=_("A commission is due this many days after the deal is won.")
    )
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["partner__name", "-valid_from", "id"]
        constraints = [
            date_range_constraint("valid_from"),
            date_range_constraint("valid_until"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="commission_agreement_until_after_from",
                violation_error_message=_("The agreement cannot end before it starts."),
            ),
            models.CheckConstraint(
                # isnull=False spelled out: a comparison with NULL would let a missing percent or amount pass.
                condition=(
                    Q(kind="percentage", percent__isnull=False, percent__gt=0, percent__lte=100, fixed_amount__isnull=True)
                )
                | (Q(kind="fixed", fixed_amount__isnull=False, fixed_amount__gt=0, percent__isnull=True)),
                name="commission_agreement_percent_or_fixed",
                violation_error_message=_(
                    "A percentage agreement needs a percent above 0 and up to 100; a fixed one its amount (and no percent)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(payment_days__lte=365),
                name="commission_agreement_payment_days",
                violation_error_message=_("The payment term is at most 365 days."),
            ),
            currency_constraint("currency", "commission_agreement_currency_known"),
        ]

    def __str__(self) -> str:
        terms = f"{self.percent} %" if self.kind == self.Kind.PERCENTAGE else f"{self.currency} {self.fixed_amount}"
        return f"{self.partner}: {terms} from {self.valid_from}"

    def covers(self, day: date, title: str) -> bool:
        if day < self.valid_from or (self.valid_until and day > self.valid_until):
            return False
        products = [p.strip().lower() for p in self.products.split(",") if p.strip()]
        return not products or any(p in title.lower() for p in products)

    def amount_for(self, value: Decimal, currency: str) -> tuple[Decimal, str]:
        if self.kind == self.Kind.FIXED:
            return self.fixed_amount, self.currency
        return (value * self.percent / 100).quantize(Decimal("0.01")), currency


@audited_page()
class Commission(models.Model):
    """A commission VSHN owes a partner for a won deal it referred: owed -> invoiced by the partner -> paid."""

    class Status(models.TextChoices):
        OWED = "owed", _("Owed")
        INVOICED = "invoiced", _("Invoiced by the partner")
        PAID = "paid", _("Paid")

    OPEN_STATUSES = (Status.OWED, Status.INVOICED)

    agreement = models.ForeignKey(CommissionAgreement, on_delete=models.PROTECT, related_name="commissions")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="commissions")
    # SET_NULL: a paid commission outlives its deal (it is kept, flagged, when the deal leaves won).
    opportunity = models.OneToOneField(
        "activities.Opportunity", on_delete=models.SET_NULL, null=True, blank=True, related_name="commission"
    )
    deal_title = models.CharField(max_length=200, help_text=_("The deal as it was when won."))
    amount = money_field(_("amount"), positive=False)
    currency = currency_field()
    due_on = models.DateField(_("due"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OWED, editable=False)
    partner_invoice_number = models.CharField(_("partner's invoice number"), max_length=100, blank=True, editable=False)
    invoiced_on = models.DateField(null=True, blank=True, editable=False)
    paid_on = models.DateField(null=True, blank=True, editable=False)
    # The deal left won after the commission was paid: accounting decides (credit note, offset).
    deal_reversed = models.BooleanField(_("deal no longer won"), default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            date_range_constraint("due_on"),
            date_range_constraint("invoiced_on"),
            date_range_constraint("paid_on"),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="commission_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status="owed") | (~Q(partner_invoice_number="") & Q(invoiced_on__isnull=False)),
                name="commission_invoiced_has_number",
                violation_error_message=_("An invoiced or paid commission has the partner's invoice number and date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False),
                name="commission_paid_has_date",
                violation_error_message=_("A paid commission has its payment date."),
            ),
            currency_constraint("currency", "commission_currency_known"),
        ]
        indexes = [
            # Accounting's list and the overdue sweep: open commissions by due date.
            models.Index(fields=["status", "due_on"], name="commission_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Commission {self.partner}: {self.deal_title}"

    def get_absolute_url(self) -> str:
        return reverse("funds:commissions") + f"?partner={self.partner_id}#commission-{self.pk}"

    def is_overdue(self, today: date) -> bool:
        return self.status in self.OPEN_STATUSES and self.due_on < today
