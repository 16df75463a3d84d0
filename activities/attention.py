"""What the activities app contributes to the dashboard, partner health and calendar feeds.
Every function is bulk: a fixed number of queries however many partners or rows."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Max, Q
from django.urls import reverse

from partnerhub import formatting
from partnerhub.attention import (
    AttentionItem,
    CalendarEvent,
    HealthFinding,
    ItemAction,
    attention_provider,
    calendar_provider,
    health_check,
)
from partnerhub.roles import Action, user_can
from partners.health import health_fact
from partners.models import OnboardingProof, Partner
from partners.onboarding import Proved, onboarding_proof

from . import selectors
from .models import Activity, DealRegistration

ATTENTION_DAYS = 7
NO_ACTIVITY_DAYS = 90
EXPIRING_DAYS = 14


def _managed_partners(user: User):
    partners = selectors.sync_meeting_partners()
    return partners if user.is_superuser else partners.filter(manager=user)


@attention_provider("sync_meetings_due")
def sync_meetings_due(user: User, today: date) -> list[AttentionItem]:
    """Two queries: the user's partners and their last sync meetings."""
    source = _managed_partners(user)
    partners = list(source.only("pk", "name", "slug", "sync_cadence", "created_at"))
    statuses = selectors.sync_status_for_partner_objects(partners, today, source=source)
    horizon = today + timedelta(days=ATTENTION_DAYS)
    due = [p for p in partners if statuses[p.pk].next_due and statuses[p.pk].next_due <= horizon]
    # Pick the 50 most urgent before building items: a manager with hundreds of partners due
    # would otherwise pay a URL reversal and a label for every one of them.
    due.sort(key=lambda p: (statuses[p.pk].next_due, p.pk))
    may_log = user_can(user, Action.LOG_ACTIVITIES)
    return [
        AttentionItem(
            category="Sync meetings",
            title=f"{p.name}: sync meeting ({p.get_sync_cadence_display().lower()})",
            due=statuses[p.pk].next_due,
            url=p.get_absolute_url() + "#timeline",
            overdue=statuses[p.pk].overdue,
            why="Regular syncs keep the partnership from drifting (partner health).",
            actions=(ItemAction("Log the sync meeting", p.get_absolute_url() + "#timeline"),) if may_log else (),
        )
        for p in due[:50]
    ]


# A follow-up of an activity is a task (issue 17): it is in the inbox as one of "My tasks" (below),
# no longer as a follow-up of its own, so nothing shows (or reminds) twice.
TASK_LEAD_DAYS = ATTENTION_DAYS


@attention_provider("my_tasks")
def my_tasks(user: User, today: date) -> list[AttentionItem]:
    """One query: my open tasks, overdue and due within a week, each with "Mark done" and, where my
    role may, "Reassign" (to the task's page, where the reassign form is)."""
    tasks = selectors.open_tasks().filter(assignee=user, due_on__lte=today + timedelta(days=TASK_LEAD_DAYS))[:50]
    may_manage = user_can(user, Action.MANAGE_TASKS)
    items = []
    for task in tasks:
        url = task.get_absolute_url()
        actions = [ItemAction("Mark done", reverse("activities:task-done", args=[task.pk]), post=True, fields=(("next", "/"),))]
        if may_manage:
            actions.append(ItemAction("Reassign", url + "#reassign"))
        items.append(
            AttentionItem(
                category="My tasks",
                title=f"{task.partner.name}: {task.title}",
                due=task.due_on,
                url=url,
                overdue=task.due_on < today,
                why="It is yours: someone counts on it." if task.activity_id is None else "You promised it.",
                actions=tuple(actions),
            )
        )
    return items


@attention_provider("deal_registrations_expiring")
def deal_registrations_expiring(user: User, today: date) -> list[AttentionItem]:
    """One query: registrations I own or of partners I manage, expiring within 14 days."""
    registrations = selectors.registrations_expiring(today=today, days=EXPIRING_DAYS)
    if not user.is_superuser:
        registrations = registrations.filter(Q(owner=user) | Q(partner__manager=user))
    return [
        AttentionItem(
            category="Deal registrations",
            title=f"{r.partner.name}: registration for {r.customer} expires",
            due=r.expires_on,
            url=reverse("activities:registration-edit", kwargs={"pk": r.pk}),
            overdue=r.expires_on < today,
            why="An expired registration loses the deal protection; ask the partner for an extension.",
        )
        for r in registrations[:50]
    ]


