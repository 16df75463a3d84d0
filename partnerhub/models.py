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
