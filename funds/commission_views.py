"""Referral and reseller commissions (issue 18, item 5): thin views over funds/commissions.py.
Everyone signed in reads; partner managers keep the agreements; accounting records invoices and payments."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.pagination import KeysFirstPaginator
from partnerhub.permissions import action_required
from partnerhub.roles import Action
from partnerhub.submit_once import submit_once
from partnerhub.view_helpers import apply_validation_error, querystring_without_page

from . import commissions, exports
from .commission_forms import CommissionAgreementForm, CommissionInvoicedForm, CommissionPaidForm
from .models import Commission, CommissionAgreement

PAGE_SIZE = 25


def _partner_id(request: HttpRequest) -> int | None:
    value = request.GET.get("partner", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def commission_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    queryset = commissions.commission_list(status=status, partner_id=_partner_id(request), overdue_on=today if overdue else None)
    if request.GET.get("format") == "csv":
        return exports.commission_columns(today=today).response("commissions.csv", queryset.iterator(chunk_size=500))
    # What is owed and overdue per currency (never summed across currencies): one GROUP BY.
    totals = (
        Commission.objects.filter(status__in=Commission.OPEN_STATUSES)
        .order_by()
        .values("currency")
        .annotate(owed=Sum("amount"), late=Sum("amount", filter=Q(due_on__lt=today)))
    )
    owed = {row["currency"]: row["owed"] for row in totals}
    late = {row["currency"]: row["late"] for row in totals if row["late"]}
    page = KeysFirstPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/commission_list.html",
        {
            "page_obj": page,
            "today": today,
            "status": status,
            "overdue": overdue,
            "statuses": Commission.Status.choices,
            "owed": dict(sorted(owed.items())),
            "late": dict(sorted(late.items())),
            "querystring": querystring_without_page(request),
            "invoiced_form": CommissionInvoicedForm(initial={"invoiced_on": today}),
            "paid_form": CommissionPaidForm(initial={"paid_on": today}),
        },
    )


HISTORY_PAGE_SIZE = 25  # as every list; 50 rows cost twice the rendering at full scale


@action_required(Action.MANAGE_ACCOUNTING)
def commission_history(request: HttpRequest) -> HttpResponse:
    """Each commission's way from owed to invoiced to paid (who, when, the partner's invoice number),
    per partner or across partners, from its audit history. Accounting and partner managers read it."""
    filterset, rows = commissions.commission_history(params=request.GET, request=request)
    if request.GET.get("format") == "csv":
        return exports.COMMISSION_HISTORY_COLUMNS.response("commission-history.csv", rows.iterator(chunk_size=500))
    page = KeysFirstPaginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.event = commissions.history_event(row)
    return render(
        request,
        "funds/commission_history.html",
        {"filter": filterset, "page_obj": page, "querystring": querystring_without_page(request)},
    )


def _agreement_form(request: HttpRequest, agreement: CommissionAgreement) -> HttpResponse:
    form = CommissionAgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            commissions.agreement_save(agreement=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Commission agreement saved.")
            return redirect(form.instance.partner.get_absolute_url() + "#commissions")
    title = "Edit the commission agreement" if agreement.pk else "New commission agreement"
    return render(request, "funds/form_page.html", {"form": form, "title": title, "form_id": "commission-agreement-form"})


@action_required(Action.MANAGE_PARTNERS)
@submit_once
def agreement_create(request: HttpRequest) -> HttpResponse:
    return _agreement_form(request, CommissionAgreement(valid_from=timezone.localdate()))


@action_required(Action.MANAGE_PARTNERS)
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _agreement_form(request, get_object_or_404(CommissionAgreement.objects.select_related("partner"), pk=pk))


def _move(request: HttpRequest, pk: int, form, move, done: str) -> HttpResponse:
    """`move(commission_id, data, by)` calls the service with the form's values by name."""
    commission = get_object_or_404(Commission, pk=pk)
    if form.is_valid():
        try:
            move(commission.pk, form.cleaned_data, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
    else:
        messages.error(
            request,
            " ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items() if f in form.fields)
            or "Check the form.",
        )
    return redirect(commission.get_absolute_url())


@require_POST
@action_required(Action.MANAGE_ACCOUNTING)
def commission_invoiced(request: HttpRequest, pk: int) -> HttpResponse:
    def move(commission_id: int, data: dict, by) -> None:
        commissions.commission_mark_invoiced(
            commission_id=commission_id, invoice_number=data["invoice_number"], invoiced_on=data["invoiced_on"], by=by
        )

    return _move(request, pk, CommissionInvoicedForm(request.POST), move, "Commission marked invoiced.")


@require_POST
@action_required(Action.MANAGE_ACCOUNTING)
def commission_paid(request: HttpRequest, pk: int) -> HttpResponse:
    def move(commission_id: int, data: dict, by) -> None:
        commissions.commission_mark_paid(commission_id=commission_id, paid_on=data["paid_on"], by=by)

    return _move(request, pk, CommissionPaidForm(request.POST), move, "Commission marked paid.")
