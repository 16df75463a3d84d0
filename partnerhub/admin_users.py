"""Users in the admin: deactivated, never deleted (their holdings, activities and decisions stay theirs)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .admin_safety import KeepRecordsAdmin

User = get_user_model()

if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PartnerHubUserAdmin(KeepRecordsAdmin, UserAdmin):
    keep_reason = (
        "People are deactivated, never deleted: deleting a user would delete their certification holdings and "
        "leave activities, claims and invoices without who did them. Untick “Active”, or use “Deactivate selected users”."
    )
    actions = ["deactivate"]

    @admin.action(description="Deactivate selected users (they can no longer sign in)")
    def deactivate(self, request, queryset) -> None:
        count = queryset.exclude(pk=request.user.pk).filter(is_active=True).update(is_active=False)
        messages.success(request, f"{count} user(s) deactivated.")
