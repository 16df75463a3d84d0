"""Thin views: parse the request, call a selector or a service, render."""

import logging
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST, require_safe

from partnerhub.attention import ATTENTION_PROVIDERS, AttentionItem
from partnerhub.csv_export import csv_response
from partnerhub.models import Notification
from partnerhub.pagination import KeysFirstPaginator
from partnerhub.permissions import action_required
from partnerhub.roles import Action
from partnerhub.submit_once import submit_once
from partnerhub.view_helpers import apply_validation_error, querystring_without_page
from partners.models import Partner

from . import exports, ics, overview, selectors, services
from .forms import AgreementForm, ReportCreateForm, ReportLineForm
from .global_search import global_search
from .inbox import inbox_for
from .models import CalendarFeedToken, LicenseReport, LicenseReportLine, ReportingAgreement

logger = logging.getLogger(__name__)
PAGE_SIZE = 25


# --- the attention dashboard (home page) ------------------------------------------------------------


def _attention_groups(items: list[AttentionItem], today) -> list[dict]:
    """Items grouped by category: groups with overdue items first, inside a group overdue first,
    then by due date."""
    items = sorted(items, key=lambda i: (i.category, not i.overdue, i.due or today.max, i.title))
    groups = [
        {"category": category, "items": group, "overdue": sum(1 for i in group if i.overdue)}
        for category, grouped in groupby(items, key=lambda i: i.category)
        for group in [list(grouped)]
    ]
    groups.sort(key=lambda g: (g["overdue"] == 0, g["category"]))
    return groups


def dashboard(request: HttpRequest) -> HttpResponse:
    """The page itself is cheap (session, user, unread notifications); each app's panel is loaded
    by its own htmx request, so the dashboard's query count does not grow with the apps."""
    notifications = list(Notification.objects.filter(recipient=request.user, read_at__isnull=True)[:5])
    return render(request, "reporting/dashboard.html", {"panels": sorted(ATTENTION_PROVIDERS), "notifications": notifications})


def inbox(request: HttpRequest) -> HttpResponse:
    """The dashboard's ranked inbox (reporting/inbox.py): one htmx request after the page, so the
    dashboard itself stays at three queries; the providers' queries are fixed per provider."""
    today = timezone.localdate()
    template = "reporting/_inbox.html" if request.htmx else "reporting/inbox_page.html"
    return render(request, template, {"inbox": inbox_for(request.user, today), "today": today})


def search(request: HttpRequest) -> HttpResponse:
    """The global search (navigation, shortcut "/"): every kind at once, grouped (reporting/global_search.py)."""
    term = request.GET.get("q", "")
    groups = global_search(term, request.user)
    return render(request, "reporting/search.html", {"q": term.strip()[:100], "groups": groups})


def attention_panel(request: HttpRequest, name: str) -> HttpResponse:
    """One provider's items for the signed-in user. A provider that fails is named, not fatal."""
    if name not in ATTENTION_PROVIDERS:
        raise Http404("No such panel")
    today = timezone.localdate()
    try:
        items = ATTENTION_PROVIDERS[name](request.user, today)
        failed = False
    except Exception:
        logger.exception("Attention provider %s failed", name)
        items, failed = [], True
    template = "reporting/_attention_panel.html" if request.htmx else "reporting/attention_panel_page.html"
    return render(
        request,
        template,
        {"name": name, "label": name.replace("_", " "), "groups": _attention_groups(items, today), "failed": failed},
    )


# --- license reports --------------------------------------------------------------------------------


def report_list(request: HttpRequest) -> HttpResponse:
    filterset, reports, sort = selectors.report_list(params=request.GET, sort=request.GET.get("sort"))
    if request.GET.get("format") == "csv":
        return exports.REPORT_COLUMNS.response("license-reports.csv", reports.iterator(chunk_size=500))
    page = KeysFirstPaginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/report_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "sort": sort,
            "querystring": querystring_without_page(request),
            "today": timezone.localdate(),
        },
    )


