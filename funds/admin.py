from django.contrib import admin

from .models import FundAllocation, FundClaim, Invoice, ProofDocument


class ClaimInline(admin.TabularInline):
    model = FundClaim
    extra = 0
    fields = ["title", "status", "activity_end", "claim_deadline", "requested_amount", "approved_amount", "currency"]
    readonly_fields = ["claim_deadline"]
    show_change_link = True


@admin.register(FundAllocation)
class FundAllocationAdmin(admin.ModelAdmin):
    list_display = ["partner", "kind", "period_label", "period_start", "period_end", "amount", "currency", "claim_deadline_days"]
    list_filter = ["kind", "currency"]
    list_select_related = ["partner"]
    search_fields = ["partner__name", "period_label", "tool_reference"]
    autocomplete_fields = ["partner", "created_by"]
    date_hierarchy = "period_start"
    inlines = [ClaimInline]


class ProofDocumentInline(admin.TabularInline):
    model = ProofDocument
    extra = 0
    fields = ["file", "description", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_at"]
    autocomplete_fields = ["uploaded_by"]


@admin.register(FundClaim)
class FundClaimAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "allocation",
        "status",
        "activity_end",
        "claim_deadline",
        "requested_amount",
        "approved_amount",
        "currency",
    ]
    list_filter = ["status", "currency", "allocation__kind"]
    list_select_related = ["allocation__partner"]
    search_fields = ["title", "tool_reference", "allocation__partner__name"]
    autocomplete_fields = ["allocation", "created_by", "submitted_by", "decided_by", "proof_submitted_by"]
    readonly_fields = ["claim_deadline", "created_at", "updated_at"]
    date_hierarchy = "activity_start"
    inlines = [ProofDocumentInline]
    show_full_result_count = False


@admin.register(ProofDocument)
class ProofDocumentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "claim", "uploaded_by", "uploaded_at"]
    list_select_related = ["claim", "uploaded_by"]
    search_fields = ["description", "claim__title"]
    autocomplete_fields = ["claim", "uploaded_by"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "claim", "issued_on", "due_on", "amount", "currency", "paid_on", "paid_by"]
    list_filter = ["currency", ("paid_on", admin.EmptyFieldListFilter)]
    list_select_related = ["claim", "paid_by"]
    search_fields = ["number", "claim__title", "claim__allocation__partner__name"]
    autocomplete_fields = ["claim", "paid_by", "created_by"]
    date_hierarchy = "issued_on"
    show_full_result_count = False
