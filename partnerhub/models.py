"""Cross-app models: in-app notifications and the "reminder sent" ledger."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread badge in the navigation, on every page.
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class NotificationSettings(models.Model):
    """How a person wants reminder emails. By default all reminders of one sweep run come in one digest
    email; the kinds listed here come as one email per reminder instead."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings")
    immediate_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text="Reminder kinds (e.g. certification_expiring) emailed one by one instead of in the digest.",
    )

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"


class ReminderSent(models.Model):
    """One row per reminder delivered. The unique constraint is what keeps each reminder to a
    single delivery when two workers run the same sweep at once: the second INSERT fails."""

    kind = models.CharField(max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    due_key = models.CharField(max_length=64, help_text="The due date or threshold this reminder is for.")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "content_type", "object_id", "due_key"], name="reminder_sent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} ({self.due_key})"


class OutgoingEmail(models.Model):
    """The mail outbox: an email a write wants sent, saved in the same transaction as the write.

    Sending happens after the commit, in the worker (partnerhub/outbox.py): a mail server that is
    down, refusing or silent never undoes or holds up the write, and the email still goes out once
    it is back. Rows stay as the record of what was sent (or why it could not be)."""

    kind = models.CharField(max_length=64)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the next attempt may start; also the lease: a worker that claims a row moves it forward
    # so no other worker takes it while it is being sent.
    next_attempt_at = models.DateTimeField()
    claim = models.UUIDField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outgoing email"
        indexes = [
            # The worker's "what is due" query: unsent rows by their next attempt.
            models.Index(fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}: {self.subject}"

    @property
    def status(self) -> str:
        if self.sent_at:
            return "sent"
        return "retrying" if self.attempts else "queued"


class FormSubmission(models.Model):
    """A create form's one-time token, claimed by the submission that saved (partnerhub/submit_once.py).
    A double click or a resent form finds the token taken and is shown the first one's result."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)  # the form_tokens_expire sweep

    def __str__(self) -> str:
        return f"Form sent by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"


class SweepStatus(models.Model):
    """The last run of one reminder or housekeeping sweep (partnerhub.reminders.run_sweep): admins see
    here which sweep failed last, with what error, on which object, while the others kept running."""

    name = models.CharField(max_length=64, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_count = models.PositiveIntegerField(default=0, help_text="Sent or updated by the last run.")
    last_success_at = models.DateTimeField(null=True, blank=True, help_text="The last run without any failure.")
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_failed_object = models.CharField(max_length=255, blank=True)
    last_traceback = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "sweep statuses"

    def __str__(self) -> str:
        return self.name

    @property
    def failing(self) -> bool:
        """The last run failed (a later successful run clears this, but keeps the last failure shown)."""
        return self.last_failure_at is not None and (self.last_success_at is None or self.last_failure_at > self.last_success_at)


# Sign-in: company identities and the sign-in log (partnerhub/company_sign_in/models.py).
from .company_sign_in.models import CompanyIdentity, SignInEvent  # noqa: E402, F401
