"""Certifications: VSHNeers' vendor certifications that keep partner program levels."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerhub import formatting
from partnerhub.dates import same_day_months_later
from partnerhub.history import audited_page
from partnerhub.input_bounds import TEXT_MAX_LENGTH, date_range_constraint
from partnerhub.validators import validate_pdf_or_image
from partners.models import Partner


class Certification(models.Model):
    """Catalog entry: a certification a partner (vendor, cloud provider) issues."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="certifications", verbose_name=_("issuing partner")
    )
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=60, help_text=_('The vendor\'s exam or credential code, e.g. "EX280".'))
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        verbose_name=_("validity (months)"),
        help_text=_("Leave empty when the certification does not expire."),
    )
    url = models.URLField(blank=True, verbose_name=_("link"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "code"],
                name="certification_code_unique_per_partner",
                violation_error_message=_("This partner already has a certification with this code."),
            ),
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gte=1),
                name="certification_validity_positive",
                violation_error_message=_("The validity must be at least one month (or empty for no expiry)."),
            ),
        ]

    def __str__(self) -> str:
        # Vendors often put the code in the name already ("... (EX280)"): don't repeat it.
        return self.name if self.code.lower() in self.name.lower() else f"{self.name} ({self.code})"

    def default_expiry(self, obtained_on: date) -> date | None:
        return same_day_months_later(obtained_on, self.validity_months) if self.validity_months else None


class ComplianceStatus(models.TextChoices):
    """How a requirement (or a level, by its worst requirement) stands; see compliance.py."""

    MET = "met", _("Met")
    AT_RISK = "at_risk", _("At risk")
    NOT_MET = "not_met", _("Not met")


class ProgramLevel(models.Model):
    """A level of a partner's program, e.g. "Advanced" or "Premier"; a higher rank is a higher level."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="program_levels")
    name = models.CharField(max_length=100)
    rank = models.PositiveSmallIntegerField(default=1, help_text=_("Higher numbers are higher levels."))
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    # Compliance on the default horizon (today + 90 days), precomputed by services.compliance_refresh
    # (the certification_compliance sweep and holding writes) so that the overview, the dashboard and
    # partner health read a few rows instead of every valid holding. Only trusted when checked today.
    compliance_status = models.CharField(max_length=10, choices=ComplianceStatus.choices, blank=True, editable=False)
    compliance_at_risk_date = models.DateField(null=True, blank=True, editable=False)
    compliance_checked_on = models.DateField(
        null=True, blank=True, editable=False, help_text=_("The day the stored compliance was computed for.")
    )

    class Meta:
        ordering = ["partner__name", "rank", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "name"],
                name="program_level_unique_per_partner",
                violation_error_message=_("This partner already has a level with this name."),
            ),
        ]

    def __str__(self) -> str:
        # The name only: level pickers are always scoped to one partner, and this costs no query.
        return self.name


class LevelRequirement(models.Model):
    """The level needs `min_holders` VSHNeers holding a valid certification, any of `certifications`."""

    level = models.ForeignKey(ProgramLevel, on_delete=models.CASCADE, related_name="requirements")
    min_holders = models.IntegerField(default=1, verbose_name=_("minimum valid holders"))
    certifications = models.ManyToManyField(
        Certification, related_name="requirements", help_text=_("A holder of any of these certifications counts.")
    )
    description = models.CharField(max_length=255, blank=True)
    # Precomputed with the level's compliance (see ProgramLevel): the same day, in the same transaction.
    compliance_status = models.CharField(max_length=10, choices=ComplianceStatus.choices, blank=True, editable=False)
    holders_today = models.PositiveIntegerField(null=True, blank=True, editable=False)
    holders_on_horizon = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("holders on the horizon"),
        help_text=_("Valid holders 90 days after the check."),
    )
    at_risk_date = models.DateField(null=True, blank=True, editable=False)
    compliance_checked_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_holders__gte=1),
                name="requirement_min_holders_positive",
                violation_error_message=_("A requirement needs at least one holder."),
            ),
        ]

    def __str__(self) -> str:
        return self.description or f"{self.min_holders} valid holder(s)"

    def describe(self, certifications: list[Certification] | None = None) -> str:
        """In words, e.g. "2 valid holders of EX280 or EX188"; pass prefetched certifications."""
        certs = certifications if certifications is not None else list(self.certifications.all())
        codes = " or ".join(c.code for c in certs) or "(no certification chosen)"
        noun = "holder" if self.min_holders == 1 else "holders"
        return self.description or f"{self.min_holders} valid {noun} of {codes}"


class PartnerProgramStatus(models.Model):
    """Which program level VSHN holds at the partner now and which one it aims for."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="program_status")
    held_level = models.ForeignKey(
        ProgramLevel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("level held now")
    )
    target_level = models.ForeignKey(
        ProgramLevel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("level aimed for")
    )
    notes = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "partner program statuses"

    def __str__(self) -> str:
        return f"{self.partner}: {self.held_level or 'no level'}"

    def clean(self) -> None:
        errors = {}
        for field in ("held_level", "target_level"):
            level = getattr(self, field)
            if level is not None and self.partner_id and level.partner_id != self.partner_id:
                errors[field] = _("Pick a level of this partner's program.")
        if errors:
            raise ValidationError(errors)


