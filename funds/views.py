"""Thin views: parse the request, call a selector or a service, render."""

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.dates import first_of_month
from partnerhub.files import attachment_response
from partnerhub.pagination import KeysFirstPaginator
from partnerhub.permissions import action_required
from partnerhub.roles import Action
from partnerhub.submit_once import submit_once
from partnerhub.view_helpers import apply_validation_error, querystring_without_page, safe_next

from . import exports, selectors, services
from .forms import (
    ApproveClaimForm,
    FundAllocationForm,
    FundClaimForm,
    InvoiceForm,
    MarkPaidForm,
    ProofChecklistForm,
    ProofDocumentForm,
    RejectClaimForm,
    SubmitClaimForm,
)
from .models import FundAllocation, FundClaim, Invoice, ProofDocument

PAGE_SIZE = 25


# --- Allocations ---------------------------------------------------------------------------------


def allocation_list(request: HttpRequest) -> HttpResponse:
    filterset, allocations, sort = selectors.fund_allocation_list(params=request.GET, sort=request.GET.get("sort"))
    if request.GET.get("format") == "csv":
        return exports.ALLOCATION_COLUMNS.response("fund-allocations.csv", allocations.iterator(chunk_size=500))
    page = KeysFirstPaginator(allocations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/allocation_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": [(a, selectors.utilisation_of(a)) for a in page],
            "totals": selectors.fund_allocation_totals(allocations),
            "sort": sort,
            "querystring": querystring_without_page(request),
        },
    )


def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        allocation = selectors.fund_allocation_detail(pk=pk)
    except FundAllocation.DoesNotExist:
        raise Http404
    return render(
        request,
        "funds/allocation_detail.html",
        {
            "allocation": allocation,
            "utilisation": selectors.utilisation_of(allocation),
            "claims": selectors.fund_allocation_claims(allocation=allocation),
        },
    )


