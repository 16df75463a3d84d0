from django.urls import path

from . import commission_views, views

app_name = "funds"

urlpatterns = [
    path("", views.allocation_list, name="allocations"),
    path("allocations/new/", views.allocation_create, name="allocation-create"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation-detail"),
    path("allocations/<int:pk>/edit/", views.allocation_edit, name="allocation-edit"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/new/", views.claim_create, name="claim-create"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim-edit"),
    path("claims/<int:pk>/submit/", views.claim_submit, name="claim-submit"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim-approve"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim-reject"),
    path("claims/<int:pk>/checklist/", views.claim_checklist, name="claim-checklist"),
    path("claims/<int:pk>/proof/", views.claim_proof_upload, name="claim-proof-upload"),
    path("claims/<int:pk>/submit-proof/", views.claim_submit_proof, name="claim-submit-proof"),
    path("claims/<int:pk>/invoice/", views.claim_invoice, name="claim-invoice"),
    path("proofs/<int:pk>/download/", views.proof_download, name="proof-download"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<int:pk>/paid/", views.invoice_mark_paid, name="invoice-paid"),
    path("accounting/", views.accounting, name="accounting"),
    path("commissions/", commission_views.commission_list, name="commissions"),
    path("commissions/history/", commission_views.commission_history, name="commission-history"),
    path("commissions/<int:pk>/invoiced/", commission_views.commission_invoiced, name="commission-invoiced"),
    path("commissions/<int:pk>/paid/", commission_views.commission_paid, name="commission-paid"),
    path("commissions/agreements/new/", commission_views.agreement_create, name="commission-agreement-create"),
    path("commissions/agreements/<int:pk>/edit/", commission_views.agreement_edit, name="commission-agreement-edit"),
]