@audited_page()
class Holding(models.Model):
    """A VSHNeer holds a certification from `obtained_on` through `expires_on` (inclusive)."""

    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certification_holdings")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="holdings")
    obtained_on = models.DateField()
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("Leave empty to use the certification's validity period; it is valid through this day."),
    )
    credential_id = models.CharField(max_length=120, blank=True, verbose_name=_("credential ID"))
    verification_url = models.URLField(blank=True, verbose_name=_("verification URL"))
    certificate = models.FileField(
        upload_to="certificates/%Y/", blank=True, validators=[validate_pdf_or_image], help_text=_("PDF or image, at most 10 MB.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-obtained_on", "-id"]
        constraints = [
            date_range_constraint("obtained_on"),
            date_range_constraint("expires_on"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("obtained_on")),
                name="holding_expires_after_obtained",
                violation_error_message=_("The expiry date cannot be before the date the certification was obtained."),
            ),
            # The database's part of the no-overlap rule (the full rule is in clean()).
            models.UniqueConstraint(
                fields=["holder", "certification", "obtained_on"],
                name="holding_unique_per_day",
                violation_error_message=_("This person already holds this certification obtained on that day."),
            ),
        ]
        indexes = [
            # The certification_expiring sweep, attention items and calendar: expires_on in a window.
            models.Index(fields=["expires_on"], name="holding_expiry_idx"),
            # Compliance: the still-valid holdings of the certifications a partner's levels require.
            models.Index(fields=["certification", "expires_on"], name="holding_cert_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.holder} – {self.certification}"

    def get_absolute_url(self) -> str:
        return reverse("certifications:holding-edit", kwargs={"pk": self.pk})

    def valid_on(self, day: date) -> bool:
        return self.obtained_on <= day and (self.expires_on is None or self.expires_on >= day)

    def clean(self) -> None:
        if self.expires_on is None and self.obtained_on and self.certification_id:
            self.expires_on = self.certification.default_expiry(self.obtained_on)
        if self.holder_id and self.certification_id and self.obtained_on:
            others = Holding.objects.filter(holder_id=self.holder_id, certification_id=self.certification_id).exclude(pk=self.pk)
            clash = first_overlap(self.obtained_on, self.expires_on, others.only("obtained_on", "expires_on"))
            if clash is not None:
                raise ValidationError(overlap_message(clash), code="overlap")


def intervals_overlap(start_a: date, end_a: date | None, start_b: date, end_b: date | None) -> bool:
    """Inclusive validity intervals; an end of None means "does not expire"."""
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def first_overlap(obtained_on: date, expires_on: date | None, others) -> "Holding | None":
    for other in others:
        if intervals_overlap(obtained_on, expires_on, other.obtained_on, other.expires_on):
            return other
    return None


def overlap_message(clash: Holding) -> str:
    until = f"{formatting.day(clash.expires_on)}" if clash.expires_on else "without expiry"
    return (
        f"This person already holds this certification, valid from {formatting.day(clash.obtained_on)} {'until ' if clash.expires_on else ''}"
        f"{until}, and the validity periods overlap. For a renewal, set the earlier holding's expiry date to the day "
        f"before the new one starts."
    )
