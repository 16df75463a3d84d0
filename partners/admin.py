from django.contrib import admin, messages
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from partnerhub.admin_safety import KeepRecordsAdmin

from . import services
from .models import Contact, Contract, Partner, PartnerTeamMember, PartnerType, SupplierRiskAssessment
from .resources import ContactResource, PartnerResource, SpreadsheetCSV


@admin.register(PartnerType)
class PartnerTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class TeamInline(admin.TabularInline):
    model = PartnerTeamMember
    extra = 0
    autocomplete_fields = ["user"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["first_name", "last_name", "stakeholder_role", "email", "phone", "is_primary", "is_active"]


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ["kind", "title", "start_date", "end_date", "auto_renew", "notice_period_days"]


class RiskInline(admin.TabularInline):
    model = SupplierRiskAssessment
    extra = 0
    fields = ["risk_level", "criticality", "assessed_on", "next_review_due"]


@admin.register(Partner)
class PartnerAdmin(KeepRecordsAdmin, SimpleHistoryAdmin, ImportExportModelAdmin):
    keep_reason = (
        "Partners are archived, never deleted: deleting one would take its contacts, reporting agreement and "
        "history with it. Use “Archive selected partners” in the list (or Archive on the partner page)."
    )
    actions = ["archive", "restore"]
    resource_classes = [PartnerResource]
    list_display = ["name", "stage", "manager", "program_level", "sync_cadence", "archived"]
    list_filter = ["stage", "types", "sync_cadence", "archived", "manager"]
    list_select_related = ["manager"]
    search_fields = ["name", "markets", "program_level"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["types"]
    autocomplete_fields = ["manager"]
    inlines = [TeamInline, ContactInline, ContractInline, RiskInline]
    list_per_page = 50
    show_full_result_count = False

    @admin.action(description="Archive selected partners (they keep their history)")
    def archive(self, request, queryset) -> None:
        self._set_archived(request, queryset, archived=True)

    @admin.action(description="Restore selected partners from the archive")
    def restore(self, request, queryset) -> None:
        self._set_archived(request, queryset, archived=False)

    def _set_archived(self, request, queryset, *, archived: bool) -> None:
        partners = list(queryset.filter(archived=not archived))
        for partner in partners:  # the service, as the app does: timestamps, history, fresh health
            services.partner_set_archived(partner=partner, archived=archived)
        messages.success(request, f"{len(partners)} partner(s) {'archived' if archived else 'restored'}.")

    def get_export_queryset(self, request):
        # The export writes every partner's manager and types: joined and prefetched, not one query per row.
        return super().get_export_queryset(request).select_related("manager").prefetch_related("types")


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin, ImportExportModelAdmin):
    resource_classes = [ContactResource]
    # CSV from spreadsheets: UTF-8 or Windows-1252, "," or ";" (partners/resources.py:SpreadsheetCSV).
    import_formats = [SpreadsheetCSV if f is base_formats.CSV else f for f in base_formats.DEFAULT_FORMATS]
    import_template_name = "admin/partners/contact/import.html"  # the preview says why for every row
    list_display = ["__str__", "partner", "stakeholder_role", "email", "phone", "is_primary", "is_active"]
    list_filter = ["stakeholder_role", "is_primary", "is_active"]
    list_select_related = ["partner"]
    search_fields = ["first_name", "last_name", "email", "partner__name"]
    autocomplete_fields = ["partner"]
    show_full_result_count = False


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "kind", "start_date", "end_date", "notice_deadline", "auto_renew"]
    list_filter = ["kind", "auto_renew"]
    list_select_related = ["partner"]
    search_fields = ["title", "partner__name"]
    autocomplete_fields = ["partner"]
    readonly_fields = ["notice_deadline"]
    date_hierarchy = "start_date"


@admin.register(SupplierRiskAssessment)
class SupplierRiskAssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["partner", "risk_level", "criticality", "assessed_on", "next_review_due", "assessed_by"]
    list_filter = ["risk_level", "criticality"]
    list_select_related = ["partner", "assessed_by"]
    search_fields = ["partner__name", "mitigations"]
    autocomplete_fields = ["partner"]


@admin.register(PartnerTeamMember)
class PartnerTeamMemberAdmin(admin.ModelAdmin):
    list_display = ["partner", "user", "role"]
    list_filter = ["role"]
    list_select_related = ["partner", "user"]
    search_fields = ["partner__name", "user__username"]
    autocomplete_fields = ["partner", "user"]
