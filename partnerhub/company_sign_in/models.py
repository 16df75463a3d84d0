"""Who may sign in and how: company identities (the provider's issuer + subject, linked to one
user) and the sign-in log (every local and company sign-in, success or failure)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CompanyIdentity(models.Model):
    """The identity provider's account (`iss` + `sub` of its ID tokens) that signs in as `user`.

    Company sign-ins find the user by this pair only; an email address never identifies anyone
    on its own (it is used once, to link a first sign-in to an existing account, and only when the
    provider says it is verified)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_identities")
    issuer = models.CharField(max_length=255, help_text="The provider's issuer (the ID token's iss).")
    subject = models.CharField(max_length=255, help_text="The provider's account id (the ID token's sub).")
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "company identity"
        verbose_name_plural = "company identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"],
                name="company_identity_unique_subject",
                violation_error_message="This provider account is already linked to a user.",
            ),
            models.CheckConstraint(
                condition=~Q(issuer="") & ~Q(subject=""),
                name="company_identity_issuer_subject_set",
                violation_error_message="Issuer and subject are both required.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


class SignInEvent(models.Model):
    """One row per sign-in attempt, local or company, kept for the admins (Django admin)."""

    class Method(models.TextChoices):
        LOCAL = "local", "Username and password"
        COMPANY = "company", "Company account"

    created_at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=16, choices=Method.choices)
    succeeded = models.BooleanField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_in_events"
    )
    username = models.CharField(max_length=150, blank=True, help_text="What was typed, or the account signed in.")
    reason = models.CharField(max_length=64, blank=True, help_text="Why it failed (a short code).")
    detail = models.TextField(blank=True, help_text="What happened, in words (and the provider's error).")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    issuer = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="sign_in_event_recent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=["local", "company"]),
                name="sign_in_event_method_known",
                violation_error_message="Unknown sign-in method.",
            ),
            models.CheckConstraint(
                condition=Q(succeeded=True) | ~Q(reason=""),
                name="sign_in_event_failure_has_reason",
                violation_error_message="A failed sign-in needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        outcome = "signed in" if self.succeeded else f"refused ({self.reason})"
        return f"{self.username or '?'} {outcome} ({self.get_method_display()})"
