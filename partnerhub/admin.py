from django.contrib import admin

from . import admin_users  # noqa: F401 - users are deactivated, never deleted
from .company_sign_in import admin as company_sign_in_admin  # noqa: F401 - the sign-in log and company identities
from .models import Notification, NotificationSettings, OutgoingEmail, ReminderSent, SweepStatus

admin.site.site_header = "PartnerHub administration"
admin.site.site_title = "PartnerHub admin"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind", "read_at"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["kind", "content_type", "object_id", "due_key", "sent_at", "recipients"]
    list_filter = ["kind"]
    search_fields = ["recipients", "due_key"]
    list_select_related = ["content_type"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    """Reminder kinds a person wants as one email each instead of in the run's digest."""

    list_display = ["user", "immediate_kinds"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(SweepStatus)
class SweepStatusAdmin(admin.ModelAdmin):
    """Read-only: written by every run of the sweeps (partnerhub.reminders.run_sweep)."""

    list_display = [
        "name",
        "failing",
        "last_run_at",
        "last_count",
        "last_success_at",
        "last_failure_at",
        "last_failed_object",
        "last_error",
    ]
    list_filter = ["last_failure_at"]
    search_fields = ["name", "last_error", "last_failed_object"]
    readonly_fields = [f.name for f in SweepStatus._meta.fields]

    @admin.display(boolean=True, description="failing")
    def failing(self, obj: SweepStatus) -> bool:
        return obj.failing

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The mail outbox (partnerhub/outbox.py): read-only, to see what went out and what waits.

    "Send again" puts failed or given-up rows back in the queue for the worker's next run."""

    list_display = ["subject", "to", "kind", "status", "attempts", "created_at", "sent_at", "next_attempt_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Send again (unsent ones only)")
    def send_again(self, request, queryset):
        from django.db import transaction
        from django.utils import timezone

        from .outbox import request_delivery

        count = queryset.filter(sent_at__isnull=True).update(attempts=0, next_attempt_at=timezone.now(), last_error="")
        transaction.on_commit(request_delivery)
        self.message_user(request, f"{count} email(s) queued again.")
