from django.contrib import admin

from .models import CompanyIdentity, SignInEvent


@admin.register(CompanyIdentity)
class CompanyIdentityAdmin(admin.ModelAdmin):
    """Admins link a provider account (issuer + subject) to a user here, e.g. an admin account,
    which a company sign-in never links by email."""

    list_display = ["user", "subject", "issuer", "created_at", "last_sign_in_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "subject"]
    list_filter = ["issuer"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "last_sign_in_at"]


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """The sign-in log: read only, for the admins."""

    list_display = ["created_at", "username", "method", "succeeded", "reason", "ip_address", "user"]
    list_filter = ["method", "succeeded", "reason"]
    list_select_related = ["user"]
    search_fields = ["username", "ip_address", "subject", "user__username"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in SignInEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