@health_check("sync_meeting_overdue")
def sync_meeting_overdue(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """Two queries. Overdue against the cadence: watch; by more than one full cadence: at risk."""
    source = Partner.objects.filter(pk__in=partner_ids, archived=False).exclude(sync_cadence=Partner.SyncCadence.NONE)
    partners = list(source.only("pk", "sync_cadence", "created_at"))
    findings: dict[int, list[HealthFinding]] = defaultdict(list)
    # The last syncs of `source` by subquery, not by an IN list of every partner id again.
    statuses = selectors.sync_status_for_partner_objects(partners, today, source=source)
    for partner in partners:
        status = statuses[partner.pk]
        if not status.overdue:
            continue
        severity = "at_risk" if status.overdue_days > status.cadence_days else "watch"
        days = f"{status.overdue_days} day{'s' if status.overdue_days != 1 else ''}"
        findings[partner.pk].append(
            HealthFinding(severity, f"Sync meeting overdue by {days} ({partner.get_sync_cadence_display().lower()} cadence)")
        )
    return findings


@health_check("no_recent_activity")
def no_recent_activity(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """Two queries: partners older than 90 days, and their newest activity in one aggregate."""
    cutoff = today - timedelta(days=NO_ACTIVITY_DAYS)
    old_enough_ids = Partner.objects.filter(pk__in=partner_ids, archived=False, created_at__date__lt=cutoff).values_list(
        "pk", flat=True
    )
    old_enough = set(old_enough_ids)
    if not old_enough:
        return {}
    latest = dict(
        Activity.objects.filter(partner_id__in=old_enough_ids)  # a subquery, not thousands of ids again
        .values("partner")
        .annotate(last=Max("occurred_on"))
        .values_list("partner", "last")
    )
    findings: dict[int, list[HealthFinding]] = {}
    for partner_id in old_enough:
        last = latest.get(partner_id)
        if last is None:
            findings[partner_id] = [HealthFinding("watch", "No activity logged at all")]
        elif last < cutoff:
            findings[partner_id] = [
                HealthFinding("watch", f"No activity for {(today - last).days} days (last on {formatting.day(last)})")
            ]
    return findings


@health_check("deal_registrations_expiring")
def registrations_expiring_check(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """One query."""
    findings: dict[int, list[HealthFinding]] = defaultdict(list)
    rows = DealRegistration.objects.filter(
        partner_id__in=partner_ids,
        status=DealRegistration.Status.APPROVED,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=EXPIRING_DAYS),
    ).values_list("partner_id", "customer", "expires_on")
    for partner_id, customer, expires_on in rows:
        findings[partner_id].append(
            HealthFinding("watch", f"Deal registration for {customer} expires on {formatting.day(expires_on)}")
        )
    return findings


@calendar_provider("sync_meetings_due")
def sync_meeting_events(user: User, today: date) -> list[CalendarEvent]:
    """Two queries: next sync meeting due dates of the partners the user manages."""
    partners = list(_managed_partners(user).only("pk", "name", "slug", "sync_cadence", "created_at")[:500])
    statuses = selectors.sync_status_for_partner_objects(partners, today)
    return [
        CalendarEvent(
            uid=f"sync-meeting-{p.pk}-{statuses[p.pk].next_due:%Y%m%d}@partnerhub",
            title=f"Sync meeting due: {p.name}",
            day=statuses[p.pk].next_due,
            url=p.get_absolute_url() + "#timeline",
        )
        for p in partners
        if statuses[p.pk].next_due
    ]


@calendar_provider("deal_registration_expiries")
def registration_expiry_events(user: User, today: date) -> list[CalendarEvent]:
    """One query: approved registrations the user owns."""
    registrations = (
        DealRegistration.objects.filter(
            owner=user, status=DealRegistration.Status.APPROVED, expires_on__gte=today - timedelta(days=30)
        )
        .select_related("partner")
        .order_by("expires_on")[:200]
    )
    return [
        CalendarEvent(
            uid=f"deal-registration-expiry-{r.pk}-{r.expires_on:%Y%m%d}@partnerhub",
            title=f"Deal registration expires: {r.customer} ({r.partner.name})",
            day=r.expires_on,
            url=reverse("activities:registration-edit", kwargs={"pk": r.pk}),
        )
        for r in registrations
    ]


@calendar_provider("tasks")
def task_events(user: User, today: date) -> list[CalendarEvent]:
    """One query: my open tasks, from 30 days back on."""
    tasks = selectors.open_tasks().filter(assignee=user, due_on__gte=today - timedelta(days=30))[:500]
    return [
        CalendarEvent(
            uid=f"task-{t.pk}-{t.due_on:%Y%m%d}@partnerhub",
            title=f"Task due: {t.title} ({t.partner.name})",
            day=t.due_on,
            url=t.get_absolute_url(),
        )
        for t in tasks
    ]


# --- Facts health reads: a write to one refreshes its partners' health after the commit -------------


@health_fact(Activity)
def _activity_partner(activity: Activity) -> list[int]:
    return [activity.partner_id]  # a sync meeting, the last activity


@health_fact(DealRegistration)
def _registration_partner(registration: DealRegistration) -> list[int]:
    return [registration.partner_id]


@onboarding_proof(OnboardingProof.REGISTRATION, DealRegistration, partners_of=lambda r: [r.partner_id])
def _first_registration_proof(partner_ids: Sequence[int]) -> dict[int, Proved]:
    """A registration proves the step once it is submitted (a draft is not a registration yet)."""
    found: dict[int, Proved] = {}
    for registration in (
        DealRegistration.objects.filter(partner_id__in=partner_ids)
        .exclude(status=DealRegistration.Status.DRAFT)
        .order_by("created_at", "id")
        .only("pk", "partner_id", "customer")
    ):
        found.setdefault(
            registration.partner_id,
            Proved(
                f"Deal registration: {registration.customer}", reverse("activities:registration-edit", args=[registration.pk])
            ),
        )
    return found
