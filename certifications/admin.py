from django.contrib import admin

from .models import Certification, Holding, LevelRequirement, PartnerProgramStatus, ProgramLevel


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
    list_display = ["name", "partner", "rank"]
    list_filter = ["partner"]
    list_select_related = ["partner"]
    search_fields = ["name", "partner__name"]
    autocomplete_fields = ["partner"]
    inlines = [LevelRequirementInline]


@admin.register(LevelRequirement)
class LevelRequirementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "level", "min_holders"]
    list_select_related = ["level", "level__partner"]
    search_fields = ["description", "level__name", "level__partner__name"]
    filter_horizontal = ["certifications"]
    autocomplete_fields = ["level"]


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
