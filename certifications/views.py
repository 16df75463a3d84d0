"""Thin views: parse the request, call a selector or a service, render."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.files import attachment_response
from partnerhub.permissions import action_required
from partnerhub.roles import Action, user_can
from partnerhub.submit_once import submit_once
from partnerhub.view_helpers import apply_validation_error, querystring_without_page
from partners.models import Partner

from . import exports, importing, selectors, services
from .compliance import default_horizon
from .forms import HoldingForm, HoldingImportForm, ProgramStatusForm
from .models import Holding, PartnerProgramStatus

PAGE_SIZE = 25


def _manages_all(user) -> bool:
    return user_can(user, Action.MANAGE_ALL_CERTIFICATIONS)


def _may_change(user, holding: Holding) -> bool:
    """A VSHNeer changes only their own holdings; partner managers and admins change everyone's."""
    return holding.holder_id == user.pk or _manages_all(user)


# --- Compliance overview -----------------------------------------------------------------------


# The default view reads stored compliance; a custom date computes it live for the page's vendors.
OVERVIEW_PAGE_SIZE = 20


def compliance_overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset, partners, on, status = selectors.compliance_overview(params=request.GET, user=request.user, today=today)
    if request.GET.get("format") == "csv":
        rows = selectors.overview_rows(partners, today=today, on=on, status=status, holders=True)
        return exports.compliance_columns(on=on).response(
            f"certification-compliance-{on.isoformat()}.csv", exports.compliance_lines(rows)
        )
    filtered = selectors.with_headline_status(partners, status=status, today=today, on=on) if status else partners
    if filtered is None:
        # A status the stored compliance cannot answer (a custom date, levels not checked today):
        # every partner's compliance is needed before paging.
        rows = selectors.overview_rows(partners, today=today, on=on, status=status)
        page = Paginator(rows, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        # Page the partners first, then read compliance only for the page's rows.
        page = Paginator(filtered, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = selectors.overview_rows(page.object_list, today=today, on=on)
    return render(
        request,
        "certifications/overview.html",
        {
            "filter": filterset,
            "page_obj": page,
            "on": on,
            "today": today,
            "querystring": querystring_without_page(request),
            "default_horizon": on == default_horizon(today),
        },
    )


# --- Catalog -------------------------------------------------------------------------------------


def certification_list(request: HttpRequest) -> HttpResponse:
    filterset, certifications, sort = selectors.certification_list(
        params=request.GET, sort=request.GET.get("sort"), today=timezone.localdate()
    )
    if request.GET.get("format") == "csv":
        return exports.CERTIFICATION_COLUMNS.response("certifications.csv", certifications.iterator(chunk_size=500))
    page = Paginator(certifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certifications/certification_list.html",
        {"filter": filterset, "page_obj": page, "sort": sort, "querystring": querystring_without_page(request)},
    )


# --- Holdings ------------------------------------------------------------------------------------


def _holding_csv(filename: str, holdings) -> HttpResponse:
    return exports.HOLDING_COLUMNS.response(filename, holdings.iterator(chunk_size=500))


def holding_list(request: HttpRequest) -> HttpResponse:
    """Everyone signed in may read who holds what (docs/design.md); only the allowed see edit links."""
    today = timezone.localdate()
    filterset, holdings, sort = selectors.holding_list(params=request.GET, sort=request.GET.get("sort"), today=today)
    if request.GET.get("format") == "csv":
        return _holding_csv("certification-holdings.csv", holdings)
    page = Paginator(holdings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certifications/holding_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "sort": sort,
            "querystring": querystring_without_page(request),
            "today": today,
            "soon": today + timedelta(days=90),
            "title": "Certification holdings",
            "mine": False,
        },
    )


def my_holdings(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    _, holdings, sort = selectors.holding_list(params=None, sort=request.GET.get("sort"), today=today, holder=request.user)
    if request.GET.get("format") == "csv":
        return _holding_csv("my-certifications.csv", holdings)
    page = Paginator(holdings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certifications/holding_list.html",
        {
            "page_obj": page,
            "sort": sort,
            "querystring": querystring_without_page(request),
            "today": today,
            "soon": today + timedelta(days=90),
            "title": "My certifications",
            "mine": True,
        },
    )


def _holding_form_view(request: HttpRequest, holding: Holding) -> HttpResponse:
    manages_all = _manages_all(request.user)
    form = HoldingForm(
        request.POST or None,
        request.FILES or None,
        instance=holding,
        may_pick_holder=manages_all,
        initial={"holder": request.user.pk} if holding.pk is None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.holding_save(holding=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{form.instance.certification.name} saved.")
            mine = form.instance.holder_id == request.user.pk
            return redirect("certifications:mine" if mine or not manages_all else "certifications:holdings")
    title = "Edit certification" if holding.pk else "Add a certification"
    return render(request, "certifications/holding_form.html", {"form": form, "title": title, "holding": holding})


@submit_once
def holding_create(request: HttpRequest) -> HttpResponse:
    """Every signed-in VSHNeer records their own certifications; managers may pick the person."""
    return _holding_form_view(request, Holding(holder=request.user))


def holding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    holding = get_object_or_404(Holding.objects.select_related("holder", "certification"), pk=pk)
    if not _may_change(request.user, holding):
        raise PermissionDenied
    return _holding_form_view(request, holding)


@require_POST
def holding_delete(request: HttpRequest, pk: int) -> HttpResponse:
    holding = get_object_or_404(Holding.objects.select_related("certification"), pk=pk)
    if not _may_change(request.user, holding):
        raise PermissionDenied
    mine = holding.holder_id == request.user.pk
    services.holding_delete(holding=holding)
    messages.success(request, f"{holding.certification.name} removed.")
    return redirect("certifications:mine" if mine else "certifications:holdings")


def holding_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """Certificates are personal documents: the holder, partner managers and admins only."""
    holding = get_object_or_404(Holding, pk=pk)
    if not _may_change(request.user, holding):
        raise PermissionDenied
    return attachment_response(holding.certificate)


# --- Program status ------------------------------------------------------------------------------


@action_required(Action.MANAGE_PARTNERS)
@submit_once
def program_status_edit(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    status = PartnerProgramStatus.objects.filter(partner=partner).first() or PartnerProgramStatus(partner=partner)
    form = ProgramStatusForm(request.POST or None, instance=status)
    if request.method == "POST" and form.is_valid():
        try:
            services.program_status_save(status=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Program status of {partner.name} saved.")
            return redirect(reverse("partners:detail", kwargs={"slug": partner.slug}) + "#certifications")
    return render(
        request,
        "certifications/program_status_form.html",
        {"form": form, "partner": partner, "title": f"Program level at {partner.name}"},
    )


# --- Import --------------------------------------------------------------------------------------


@action_required(Action.MANAGE_ALL_CERTIFICATIONS)
def holding_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (nothing saved) → confirm. The preview carries the file's text to the confirm step,
    which checks every row again before saving."""
    form = HoldingImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        if request.POST.get("step") == "confirm":
            preview, imported = importing.import_holdings(text, skip_bad_rows=form.cleaned_data["skip_bad_rows"])
            if imported:
                skipped = len(preview.bad)
                messages.success(
                    request, f"Imported {imported} holding(s)" + (f"; skipped {skipped} bad row(s)." if skipped else ".")
                )
                return redirect("certifications:holdings")
            if not preview.file_errors and not preview.bad:
                messages.info(request, "Nothing to import.")
            else:
                messages.error(request, "Nothing was imported: fix the rows with errors, or tick “skip bad rows”.")
        else:
            preview = importing.preview_import(text)
        form = HoldingImportForm(initial={"csv_text": text, "skip_bad_rows": form.cleaned_data["skip_bad_rows"]})
    return render(request, "certifications/import.html", {"form": form, "preview": preview})