@action_required(Action.MANAGE_ACCOUNTING)
@submit_once
def report_create(request: HttpRequest) -> HttpResponse:
    initial = {"partner": request.GET.get("partner")} if request.GET.get("partner") else None
    form = ReportCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_create(partner=form.cleaned_data["partner"], month=form.cleaned_data["month"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Report for {report.month:%B %Y} created.")
            return redirect(report)
    return render(
        request, "reporting/form_page.html", {"form": form, "title": "New license report", "submit_id": "report-create-submit"}
    )


def _detail_context(request: HttpRequest, report: LicenseReport, line_form: ReportLineForm | None = None) -> dict:
    rows, gone, previous = selectors.lines_with_change(report)
    return {
        "report": report,
        "rows": rows,
        "gone": gone,
        "previous": previous,
        "line_form": line_form or ReportLineForm(initial={"currency": report.currency}),
        "today": timezone.localdate(),
        "agreement": getattr(report.partner, "reporting_agreement", None),
    }


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.report_detail(pk=pk)
    except LicenseReport.DoesNotExist:
        raise Http404("No such report")
    return render(request, "reporting/report_detail.html", _detail_context(request, report))


@require_POST
@action_required(Action.MANAGE_ACCOUNTING)
@submit_once
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.report_detail(pk=pk)
    except LicenseReport.DoesNotExist:
        raise Http404("No such report")
    form = ReportLineForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            services.line_add(
                report=report,
                product=data["product"],
                unit=data["unit"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                currency=data["currency"],
                term=data["term"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Line added.")
            return redirect(report.get_absolute_url() + "#lines")
    return render(request, "reporting/report_detail.html", _detail_context(request, report, form))


@action_required(Action.MANAGE_ACCOUNTING)
def line_edit(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = get_object_or_404(LicenseReportLine.objects.select_related("report", "report__partner"), pk=line_pk, report_id=pk)
    report = line.report
    form = ReportLineForm(request.POST or None, instance=LicenseReportLine.objects.get(pk=line.pk))
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            services.line_update(
                line=line,
                product=data["product"],
                unit=data["unit"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                currency=data["currency"],
                term=data["term"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Line saved.")
            return redirect(report.get_absolute_url() + "#lines")
    return render(
        request,
        "reporting/form_page.html",
        {
            "form": form,
            "title": f"Edit line of {report}",
            "report": report,
            "submit_id": "line-save",
        },
    )


@require_POST
@action_required(Action.MANAGE_ACCOUNTING)
def line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = get_object_or_404(LicenseReportLine.objects.select_related("report"), pk=line_pk, report_id=pk)
    try:
        services.line_delete(line=line)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Line removed.")
    return redirect(line.report.get_absolute_url() + "#lines")


def _report_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    report = get_object_or_404(LicenseReport, pk=pk)
    try:
        result = action(report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(result=result))
    return redirect(report)


@require_POST
@action_required(Action.MANAGE_ACCOUNTING)
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_action(request, pk, lambda r: services.report_submit(report=r, by=request.user), "Report submitted.")


@require_POST
@action_required(Action.MANAGE_ACCOUNTING)
def report_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_action(request, pk, lambda r: services.report_acknowledge(report=r, by=request.user), "Report acknowledged.")


@require_POST
@action_required(Action.MANAGE_ACCOUNTING)
def report_copy_previous(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_action(
        request, pk, lambda r: services.report_copy_previous(report=r), "Copied {result} lines from last month."
    )


# --- agreements -------------------------------------------------------------------------------------


@action_required(Action.MANAGE_ACCOUNTING)
@submit_once
def agreement_edit(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    existing = ReportingAgreement.objects.filter(partner=partner).first()
    form = AgreementForm(request.POST or None, instance=existing or ReportingAgreement(partner=partner))
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_save(agreement=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Reporting agreement saved.")
            return redirect(partner.get_absolute_url() + "#license-reports")
    title = f"Reporting agreement with {partner.name}"
    return render(
        request, "reporting/form_page.html", {"form": form, "title": title, "partner": partner, "submit_id": "agreement-save"}
    )


# --- partner health -----------------------------------------------------------------------------------


def health(request: HttpRequest) -> HttpResponse:
    filterset, partners = selectors.partners_at_risk(params=request.GET)
    if request.GET.get("format") == "csv":
        return exports.HEALTH_COLUMNS.response("partner-health.csv", partners.iterator(chunk_size=500))
    page = KeysFirstPaginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/health.html",
        {"filter": filterset, "page_obj": page, "querystring": querystring_without_page(request)},
    )


@require_POST
@action_required(Action.MANAGE_PARTNERS)
def health_refresh(request: HttpRequest) -> HttpResponse:
    from partners.health import partner_health_refresh

    changed = partner_health_refresh()
    messages.success(request, f"Health refreshed; {changed} partners changed.")
    return redirect("reporting:health")


# --- overview -------------------------------------------------------------------------------------


def overview_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.GET.get("format") == "csv":
        tables = overview.overview_tables(today, only=request.GET.get("table"))
        if request.GET.get("table") not in overview.TABLES or not tables:
            raise Http404("No such table")
        table = tables[0]
        return csv_response(f"{table.name}-{today:%Y-%m-%d}.csv", table.header, table.rows)
    tables = overview.overview_tables(today)
    charts = [{"id": f"chart-{t.name}", **t.chart} for t in tables if t.chart]
    return render(request, "reporting/overview.html", {"tables": tables, "charts": charts, "today": today})


# --- calendar feed ----------------------------------------------------------------------------------


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    token = CalendarFeedToken.objects.filter(user=request.user).first()
    feed_url = ics.feed_url(token) if token else ""  # on PARTNERHUB_SITE_URL, whatever the proxy says
    return render(request, "reporting/calendar.html", {"token": token, "feed_url": feed_url})


@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    """Everyone may create or reset their own feed URL (the old one stops working)."""
    existed = CalendarFeedToken.objects.filter(user=request.user).exists()
    services.calendar_token_reset(user=request.user)
    messages.success(
        request, "New calendar feed URL created; the old one no longer works." if existed else "Calendar feed URL created."
    )
    return redirect("reporting:calendar")


@login_not_required  # calendar apps cannot sign in: the secret token in the URL is the credential
@require_safe  # GET and HEAD
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = CalendarFeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404("Unknown calendar feed")
    return ics.feed_response(request, feed, timezone.localdate())  # ETag, Last-Modified, 304
