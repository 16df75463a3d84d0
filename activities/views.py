"""Thin views: parse the request, call a selector or a service, render."""

import calendar
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.formatting import PERSON_ORDER
from partnerhub.input_bounds import MAX_DATE, MIN_DATE, parse_month
from partnerhub.pagination import KeysFirstPaginator
from partnerhub.permissions import action_required
from partnerhub.roles import Action, user_can
from partnerhub.submit_once import mark_saved, submit_once
from partnerhub.view_helpers import apply_validation_error, querystring_without_page, safe_next
from partners import selectors as partner_selectors
from partners.health import health_refresh_pending
from partners.models import Partner

from . import exports, selectors, services
from .forms import (
    ActivityForm,
    CampaignForm,
    DealRegistrationForm,
    InitiativeForm,
    JointPlanForm,
    OpportunityForm,
    QuickActivityForm,
    TaskForm,
    TaskReassignForm,
    TransitionForm,
)
from .models import QUARTER_VALIDATOR, Activity, Campaign, DealRegistration, JointPlanInitiative, Opportunity, Task
from .partner_sections import timeline_context
from .targets import attach_progress

PAGE_SIZE = 25
SYNC_LIST_LIMIT = 200


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    return KeysFirstPaginator(queryset, size).get_page(request.GET.get("page"))


def _form_page(request, form, title, *, back: str, breadcrumb: tuple[str, str] | None = None, extra: dict | None = None):
    context = {"form": form, "title": title, "back": back, "breadcrumb": breadcrumb}
    context.update(extra or {})
    return render(request, "activities/form_page.html", context)


# --- Activities ------------------------------------------------------------------------------


def activity_feed(request: HttpRequest) -> HttpResponse:
    filterset, activities = selectors.activity_feed(params=request.GET)
    if request.GET.get("format") == "csv":
        return exports.ACTIVITY_COLUMNS.response("activities.csv", activities.iterator(chunk_size=1000))
    rows, next_cursor = selectors.keyset_page(activities, request.GET.get("before"))
    return render(
        request,
        "activities/feed.html",
        {
            "filter": filterset,
            "activities": rows,
            "next_cursor": next_cursor,
            "querystring": querystring_without_page(request, "before"),
            "is_first_page": not request.GET.get("before"),
        },
    )


def partner_timeline(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner.objects.select_related("manager"), slug=slug)
    rows, next_cursor = selectors.keyset_page(selectors.partner_timeline(partner=partner), request.GET.get("before"))
    return render(
        request,
        "activities/timeline.html",
        {"partner": partner, "activities": rows, "next_cursor": next_cursor, "is_first_page": not request.GET.get("before")},
    )


