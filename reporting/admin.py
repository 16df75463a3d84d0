from django.contrib import admin

from partnerhub.admin_safety import KeepRecordsAdmin

from .models import CalendarFeedToken, LicenseReport, LicenseReportLine, ReportingAgreement


@admin.register(ReportingAgreement)
class ReportingAgreementAdmin(admin.ModelAdmin):
    list_display = [
        "partner",
        "reporting_required",
        "due_day",
        "channel",
        "accounting_threshold",
        "currency",
        "growth_alert_percent",
    ]
    list_filter = ["reporting_required", "channel", "currency"]
    search_fields = ["partner__name", "recipient"]
    autocomplete_fields = ["partner"]


class LineInline(admin.TabularInline):
    model = LicenseReportLine
    extra = 0
    fields = ["product", "unit", "quantity", "unit_price", "currency", "term", "line_total"]
    readonly_fields = ["line_total"]
    can_delete = False  # lines are removed in the app, which recomputes the total

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or obj.is_editable  # a submitted report is what the partner reported

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or obj.is_editable


@admin.register(LicenseReport)
class LicenseReportAdmin(KeepRecordsAdmin, admin.ModelAdmin):
    """Admins correct data here; totals are recomputed by the services, so edit lines in the app where possible."""

    keep_reason = (
        "License reports are never deleted: they are what the partner was told and what accounting invoiced. "
        "Their status moves only in the app (submit, acknowledge)."
    )

    list_display = ["partner", "month", "status", "due_on", "total", "currency", "submitted_at"]
    list_filter = ["status", "currency", "month"]
    search_fields = ["partner__name"]
    date_hierarchy = "month"
    list_select_related = ["partner"]
    readonly_fields = ["status", "total", "previous_total", "submitted_at", "submitted_by", "acknowledged_at", "acknowledged_by"]
    inlines = [LineInline]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    """Only who has a feed and since when; the token itself is a secret and stays hidden."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request):
        return False
