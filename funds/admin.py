from django.contrib import admin

from partnerhub.admin_safety import KeepRecordsAdmin

from .models import FundAllocation, FundClaim, Invoice, ProofDocument
from .services import PROOF_EDITABLE_STATUSES

# The claim workflow (docs/design.md) moves only through the services, on the claim page: never edited here.
CLAIM_WORKFLOW_FIELDS = [
    "status",
    "approved_amount",
    "rejection_reason",
    "submitted_at",
    "submitted_by",
    "decided_at",
    "decided_by",
    "proof_submitted_at",
    "proof_submitted_by",
    "invoiced_at",
    "paid_at",
]


def _claim_deletable(claim: FundClaim) -> bool:
    """Only a draft without proof and without an invoice: anything later is on record in the partner's tool."""
    return claim.status == FundClaim.Status.DRAFT and not claim.proof_documents.exists() and not hasattr(claim, "invoice")


class ClaimInline(admin.TabularInline):
    model = FundClaim
    extra = 0
    fields = ["title", "status", "activity_end", "claim_deadline", "requested_amount", "approved_amount", "currency"]
    readonly_fields = ["claim_deadline", "status", "approved_amount"]
    show_change_link = True
    can_delete = False  # a claim is deleted (if ever) on its own page, where the rules below apply


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

    def has_delete_permission(self, request, obj=None) -> bool:
        # Proof handed in stays: only while the claim still takes proof (the file goes with a history row).
        return obj is None or obj.status in PROOF_EDITABLE_STATUSES

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or obj.status in PROOF_EDITABLE_STATUSES


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
    autocomplete_fields = ["allocation", "created_by"]
    readonly_fields = [*CLAIM_WORKFLOW_FIELDS, "claim_deadline", "created_at", "updated_at"]
    date_hierarchy = "activity_start"
    inlines = [ProofDocumentInline]
    show_full_result_count = False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, where _claim_deletable is checked
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or _claim_deletable(obj))


@admin.register(ProofDocument)
class ProofDocumentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "claim", "uploaded_by", "uploaded_at"]
    list_select_related = ["claim", "uploaded_by"]
    search_fields = ["description", "claim__title"]
    autocomplete_fields = ["claim", "uploaded_by"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.claim.status in PROOF_EDITABLE_STATUSES)


@admin.register(Invoice)
class InvoiceAdmin(KeepRecordsAdmin, admin.ModelAdmin):
    keep_reason = (
        "Invoices are accounting records and are never deleted: a deleted invoice would leave its claim invoiced "
        "or paid. They are issued and marked paid on the claim page; here only dates and the number can be corrected."
    )
    list_display = ["number", "claim", "issued_on", "due_on", "amount", "currency", "paid_on", "paid_by"]
    list_filter = ["currency", ("paid_on", admin.EmptyFieldListFilter)]
    list_select_related = ["claim", "paid_by"]
    search_fields = ["number", "claim__title", "claim__allocation__partner__name"]
    autocomplete_fields = ["created_by"]
    # Paid or not is the claim's workflow (funds.services.invoice_mark_paid): read-only here.
    readonly_fields = ["claim", "amount", "currency", "paid_on", "paid_by"]

    def has_add_permission(self, request) -> bool:
        return False  # issued from the claim page, which moves the claim to invoiced with it

    date_hierarchy = "issued_on"
    show_full_result_count = False