def _activity_form_view(request: HttpRequest, activity: Activity, partner: Partner | None) -> HttpResponse:
    form = ActivityForm(request.POST or None, instance=activity, partner=partner)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.activity_log(
                activity=form.instance,
                author=request.user,
                participants=form.cleaned_data["participants"],
                contacts=form.cleaned_data["contacts"],
                by=request.user,
                follow_up_assignee=form.cleaned_data.get("follow_up_assignee"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{saved.get_kind_display()} logged.")
            return redirect(reverse("partners:detail", kwargs={"slug": saved.partner.slug}) + "#timeline")
    back = partner.get_absolute_url() + "#timeline" if partner else reverse("activities:feed")
    title = f"Edit: {activity.subject}" if activity.pk else (f"Log activity with {partner.name}" if partner else "Log activity")
    return _form_page(request, form, title, back=back, breadcrumb=("Activities", reverse("activities:feed")))


@action_required(Action.LOG_ACTIVITIES)
@submit_once
def activity_create(request: HttpRequest) -> HttpResponse:
    partner = None
    if request.GET.get("partner"):
        partner = Partner.objects.filter(slug=request.GET["partner"], archived=False).first()
    initial_kind = request.GET.get("kind")
    activity = Activity(partner=partner, occurred_on=timezone.localdate())
    if initial_kind in Activity.Kind.values:
        activity.kind = initial_kind
    return _activity_form_view(request, activity, partner)


@action_required(Action.LOG_ACTIVITIES)
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity.objects.select_related("partner"), pk=pk)
    return _activity_form_view(request, activity, activity.partner)


@require_POST
@action_required(Action.LOG_ACTIVITIES)
@submit_once
def quick_log(request: HttpRequest, slug: str) -> HttpResponse:
    """The three-field log on the partner page. With htmx it answers the re-rendered section, so
    the new entry and the next sync date appear without a reload; without htmx it redirects."""
    partner = get_object_or_404(Partner.objects.select_related("manager"), slug=slug, archived=False)
    form = QuickActivityForm(request.POST, instance=Activity(partner=partner))
    saved = None
    if form.is_valid():
        try:
            saved = services.activity_log(activity=form.instance, author=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
    if request.headers.get("HX-Request"):
        if saved is not None:
            mark_saved(request)  # answered without a redirect: the one-time form token stays claimed
            form = None  # a fresh form for the next entry
            health_refresh_pending()  # the new verdict is in this answer, not only after the commit
            partner.refresh_from_db(fields=["health", "health_reasons"])
        context = timeline_context(partner, request, quick_form=form)
        # Also swap the page's health badge out of band: logging a sync meeting can change it.
        return render(
            request,
            "activities/_partner_timeline.html",
            {"section": context, "partner": partner, "swap_health": saved is not None},
        )
    if saved is None:
        # Without htmx, show the full form with what was typed and why it was refused.
        data = request.POST.copy()
        data["partner"] = str(partner.pk)
        full = ActivityForm(data, instance=Activity(partner=partner), partner=partner)
        full.is_valid()
        for error in form.non_field_errors():
            full.add_error(None, error)
        return _form_page(
            request,
            full,
            f"Log activity with {partner.name}",
            back=partner.get_absolute_url(),
            extra={"action": reverse("activities:create") + f"?partner={partner.slug}"},
        )
    messages.success(request, f"{saved.get_kind_display()} logged.")
    return redirect(partner.get_absolute_url() + "#timeline")


def my_follow_ups(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    page = _page(request, selectors.my_follow_ups(user=request.user))
    return render(request, "activities/follow_ups.html", {"page_obj": page, "today": today, "querystring": ""})


@require_POST
@action_required(Action.LOG_ACTIVITIES)
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    services.activity_mark_follow_up_done(activity=activity, by=request.user)  # PermissionDenied -> 403
    messages.success(request, f"Follow-up on \u201c{activity.subject}\u201d done.")
    return redirect(safe_next(request, reverse("activities:follow-ups")))


def sync_meetings(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset, rows = selectors.sync_meeting_list(params=request.GET, today=today)
    horizon = today + timedelta(days=30)
    overdue = [row for row in rows if row[1].overdue]
    upcoming = [row for row in rows if not row[1].overdue and row[1].next_due <= horizon]
    if request.GET.get("format") == "csv":
        return exports.SYNC_MEETING_COLUMNS.response("sync-meetings.csv", rows)
    # The page shows the first SYNC_LIST_LIMIT of each list (filter by manager to narrow it); the CSV has all.
    return render(
        request,
        "activities/sync_meetings.html",
        {
            "filter": filterset,
            "overdue": overdue[:SYNC_LIST_LIMIT],
            "upcoming": upcoming[:SYNC_LIST_LIMIT],
            "overdue_count": len(overdue),
            "upcoming_count": len(upcoming),
            "limit": SYNC_LIST_LIMIT,
            "later_count": len(rows) - len(overdue) - len(upcoming),
            "today": today,
            "querystring": querystring_without_page(request),
        },
    )


def opportunity_list(request: HttpRequest) -> HttpResponse:
    filterset, opportunities, sort = selectors.opportunity_list(params=request.GET, sort=request.GET.get("sort"))
    if request.GET.get("format") == "csv":
        return exports.OPPORTUNITY_COLUMNS.response("opportunities.csv", opportunities.iterator(chunk_size=1000))
    return render(
        request,
        "activities/opportunity_list.html",
        {
            "filter": filterset,
            "page_obj": _page(request, opportunities),
            "sort": sort,
            "pipeline": selectors.pipeline_totals(opportunities),
            "querystring": querystring_without_page(request),
        },
    )


def _opportunity_form_view(request: HttpRequest, opportunity: Opportunity) -> HttpResponse:
    form = OpportunityForm(request.POST or None, instance=opportunity)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.opportunity_save(opportunity=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Opportunity saved.")
            for warning in saved.warnings:  # e.g. a paid commission whose deal is no longer won
                messages.warning(request, warning)
            return redirect("activities:opportunities")
    title = f"Edit {opportunity.title}" if opportunity.pk else "New opportunity"
    return _form_page(
        request,
        form,
        title,
        back=reverse("activities:opportunities"),
        breadcrumb=("Opportunities", reverse("activities:opportunities")),
    )


@action_required(Action.MANAGE_DEALS)
@submit_once
def opportunity_create(request: HttpRequest) -> HttpResponse:
    partner = Partner.objects.filter(slug=request.GET.get("partner") or "", archived=False).first()
    return _opportunity_form_view(request, Opportunity(partner=partner, owner=request.user))


@action_required(Action.MANAGE_DEALS)
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _opportunity_form_view(request, get_object_or_404(Opportunity, pk=pk))


# --- Deal registrations ----------------------------------------------------------------------


def _registration_csv(filename: str, registrations) -> HttpResponse:
    return exports.REGISTRATION_COLUMNS.response(filename, registrations.iterator(chunk_size=1000))


def registration_list(request: HttpRequest) -> HttpResponse:
    filterset, registrations, sort = selectors.deal_registration_list(params=request.GET, sort=request.GET.get("sort"))
    if request.GET.get("format") == "csv":
        return _registration_csv("deal-registrations.csv", registrations)
    return render(
        request,
        "activities/registration_list.html",
        {
            "filter": filterset,
            "page_obj": _page(request, registrations),
            "sort": sort,
            "title": "Deal registrations",
            "querystring": querystring_without_page(request),
            "transitions": services.ALLOWED_TRANSITIONS,
        },
    )


def registrations_expiring(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    registrations = selectors.registrations_expiring(today=today, days=30)
    if request.GET.get("format") == "csv":
        return _registration_csv("deal-registrations-expiring.csv", registrations)
    return render(
        request,
        "activities/registration_list.html",
        {
            "page_obj": _page(request, registrations),
            "title": "Deal registrations expiring within 30 days",
            "expiring": True,
            "today": today,
            "querystring": "",
            "transitions": services.ALLOWED_TRANSITIONS,
        },
    )


def _registration_form_view(request: HttpRequest, registration: DealRegistration) -> HttpResponse:
    form = DealRegistrationForm(request.POST or None, instance=registration)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = services.deal_registration_duplicates(registration=form.instance)
        if duplicates and not form.cleaned_data.get("confirm_duplicate"):
            form.add_error("confirm_duplicate", "This looks like a duplicate. Tick the box to save it anyway.")
        else:
            try:
                services.deal_registration_save(registration=form.instance)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Deal registration saved.")
                return redirect("activities:registration-edit", pk=form.instance.pk)
    title = f"Deal registration: {registration.customer}" if registration.pk else "New deal registration"
    extra = {
        "duplicates": duplicates,
        "registration": registration if registration.pk else None,
        "next_statuses": sorted(services.ALLOWED_TRANSITIONS.get(registration.status, ())) if registration.pk else [],
    }
    return _form_page(
        request,
        form,
        title,
        back=reverse("activities:registrations"),
        breadcrumb=("Deal registrations", reverse("activities:registrations")),
        extra=extra,
    )


@action_required(Action.MANAGE_DEALS)
@submit_once
def registration_create(request: HttpRequest) -> HttpResponse:
    partner = Partner.objects.filter(slug=request.GET.get("partner") or "", archived=False).first()
    return _registration_form_view(request, DealRegistration(partner=partner, owner=request.user))


@action_required(Action.MANAGE_DEALS)
def registration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _registration_form_view(request, get_object_or_404(DealRegistration.objects.select_related("partner"), pk=pk))


@require_POST
@action_required(Action.MANAGE_DEALS)
def registration_transition(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(DealRegistration, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Unknown status or a bad expiry date.")
    else:
        try:
            moved = services.deal_registration_transition(
                registration=registration, to=form.cleaned_data["to"], by=request.user, expires_on=form.cleaned_data["expires_on"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Registration for {moved.customer} is now {moved.get_status_display().lower()}.")
    return redirect(safe_next(request, registration.get_absolute_url()))


# --- Campaigns -------------------------------------------------------------------------------


def campaign_list(request: HttpRequest) -> HttpResponse:
    filterset, campaigns, sort = selectors.campaign_list(params=request.GET, sort=request.GET.get("sort"))
    if request.GET.get("format") == "csv":
        return exports.CAMPAIGN_COLUMNS.response("campaigns.csv", campaigns.iterator(chunk_size=500))
    return render(
        request,
        "activities/campaign_list.html",
        {
            "filter": filterset,
            "page_obj": _page(request, campaigns),
            "sort": sort,
            "totals": selectors.totals(campaigns, "budget"),
            "querystring": querystring_without_page(request),
        },
    )


def campaign_calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    asked = request.GET.get("month", "")
    first = parse_month(asked)  # None outside 1990-01..2100-12: 9999-12 overflowed the next-month link
    if first is None:
        if asked:
            messages.warning(
                request, f"Showing this month: enter a month as YYYY-MM between {MIN_DATE:%Y-%m} and {MAX_DATE:%Y-%m}."
            )
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    campaigns = selectors.campaigns_in_month(first=first, last=last)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append([(day, [c for c in campaigns if c.starts_on <= day <= (c.ends_on or c.starts_on)]) for day in week])
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return render(
        request,
        "activities/campaign_calendar.html",
        {
            "weeks": weeks,
            "first": first,
            "today": today,
            "campaigns": campaigns,
            "previous": f"{previous:%Y-%m}",
            "next": f"{following:%Y-%m}",
        },
    )


def _campaign_form_view(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_save(campaign=form.instance, partners=list(form.cleaned_data["partners"]))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Campaign saved.")
            return redirect("activities:campaign-edit", pk=form.instance.pk)
    title = f"Campaign: {campaign.title}" if campaign.pk else "New campaign"
    return _form_page(
        request,
        form,
        title,
        back=reverse("activities:campaigns"),
        breadcrumb=("Campaigns", reverse("activities:campaigns")),
        extra={
            "campaign": campaign if campaign.pk else None,
            "campaign_collateral": partner_selectors.campaign_collateral(campaign_id=campaign.pk) if campaign.pk else [],
        },
    )


@action_required(Action.MANAGE_CAMPAIGNS)
@submit_once
def campaign_create(request: HttpRequest) -> HttpResponse:
    campaign = Campaign(owner=request.user)
    partner = Partner.objects.filter(slug=request.GET.get("partner") or "", archived=False).first()
    form_initial_partner = [partner.pk] if partner else None
    if form_initial_partner and request.method == "GET":
        form = CampaignForm(instance=campaign, initial={"partners": form_initial_partner})
        return _form_page(
            request,
            form,
            "New campaign",
            back=reverse("activities:campaigns"),
            breadcrumb=("Campaigns", reverse("activities:campaigns")),
        )
    return _campaign_form_view(request, campaign)


def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Marketing and partner managers edit here; everyone else signed in reads the same URL (the
    calendar, partner pages and search link here for every role). Writes stay with the role."""
    if user_can(request.user, Action.MANAGE_CAMPAIGNS):
        return _campaign_form_view(request, get_object_or_404(Campaign.objects.select_related("brand_checked_by"), pk=pk))
    if request.method != "GET":
        raise PermissionDenied
    campaign = get_object_or_404(Campaign.objects.select_related("brand_checked_by", "owner").prefetch_related("partners"), pk=pk)
    return render(
        request,
        "activities/campaign_detail.html",
        {"campaign": campaign, "campaign_collateral": partner_selectors.campaign_collateral(campaign_id=campaign.pk)},
    )


@require_POST
@action_required(Action.MANAGE_CAMPAIGNS)
def campaign_brand_check(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_brand_check(campaign=get_object_or_404(Campaign, pk=pk), by=request.user)
    messages.success(request, f"Brand guidelines of \u201c{campaign.title}\u201d checked.")
    return redirect("activities:campaign-edit", pk=campaign.pk)


# --- Joint plans -----------------------------------------------------------------------------


def plan_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    quarter = request.GET.get("quarter", "").strip()
    try:
        QUARTER_VALIDATOR(quarter)
    except ValidationError:
        quarter = ""
    page = _page(request, selectors.joint_plan_list(quarter=quarter or None))
    partners = Partner.objects.filter(archived=False).only("pk", "name", "slug").order_by("name")
    return render(
        request,
        "activities/plan_list.html",
        {
            "page_obj": page,
            "quarter": quarter,
            "current_quarter": selectors.current_quarter(today),
            "partners": partners,
            "querystring": f"quarter={quarter}" if quarter else "",
        },
    )


def _plan_args(slug: str, quarter: str) -> Partner:
    try:
        QUARTER_VALIDATOR(quarter)
    except ValidationError:
        raise Http404("No such quarter") from None
    return get_object_or_404(Partner, slug=slug)


def plan_detail(request: HttpRequest, slug: str, quarter: str) -> HttpResponse:
    partner = _plan_args(slug, quarter)
    plan = selectors.joint_plan(partner=partner, quarter=quarter)
    form = JointPlanForm(instance=plan)
    # One query for every computed actual of the plan's targets (activities/targets.py).
    initiatives = attach_progress(
        partner_id=partner.pk, quarter=quarter, initiatives=list(plan.initiatives.all()) if plan else []
    )
    return render(
        request,
        "activities/plan_detail.html",
        {"partner": partner, "quarter": quarter, "plan": plan, "form": form, "initiatives": initiatives},
    )


@require_POST
@action_required(Action.LOG_ACTIVITIES)
def plan_save(request: HttpRequest, slug: str, quarter: str) -> HttpResponse:
    partner = _plan_args(slug, quarter)
    plan = services.joint_plan_get_or_create(partner=partner, quarter=quarter)
    form = JointPlanForm(request.POST, instance=plan)
    if form.is_valid():
        services.joint_plan_save(plan=form.instance)
        messages.success(request, f"Joint plan {quarter} saved.")
    return redirect("activities:plan", slug=partner.slug, quarter=quarter)


def _initiative_form_view(request: HttpRequest, initiative: JointPlanInitiative, partner: Partner, quarter: str) -> HttpResponse:
    form = InitiativeForm(request.POST or None, instance=initiative, partner=partner)
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_save(initiative=form.instance, partner=partner, quarter=quarter)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Initiative saved.")
            return redirect("activities:plan", slug=partner.slug, quarter=quarter)
    back = reverse("activities:plan", kwargs={"slug": partner.slug, "quarter": quarter})
    title = f"Edit {initiative.title}" if initiative.pk else f"New initiative for {partner.name} {quarter}"
    return _form_page(request, form, title, back=back, breadcrumb=("Joint plans", reverse("activities:plans")))


@action_required(Action.LOG_ACTIVITIES)
@submit_once
def initiative_create(request: HttpRequest, slug: str, quarter: str) -> HttpResponse:
    partner = _plan_args(slug, quarter)
    return _initiative_form_view(request, JointPlanInitiative(owner=request.user), partner, quarter)


@action_required(Action.LOG_ACTIVITIES)
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_object_or_404(JointPlanInitiative.objects.select_related("plan__partner"), pk=pk)
    return _initiative_form_view(request, initiative, initiative.plan.partner, initiative.plan.quarter)


# --- Tasks (issue 17) --------------------------------------------------------------------------


def _task_list(request: HttpRequest, *, mine: bool) -> HttpResponse:
    filterset, tasks, sort = selectors.task_list(
        params=request.GET, sort=request.GET.get("sort"), assignee=request.user if mine else None
    )
    if mine:
        filterset.form.fields.pop("assignee", None)
    if request.GET.get("format") == "csv":
        return exports.TASK_COLUMNS.response("my-tasks.csv" if mine else "team-tasks.csv", tasks.iterator(chunk_size=1000))
    return render(
        request,
        "activities/task_list.html",
        {
            "filter": filterset,
            "page_obj": _page(request, tasks),
            "sort": sort,
            "mine": mine,
            "title": "My tasks" if mine else "Team tasks",
            "today": timezone.localdate(),
            "querystring": querystring_without_page(request),
        },
    )


def my_tasks(request: HttpRequest) -> HttpResponse:
    return _task_list(request, mine=True)


def team_tasks(request: HttpRequest) -> HttpResponse:
    return _task_list(request, mine=False)


@action_required(Action.MANAGE_TASKS)
@submit_once
def task_create(request: HttpRequest) -> HttpResponse:
    """By hand, or from a partner page (?partner=<slug> presets the partner)."""
    partner = None
    if request.GET.get("partner"):
        partner = Partner.objects.filter(slug=request.GET["partner"], archived=False).first()
    task = Task(due_on=timezone.localdate() + timedelta(days=7))
    if partner is not None:
        task.partner = partner
    form = TaskForm(request.POST or None, instance=task, initial={"assignee": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.task_save(task=form.instance, by=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Task “{saved.title}” saved for {saved.assignee}.")
            return redirect(safe_next(request, reverse("activities:tasks")))
    back = partner.get_absolute_url() if partner else reverse("activities:tasks")
    title = f"New task for {partner.name}" if partner else "New task"
    return _form_page(request, form, title, back=back, breadcrumb=("Team tasks", reverse("activities:tasks")))


def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The task, its edit form (for who may change it; POST saves) and its actions."""
    try:
        task = selectors.task_detail(pk=pk)
    except Task.DoesNotExist:
        raise Http404("No such task.") from None
    may_change = services.task_may_change(task=task, user=request.user)
    may_reassign = services.task_may_reassign(task=task, user=request.user)
    form = TaskForm(request.POST or None, instance=task) if may_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only the task's assignee, its creator or a partner manager can change it.")
        if not may_reassign:
            form.fields["assignee"].disabled = True
        if form.is_valid():
            try:
                services.task_save(task=form.instance, by=request.user)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Task saved.")
                return redirect(task.get_absolute_url())
    elif form is not None and not may_reassign:
        form.fields["assignee"].disabled = True
    return render(
        request,
        "activities/task_detail.html",
        {
            "task": task,
            "form": form,
            "reassign_form": TaskReassignForm(initial={"assignee": task.assignee_id})
            if may_reassign and not task.done_at
            else None,
            "may_change": may_change,
            "today": timezone.localdate(),
            "source": task.source_link,
        },
    )


def _task_action_done(request: HttpRequest, task: Task) -> HttpResponse:
    return redirect(safe_next(request, task.get_absolute_url()))


@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark done (POST); the service checks who may (PermissionDenied -> 403) and refuses a second completion."""
    task = get_object_or_404(Task, pk=pk)
    try:
        services.task_complete(task_id=task.pk, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{task.title}” done.")
    return _task_action_done(request, task)


@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    try:
        services.task_reopen(task_id=task.pk, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{task.title}” reopened.")
    return _task_action_done(request, task)


@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    if not services.task_may_reassign(task=task, user=request.user):
        raise PermissionDenied("Only the task's assignee, its creator or a partner manager can reassign it.")
    form = TaskReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _task_action_done(request, task)
    try:
        saved = services.task_reassign(task_id=task.pk, assignee=form.cleaned_data["assignee"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{saved.title}” is now {saved.assignee}'s.")
    return _task_action_done(request, task)


PEOPLE_LIMIT = 10


def people(request: HttpRequest) -> HttpResponse:
    """@mention suggestions: up to ten active colleagues whose username or name starts with ?q=."""
    query = (request.GET.get("q") or "").strip()[:50]
    users = User.objects.filter(is_active=True)
    if query:
        users = users.filter(Q(username__istartswith=query) | Q(first_name__istartswith=query) | Q(last_name__istartswith=query))
    rows = users.order_by(*PERSON_ORDER).values_list("username", "first_name", "last_name")[:PEOPLE_LIMIT]
    return JsonResponse(
        {"people": [{"username": name, "name": f"{first} {last}".strip() or name} for name, first, last in rows]},
        headers={"Cache-Control": "private, no-store"},
    )
