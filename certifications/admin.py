from functools import partial

from django.contrib import admin
from django.db import transaction

from . import services
from .models import Certification, Holding, LevelRequirement, PartnerProgramStatus, ProgramLevel


# Stored compliance is refreshed once the admin's own transaction has committed: inside it, the
# refresh's level lock could deadlock with a sweep waiting for a row this change has already updated.
# Bulk actions ("delete selected") are left to the hourly certification_compliance sweep.
def _refresh_partners_after_commit(partner_ids: list[int]) -> None:
    transaction.on_commit(partial(services.compliance_refresh, partner_ids=partner_ids))


def _refresh_certifications_after_commit(certification_ids: list[int]) -> None:
    transaction.on_commit(partial(services.compliance_refresh_for_certifications, certification_ids=certification_ids))


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "partner", "validity_months"]
    list_filter = ["partner"]
    list_select_related = ["partner"]
    search_fields = ["name", "code", "partner__name"]
    autocomplete_fields = ["partner"]


class LevelRequirementInline(admin.StackedInline):
    model = LevelRequirement
    extra = 0
    filter_horizontal = ["certifications"]


@admin.register(ProgramLevel)
class ProgramLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "rank", "compliance_status", "compliance_checked_on"]
    list_filter = ["partner"]
    list_select_related = ["partner"]
    search_fields = ["name", "partner__name"]
    autocomplete_fields = ["partner"]
    inlines = [LevelRequirementInline]
    readonly_fields = ["compliance_status", "compliance_at_risk_date", "compliance_checked_on"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the requirements inline is saved here
        _refresh_partners_after_commit([form.instance.partner_id])


@admin.register(LevelRequirement)
class LevelRequirementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "level", "min_holders", "compliance_status", "holders_today", "compliance_checked_on"]
    list_select_related = ["level", "level__partner"]
    search_fields = ["description", "level__name", "level__partner__name"]
    filter_horizontal = ["certifications"]
    autocomplete_fields = ["level"]
    readonly_fields = ["compliance_status", "holders_today", "holders_on_horizon", "at_risk_date", "compliance_checked_on"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the accepted certifications are saved here
        _refresh_partners_after_commit([form.instance.level.partner_id])

    def delete_model(self, request, obj):
        partner_id = obj.level.partner_id
        super().delete_model(request, obj)
        _refresh_partners_after_commit([partner_id])


@admin.register(PartnerProgramStatus)
class PartnerProgramStatusAdmin(admin.ModelAdmin):
    list_display = ["partner", "held_level", "target_level", "updated_at"]
    list_select_related = ["partner", "held_level", "target_level"]
    search_fields = ["partner__name"]
    autocomplete_fields = ["partner", "held_level", "target_level"]


@admin.register(Holding)
class HoldingAdmin(admin.ModelAdmin):
    list_display = ["holder", "certification", "obtained_on", "expires_on", "credential_id"]
    list_filter = ["certification__partner", "certification"]
    list_select_related = ["holder", "certification", "certification__partner"]
    search_fields = ["holder__username", "holder__last_name", "certification__name", "certification__code", "credential_id"]
    autocomplete_fields = ["holder", "certification"]
    date_hierarchy = "expires_on"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        # Not through services.holding_save (the admin validates with its own form): refresh here.
        previous = form.initial.get("certification")
        super().save_model(request, obj, form, change)
        _refresh_certifications_after_commit([obj.certification_id, previous])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _refresh_certifications_after_commit([obj.certification_id])