@action_required(Action.MANAGE_CAMPAIGNS)
@submit_once
def allocation_create(request: HttpRequest) -> HttpResponse:
    form = FundAllocationForm(request.POST or None, initial={"partner": request.GET.get("partner")})
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            allocation = services.fund_allocation_create(
                partner=data["partner"],
                kind=data["kind"],
                period_label=data["period_label"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                amount=data["amount"],
                currency=data["currency"],
                claim_deadline_days=data["claim_deadline_days"],
                tool_name=data["tool_name"],
                tool_reference=data["tool_reference"],
                tool_url=data["tool_url"],
                notes=data["notes"],
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Allocation {allocation} created.")
            return redirect(allocation)
    return render(request, "funds/form_page.html", {"form": form, "title": "New fund allocation", "form_id": "allocation-form"})


@action_required(Action.MANAGE_CAMPAIGNS)
def allocation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_object_or_404(FundAllocation.objects.select_related("partner"), pk=pk)
    form = FundAllocationForm(request.POST or None, instance=allocation)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            services.fund_allocation_update(
                allocation_id=allocation.pk,
                partner=data["partner"],
                kind=data["kind"],
                period_label=data["period_label"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                amount=data["amount"],
                currency=data["currency"],
                claim_deadline_days=data["claim_deadline_days"],
                tool_name=data["tool_name"],
                tool_reference=data["tool_reference"],
                tool_url=data["tool_url"],
                notes=data["notes"],
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Allocation saved.")
            return redirect(allocation)
    return render(
        request,
        "funds/form_page.html",
        {
            "form": form,
            "title": f"Edit {allocation}",
            "allocation": allocation,
            "form_id": "allocation-form",
        },
    )


# --- Claims --------------------------------------------------------------------------------------


def claim_list(request: HttpRequest) -> HttpResponse:
    filterset, claims, sort = selectors.fund_claim_list(params=request.GET, sort=request.GET.get("sort"))
    if request.GET.get("format") == "csv":
        return exports.CLAIM_COLUMNS.response("fund-claims.csv", claims.iterator(chunk_size=500))
    page = KeysFirstPaginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/claim_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "sort": sort,
            "querystring": querystring_without_page(request),
            "today": timezone.localdate(),
        },
    )


def _claim_detail_response(request: HttpRequest, claim: FundClaim, status: int = 200, **forms) -> HttpResponse:
    """The claim page with a form per allowed next step; a failed step re-renders with its errors."""
    today = timezone.localdate()
    remaining = None
    if claim.status in (FundClaim.Status.DRAFT, FundClaim.Status.SUBMITTED):
        remaining = services.fund_allocation_remaining(allocation=claim.allocation, exclude_claim_id=claim.pk)
    over_remaining = claim.status == FundClaim.Status.DRAFT and remaining is not None and claim.requested_amount > remaining
    invoice = getattr(claim, "invoice", None)
    context = {
        "claim": claim,
        "allocation": claim.allocation,
        "invoice": invoice,
        "documents": list(claim.proof_documents.all()),
        "remaining": remaining,
        "today": today,
        "proof_editable": claim.status in services.PROOF_EDITABLE_STATUSES,
        "over_remaining_warning": services.over_remaining_warning(
            allocation=claim.allocation, requested_amount=claim.requested_amount, remaining=remaining
        )
        if over_remaining and remaining is not None
        else "",
        "submit_form": forms.get("submit_form")
        or SubmitClaimForm(initial={"tool_reference": claim.tool_reference}, over_remaining=over_remaining),
        "approve_form": forms.get("approve_form")
        or ApproveClaimForm(
            initial={
                "approved_amount": min(claim.requested_amount, remaining)
                if remaining and remaining > 0
                else claim.requested_amount
            }
        ),
        "reject_form": forms.get("reject_form") or RejectClaimForm(),
        "checklist_form": forms.get("checklist_form") or ProofChecklistForm(claim=claim),
        "document_form": forms.get("document_form") or ProofDocumentForm(),
        "invoice_form": forms.get("invoice_form") or InvoiceForm(initial={"issued_on": today}),
        "paid_form": forms.get("paid_form") or MarkPaidForm(initial={"paid_on": today}),
        "proof_error": forms.get("proof_error"),
    }
    return render(request, "funds/claim_detail.html", context, status=status)


def _load_claim(pk: int) -> FundClaim:
    try:
        return selectors.fund_claim_detail(pk=pk)
    except FundClaim.DoesNotExist as missing:
        raise Http404("No such claim") from missing


def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_detail_response(request, _load_claim(pk))


def _claim_form_view(request: HttpRequest, claim: FundClaim | None) -> HttpResponse:
    initial = {} if claim else {"allocation": request.GET.get("allocation")}
    form = FundClaimForm(request.POST or None, instance=claim, initial=initial)
    warning = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirmed = data.pop("confirm_over_remaining", False)
        remaining = services.fund_claim_over_remaining(
            allocation=data["allocation"], requested_amount=data["requested_amount"], exclude_claim_id=claim.pk if claim else None
        )
        if remaining is not None:
            warning = services.over_remaining_warning(
                allocation=data["allocation"], requested_amount=data["requested_amount"], remaining=remaining
            )
        if warning and not confirmed:
            form.add_error("confirm_over_remaining", "Tick the box to save it anyway.")
        else:
            try:
                values = {
                    "allocation": data["allocation"],
                    "campaign": data["campaign"],
                    "title": data["title"],
                    "activity_start": data["activity_start"],
                    "activity_end": data["activity_end"],
                    "requested_amount": data["requested_amount"],
                    "currency": data["currency"],
                    "description": data["description"],
                }
                if claim is None:
                    saved = services.fund_claim_create(by=request.user, **values)
                else:
                    saved = services.fund_claim_update(claim_id=claim.pk, by=request.user, **values)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Claim {saved.title} saved.")
                return redirect(saved)
    if not warning:
        # The "submit anyway" box is asked for only next to its warning.
        form.fields.pop("confirm_over_remaining", None)
    title = f"Edit {claim.title}" if claim else "New fund claim"
    context = {"form": form, "title": title, "claim": claim, "form_id": "claim-form", "over_remaining_warning": warning}
    return render(request, "funds/form_page.html", context)


@action_required(Action.MANAGE_CAMPAIGNS)
@submit_once
def claim_create(request: HttpRequest) -> HttpResponse:
    return _claim_form_view(request, None)


@action_required(Action.MANAGE_CAMPAIGNS)
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(FundClaim.objects.select_related("allocation"), pk=pk)
    if claim.status != FundClaim.Status.DRAFT:
        messages.error(request, "Only a draft claim can be edited.")
        return redirect(claim)
    return _claim_form_view(request, claim)


def _claim_step(request: HttpRequest, pk: int, form_class, form_name: str, run, success: str) -> HttpResponse:
    """Validate the step's form, run the service, and on any error show the claim page with it."""
    claim = get_object_or_404(FundClaim, pk=pk)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is None or form.is_valid():
        try:
            run(claim, form.cleaned_data if form else {})
        except ValidationError as error:
            if form is None:
                return _claim_detail_response(request, _load_claim(pk), status=200, proof_error=" ".join(error.messages))
            apply_validation_error(form, error)
        else:
            messages.success(request, success)
            return redirect(claim)
    return _claim_detail_response(request, _load_claim(pk), status=200, **{form_name: form})


@require_POST
@action_required(Action.MANAGE_CAMPAIGNS)
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(FundClaim.objects.select_related("allocation"), pk=pk)
    over_remaining = claim.status == FundClaim.Status.DRAFT and (
        services.fund_claim_over_remaining(
            allocation=claim.allocation, requested_amount=claim.requested_amount, exclude_claim_id=claim.pk
        )
        is not None
    )
    return _claim_step(
        request,
        pk,
        functools.partial(SubmitClaimForm, over_remaining=over_remaining),
        "submit_form",
        lambda claim, data: services.fund_claim_submit(claim_id=claim.pk, tool_reference=data["tool_reference"], by=request.user),
        "Claim marked as submitted in the partner's tool.",
    )


@require_POST
@action_required(Action.MANAGE_CAMPAIGNS)
def claim_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_step(
        request,
        pk,
        ApproveClaimForm,
        "approve_form",
        lambda claim, data: services.fund_claim_approve(
            claim_id=claim.pk, approved_amount=data["approved_amount"], by=request.user
        ),
        "Claim approved.",
    )


@require_POST
@action_required(Action.MANAGE_CAMPAIGNS)
def claim_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_step(
        request,
        pk,
        RejectClaimForm,
        "reject_form",
        lambda claim, data: services.fund_claim_reject(claim_id=claim.pk, reason=data["reason"], by=request.user),
        "Claim rejected.",
    )


@require_POST
@action_required(Action.MANAGE_CAMPAIGNS)
def claim_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_step(
        request,
        pk,
        ProofChecklistForm,
        "checklist_form",
        lambda claim, data: services.fund_claim_set_checklist(claim_id=claim.pk, checklist=data, by=request.user),
        "Proof checklist saved.",
    )


@require_POST
@action_required(Action.MANAGE_CAMPAIGNS)
@submit_once
def claim_proof_upload(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_step(
        request,
        pk,
        ProofDocumentForm,
        "document_form",
        lambda claim, data: services.proof_document_add(
            claim_id=claim.pk, file=data["file"], description=data["description"], by=request.user
        ),
        "Proof document uploaded.",
    )


@require_POST
@action_required(Action.MANAGE_CAMPAIGNS)
def claim_submit_proof(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_step(
        request,
        pk,
        None,
        "",
        lambda claim, data: services.fund_claim_submit_proof(claim_id=claim.pk, by=request.user),
        "Proof of performance submitted.",
    )


@require_POST
@action_required(Action.MANAGE_PARTNERS)
@submit_once
def claim_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_step(
        request,
        pk,
        InvoiceForm,
        "invoice_form",
        lambda claim, data: services.invoice_create(
            claim_id=claim.pk,
            number=data["number"],
            issued_on=data["issued_on"],
            due_on=data["due_on"],
            amount=data["amount"],
            by=request.user,
        ),
        "Invoice created.",
    )


def proof_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone signed in may read claims; the file goes out as an attachment."""
    return attachment_response(get_object_or_404(ProofDocument, pk=pk).file)


# --- Invoices and accounting ---------------------------------------------------------------------


def invoice_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset, invoices, sort = selectors.invoice_list(params=request.GET, sort=request.GET.get("sort"))
    if request.GET.get("format") == "csv":
        return exports.invoice_columns(today=today).response("invoices.csv", invoices.iterator(chunk_size=500))
    page = KeysFirstPaginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/invoice_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "sort": sort,
            "querystring": querystring_without_page(request),
            "today": today,
        },
    )


def accounting(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.GET.get("format") == "csv":
        return exports.invoice_columns(today=today).response(
            "accounting.csv", selectors.accounting_rows(today=today).iterator(chunk_size=500)
        )
    overview = selectors.accounting_overview(today=today)
    return render(
        request,
        "funds/accounting.html",
        {
            "overview": overview,
            "today": today,
            "month_start": first_of_month(today),
            "paid_form": MarkPaidForm(),
        },
    )


@require_POST
@action_required(Action.MANAGE_ACCOUNTING)
def invoice_mark_paid(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    form = MarkPaidForm(request.POST)
    target = safe_next(request, reverse("funds:accounting"))
    if not form.is_valid():
        messages.error(request, f"Invoice {invoice.number}: " + " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(target)
    try:
        services.invoice_mark_paid(invoice_id=invoice.pk, paid_on=form.cleaned_data["paid_on"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Invoice {invoice.number} marked paid.")
    return redirect(target)
