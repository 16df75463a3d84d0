from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity, Campaign, DealRegistration, JointPlan, JointPlanInitiative, Opportunity, Task


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["occurred_on", "partner", "kind", "subject", "author", "follow_up_on", "follow_up_done"]
    list_filter = ["kind", "follow_up_done", "inform_team"]
    list_select_related = ["partner", "author"]
    search_fields = ["subject", "notes", "partner__name"]
    autocomplete_fields = ["partner", "author", "participants", "contacts"]
    date_hierarchy = "occurred_on"
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a large activity table


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["title", "partner", "end_customer", "stage", "value", "currency", "expected_close", "owner"]
    list_filter = ["stage", "currency"]
    list_select_related = ["partner", "owner"]
    search_fields = ["title", "end_customer", "partner__name"]
    autocomplete_fields = ["partner", "owner"]


@admin.register(DealRegistration)
class DealRegistrationAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "partner",
        "registration_id",
        "status",
        "value",
        "currency",
        "submitted_at",
        "expires_on",
        "owner",
    ]
    list_filter = ["status", "currency"]
    list_select_related = ["partner", "owner"]
    search_fields = ["customer", "registration_id", "partner__name"]
    autocomplete_fields = ["partner", "owner"]
    # Status and registration timestamp only move through the workflow service.
    readonly_fields = ["customer_normalized", "status", "submitted_at"]
    fields = [
        "partner",
        "registration_id",
        "customer",
        "customer_normalized",
        "products",
        "value",
        "currency",
        "status",
        "submitted_at",
        "expires_on",
        "owner",
        "notes",
    ]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "status",
        "starts_on",
        "ends_on",
        "quarter",
        "budget",
        "currency",
        "brand_checked_at",
        "pr_guidelines_approved",
    ]
    list_filter = ["kind", "status", "quarter", "pr_guidelines_approved"]
    search_fields = ["title", "description"]
    filter_horizontal = ["partners"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["quarter", "brand_checked_by", "brand_checked_at"]


class InitiativeInline(admin.TabularInline):
    model = JointPlanInitiative
    extra = 0
    fields = ["title", "kind", "owner", "status", "campaign", "opportunity", "deal_registration"]
    autocomplete_fields = ["owner"]
    raw_id_fields = ["campaign", "opportunity", "deal_registration"]


@admin.register(JointPlan)
class JointPlanAdmin(admin.ModelAdmin):
    list_display = ["partner", "quarter"]
    list_filter = ["quarter"]
    list_select_related = ["partner"]
    search_fields = ["partner__name", "summary"]
    autocomplete_fields = ["partner"]
    inlines = [InitiativeInline]


@admin.register(JointPlanInitiative)
class JointPlanInitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "kind", "owner", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["plan__partner", "owner"]
    search_fields = ["title", "plan__partner__name"]
    autocomplete_fields = ["owner"]
    raw_id_fields = ["plan", "campaign", "opportunity", "deal_registration"]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partner", "assignee", "due_on", "done_at"]
    list_filter = ["done_at"]
    list_select_related = ["partner", "assignee"]
    search_fields = ["title", "partner__name"]
    autocomplete_fields = ["partner", "assignee"]
    # Done and its link to the record are set by the app's actions (activities/services.py), not here.
    readonly_fields = ["activity", "source_type", "source_id", "done_at", "done_by", "created_by"]
    date_hierarchy = "due_on"
    list_per_page = 50
    show_full_result_count = False
