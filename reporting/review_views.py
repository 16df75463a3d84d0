"""Quarterly business reviews and partner KPIs (issue 18, items 2 and 3): thin views over reporting's
services and selectors. Everyone signed in reads; partner managers run reviews; sales and marketing
add action items."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from activities.models import QUARTER_VALIDATOR, quarter_of
from partnerhub.csv_export import csv_response
from partnerhub.pagination import KeysFirstPaginator
from partnerhub.permissions import action_required
from partnerhub.roles import Action
from partnerhub.submit_once import submit_once
from partnerhub.view_helpers import apply_validation_error
from partners.models import Partner

from . import kpis, selectors, services
from . import review_pdf as pdf_export
from .models import QuarterlyReview
from .review_forms import ActionItemForm, ReviewCreateForm, ReviewForm
from .scorecard import previous_quarter

PAGE_SIZE = 25


def _quarter(value: str) -> str:
    try:
        QUARTER_VALIDATOR(value)
    except ValidationError:
        raise Http404("No such quarter") from None
    return value


def review_list(request: HttpRequest) -> HttpResponse:
    quarter = request.GET.get("quarter", "").strip()
    try:
        QUARTER_VALIDATOR(quarter)
    except ValidationError:
        quarter = ""
    page = KeysFirstPaginator(selectors.review_list(quarter=quarter or None), PAGE_SIZE).get_page(request.GET.get("page"))
    current = quarter_of(timezone.localdate())
    return render(
        request,
        "reporting/review_list.html",
        {
            "page_obj": page,
            "quarter": quarter,
            "last_quarter": previous_quarter(current),
            "querystring": f"quarter={quarter}" if quarter else "",
        },
    )


@submit_once
def review_for(request: HttpRequest, slug: str, quarter: str) -> HttpResponse:
    """The partner's review of the quarter: opens it when it exists, else offers to create it."""
    quarter = _quarter(quarter)
    partner = get_object_or_404(Partner, slug=slug)
    existing = QuarterlyReview.objects.filter(partner=partner, quarter=quarter).values_list("pk", flat=True).first()
    if existing:
        return redirect("reporting:review", pk=existing)
    if request.method == "POST":
        return _create(request, partner, quarter)
    form = ReviewCreateForm(partner=partner, initial={"held_on": timezone.localdate(), "vshn_attendees": [request.user.pk]})
    return render(request, "reporting/review_new.html", {"partner": partner, "quarter": quarter, "form": form})


@action_required(Action.MANAGE_PARTNERS)
def _create(request: HttpRequest, partner: Partner, quarter: str) -> HttpResponse:
    form = ReviewCreateForm(request.POST, partner=partner, instance=QuarterlyReview(partner=partner, quarter=quarter))
    if form.is_valid():
        try:
            review = services.review_create(
                review=form.instance,
                by=request.user,
                vshn_attendees=form.cleaned_data["vshn_attendees"],
                partner_attendees=form.cleaned_data["partner_attendees"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Review {quarter} of {partner.name} created; the scorecard is filled from the records.")
            return redirect(review)
    return render(request, "reporting/review_new.html", {"partner": partner, "quarter": quarter, "form": form})


def _review(pk: int) -> QuarterlyReview:
    review = selectors.review_detail(pk=pk)
    if review is None:
        raise Http404("No such review")
    return review


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    return render(
        request,
        "reporting/review_detail.html",
        {
            "review": review,
            "partner": review.partner,
            "card": review.scorecard,
            "action_form": ActionItemForm(initial={"owner": request.user.pk}),
        },
    )


def review_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The same review on one printable page (no navigation, no buttons but "print")."""
    review = _review(pk)
    return render(request, "reporting/review_print.html", {"review": review, "partner": review.partner, "card": review.scorecard})


@require_GET
def review_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The print page as a PDF download (reporting/review_pdf.py): whoever may read the review."""
    review = _review(pk)
    try:
        content = pdf_export.review_pdf(request, review)
    except pdf_export.PdfUnavailable:
        messages.error(request, "The PDF export is not available on this server; print this page to PDF instead.")
        return redirect("reporting:review-print", pk=review.pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_export.review_pdf_filename(review)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@action_required(Action.MANAGE_PARTNERS)
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(QuarterlyReview.objects.select_related("partner", "activity"), pk=pk)
    form = ReviewForm(request.POST or None, instance=review, partner=review.partner)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update(
                review=form.instance,
                by=request.user,
                vshn_attendees=form.cleaned_data["vshn_attendees"],
                partner_attendees=form.cleaned_data["partner_attendees"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Review saved.")
            return redirect(review)
    return render(request, "reporting/review_form.html", {"review": review, "partner": review.partner, "form": form})


@require_POST
@action_required(Action.MANAGE_PARTNERS)
def review_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    review = services.review_refresh_scorecard(review=get_object_or_404(QuarterlyReview, pk=pk))
    messages.success(request, "Scorecard read again from the records.")
    return redirect(review)


@require_POST
@action_required(Action.LOG_ACTIVITIES)
@submit_once
def review_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            services.review_add_action_item(
                review=review, title=data["title"], owner=data["owner"], due_on=data["due_on"], by=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Action item added; it is a follow-up of its owner.")
            return redirect(review)
    return render(
        request,
        "reporting/review_detail.html",
        {"review": review, "partner": review.partner, "card": review.scorecard, "action_form": form},
        status=200,
    )


def kpi_page(request: HttpRequest) -> HttpResponse:
    """The portfolio's KPIs (reporting/kpis.py) with charts; each table as CSV (?table=<name>&format=csv)."""
    today = timezone.localdate()
    if request.GET.get("format") == "csv":
        name = request.GET.get("table")
        if name not in kpis.KPI_TABLES:
            raise Http404("No such table")
        table = kpis.kpi_tables(today, only=name)[0]
        return csv_response(f"{table.name}-{today:%Y-%m-%d}.csv", table.header, table.rows)
    tables = kpis.kpi_tables(today)
    charts = [{"id": f"chart-{t.name}", **t.chart} for t in tables if t.chart]
    return render(request, "reporting/kpis.html", {"tables": tables, "charts": charts, "today": today})
