"""Reads for activities: each page's query count is decided here."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Max, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from partnerhub.input_bounds import add_days
from partnerhub.money import totals_by_currency
from partnerhub.sorting import apply_sort
from partners.models import Partner

from .filters import ActivityFilter, CampaignFilter, DealRegistrationFilter, OpportunityFilter, SyncMeetingFilter, TaskFilter
from .models import Activity, Campaign, DealRegistration, JointPlan, JointPlanInitiative, Opportunity, Task, quarter_of

TIMELINE_PAGE_SIZE = 25
EXPIRING_SOON_DAYS = 14


# --- Keyset pagination -----------------------------------------------------------------------
# The timeline and feed walk (occurred_on, id) newest first with "?before=<date>_<id>", so page
# 200 costs the same index range scan as page 1 (no OFFSET over a large table, no COUNT).


def parse_cursor(value: str | None) -> tuple[date, int] | None:
    if not value or "_" not in value:
        return None
    day, _, pk = value.partition("_")
    try:
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def keyset_page(
    queryset: QuerySet[Activity], before: str | None, size: int = TIMELINE_PAGE_SIZE
) -> tuple[list[Activity], str | None]:
    """One page of activities older than the cursor, and the cursor for the next page (None at the end)."""
    cursor = parse_cursor(before)
    if cursor:
        day, pk = cursor
        # The redundant occurred_on <= day is the index condition (activity_feed_idx and the partner
        # timeline index): without it PostgreSQL filters the OR from the newest row on, so a deep
        # page read every newer row (640 ms at 500,000 activities instead of under 1 ms).
        queryset = queryset.filter(Q(occurred_on__lte=day), Q(occurred_on__lt=day) | Q(occurred_on=day, id__lt=pk))
    rows = list(queryset.order_by("-occurred_on", "-id")[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, f"{rows[-1].occurred_on.isoformat()}_{rows[-1].pk}"


# --- Activities ------------------------------------------------------------------------------


def activity_feed(*, params: dict | None = None) -> tuple[ActivityFilter, QuerySet[Activity]]:
    base = Activity.objects.select_related("partner", "author")
    filterset = ActivityFilter(params or None, queryset=base)
    return filterset, filterset.qs.order_by("-occurred_on", "-id")


def partner_timeline(*, partner: Partner) -> QuerySet[Activity]:
    return Activity.objects.filter(partner=partner).select_related("author").prefetch_related("participants", "contacts")


def recent_activities(*, partner: Partner, limit: int = 10) -> list[Activity]:
    return list(Activity.objects.filter(partner=partner).select_related("author").order_by("-occurred_on", "-id")[:limit])


def my_follow_ups(*, user: User) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(author=user, follow_up_done=False, follow_up_on__isnull=False)
        .select_related("partner")
        .order_by("follow_up_on", "id")
    )


# --- Sync meetings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncStatus:
    cadence_days: int | None
    last_sync: date | None
    next_due: date | None
    overdue_days: int

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


# A QBR / get-together is a sync meeting too (and more): it resets the sync cadence (activities/qbr.py).
SYNC_KINDS = (Activity.Kind.SYNC_MEETING, Activity.Kind.QBR)


def last_sync_dates(partners: Iterable[int] | QuerySet[Partner]) -> dict[int, date]:
    """The newest sync meeting of each partner in ONE aggregate query (the kind/partner/date index).
    Pass a queryset for "all partners" sweeps: it becomes a subquery, not an IN list of 10,000 ids."""
    if isinstance(partners, QuerySet):
        activities = Activity.objects.filter(partner__in=partners)  # a subquery on the partners' ids
    else:
        activities = Activity.objects.filter(partner_id__in=list(partners))
    rows = (
        activities.filter(kind__in=SYNC_KINDS).values("partner").annotate(last=Max("occurred_on")).values_list("partner", "last")
    )
    return dict(rows)


def _status(partner: Partner, last: date | None, today: date) -> SyncStatus:
    cadence = partner.cadence_days
    if cadence is None:
        return SyncStatus(None, last, None, 0)
    # A partner that never had a sync meeting is due since it was created.
    start = last or timezone.localdate(partner.created_at)  # the local day, not UTC's
    next_due = add_days(start, cadence)  # a stored date at the calendar's end must not overflow (issue 14)
    return SyncStatus(cadence, last, next_due, max((today - next_due).days, 0))


def sync_status_for_partner_objects(
    partners: Sequence[Partner], today: date, *, source: QuerySet[Partner] | None = None
) -> dict[int, SyncStatus]:
    """Sync status for already loaded partners: one query. `source`, the queryset the partners
    came from, scopes the aggregate by subquery when the list is long."""
    last = last_sync_dates(source if source is not None else [p.pk for p in partners])
    return {p.pk: _status(p, last.get(p.pk), today) for p in partners}


def sync_status_for_partners(partner_ids: Iterable[int], today: date) -> dict[int, SyncStatus]:
    """Last sync, next due date and overdue days per partner, in bulk: two queries however many partners."""
    partners = list(Partner.objects.filter(pk__in=list(partner_ids)).only("pk", "sync_cadence", "created_at"))
    return sync_status_for_partner_objects(partners, today)


def sync_meeting_partners() -> QuerySet[Partner]:
    """Partners that have sync meetings at all: not archived, with a cadence."""
    return Partner.objects.filter(archived=False).exclude(sync_cadence=Partner.SyncCadence.NONE)


def sync_meeting_list(*, params: dict | None, today: date) -> tuple[SyncMeetingFilter, list[tuple[Partner, SyncStatus]]]:
    """Every partner with a cadence and its sync status, most overdue first."""
    filterset = SyncMeetingFilter(params or None, queryset=sync_meeting_partners().select_related("manager"))
    partners = list(filterset.qs)
    statuses = sync_status_for_partner_objects(partners, today, source=filterset.qs)
    rows = sorted(((p, statuses[p.pk]) for p in partners), key=lambda row: (row[1].next_due, row[0].name))
    return filterset, rows


# --- Deals -----------------------------------------------------------------------------------

OPPORTUNITY_SORTS = {
    "close": ("expected_close", "id"),
    "-close": ("-expected_close", "-id"),
    "value": ("value", "id"),
    "-value": ("-value", "-id"),
    "partner": ("partner__name", "id"),
    "stage": ("stage", "expected_close", "id"),
}

REGISTRATION_SORTS = {
    "-created": ("-created_at", "-id"),
    "expires": ("expires_on", "id"),
    "customer": ("customer", "id"),
    "partner": ("partner__name", "id"),
    "status": ("status", "-created_at", "-id"),
    "-value": ("-value", "-id"),
}

CAMPAIGN_SORTS = {
    "-starts": ("-starts_on", "-id"),
    "starts": ("starts_on", "id"),
    "title": ("title", "id"),
    "status": ("status", "-starts_on", "-id"),
}


def opportunity_list(*, params: dict | None = None, sort: str | None = None):
    base = Opportunity.objects.select_related("partner", "owner")
    filterset = OpportunityFilter(params or None, queryset=base)
    queryset, sort_key = apply_sort(filterset.qs, sort, OPPORTUNITY_SORTS, "close")
    return filterset, queryset, sort_key


def totals(queryset: QuerySet, field: str = "value") -> dict:
    """Totals per currency of the filtered rows, in one GROUP BY query (never across currencies)."""
    rows = queryset.order_by().values("currency").annotate(total=Sum(field)).values_list("currency", "total")
    return totals_by_currency(rows)


def pipeline_totals(queryset: QuerySet) -> dict[str, dict]:
    """Opportunity values per currency, apart for the open pipeline, won and lost deals (a won deal is
    no longer pipeline). One GROUP BY query over the filtered rows."""
    rows = queryset.order_by().values("stage", "currency").annotate(total=Sum("value")).values_list("stage", "currency", "total")
    grouped: dict[str, list] = {"open": [], "won": [], "lost": []}
    for stage, currency, total in rows:
        grouped["open" if stage in Opportunity.OPEN_STAGES else stage].append((currency, total))
    return {group: totals_by_currency(pairs) for group, pairs in grouped.items()}


def deal_registration_list(*, params: dict | None = None, sort: str | None = None):
    base = DealRegistration.objects.select_related("partner", "owner")
    filterset = DealRegistrationFilter(params or None, queryset=base)
    queryset, sort_key = apply_sort(filterset.qs, sort, REGISTRATION_SORTS, "-created")
    return filterset, queryset, sort_key


def registrations_expiring(*, today: date, days: int = EXPIRING_SOON_DAYS) -> QuerySet[DealRegistration]:
    """Approved registrations whose expiry date is today or within `days` days."""
    return (
        DealRegistration.objects.filter(
            status=DealRegistration.Status.APPROVED, expires_on__gte=today, expires_on__lte=today + timedelta(days=days)
        )
        .select_related("partner", "owner", "partner__manager")
        .order_by("expires_on", "id")
    )


# --- Campaigns -------------------------------------------------------------------------------


def campaign_list(*, params: dict | None = None, sort: str | None = None):
    base = Campaign.objects.select_related("owner", "brand_checked_by").prefetch_related(
        Prefetch("partners", queryset=Partner.objects.only("pk", "name", "slug"))
    )
    filterset = CampaignFilter(params or None, queryset=base)
    queryset, sort_key = apply_sort(filterset.qs, sort, CAMPAIGN_SORTS, "-starts")
    return filterset, queryset, sort_key


def campaigns_in_month(*, first: date, last: date) -> list[Campaign]:
    """Campaigns running on any day of the month (an open end means a one-day campaign)."""
    return list(
        Campaign.objects.filter(starts_on__lte=last)
        .filter(Q(ends_on__gte=first) | Q(ends_on__isnull=True, starts_on__gte=first))
        .exclude(status=Campaign.Status.CANCELLED)
        .order_by("starts_on", "id")[:500]
    )


# --- Partner sections ------------------------------------------------------------------------


def partner_deals(*, partner: Partner, limit: int = 10) -> dict:
    opportunities = list(
        Opportunity.objects.filter(partner=partner, stage__in=Opportunity.OPEN_STAGES)
        .select_related("owner")
        .order_by("expected_close", "id")[:limit]
    )
    registrations = list(
        DealRegistration.objects.filter(partner=partner).select_related("owner").order_by("-created_at", "-id")[:limit]
    )
    return {"opportunities": opportunities, "registrations": registrations}


def partner_campaigns(*, partner: Partner, limit: int = 10) -> list[Campaign]:
    return list(Campaign.objects.filter(partners=partner).order_by("-starts_on", "-id")[:limit])


def plan_initiatives(*, partner: Partner, quarter: str) -> list[JointPlanInitiative]:
    return list(
        JointPlanInitiative.objects.filter(plan__partner=partner, plan__quarter=quarter).select_related(
            "owner", "campaign", "opportunity", "deal_registration"
        )
    )


def joint_plan(*, partner: Partner, quarter: str) -> JointPlan | None:
    return (
        JointPlan.objects.filter(partner=partner, quarter=quarter)
        .prefetch_related(
            Prefetch(
                "initiatives",
                queryset=JointPlanInitiative.objects.select_related("owner", "campaign", "opportunity", "deal_registration"),
            )
        )
        .first()
    )


def joint_plan_list(*, quarter: str | None = None) -> QuerySet[JointPlan]:
    queryset = JointPlan.objects.select_related("partner")
    if quarter:
        queryset = queryset.filter(quarter=quarter)
    return queryset.order_by("-quarter", "partner__name")


def current_quarter(today: date) -> str:
    return quarter_of(today)


# --- Tasks (issue 17) --------------------------------------------------------------------------

TASK_SORTS: dict[str, tuple[str, ...]] = {
    "due": ("due_on", "id"),
    "-due": ("-due_on", "-id"),
    "title": ("title", "id"),
    "partner": ("partner__name", "id"),
    "assignee": ("assignee__first_name", "assignee__last_name", "id"),
    "created": ("-created_at", "-id"),
}


def task_list(*, params: dict | None = None, sort: str | None = None, assignee: User | None = None):
    """Team tasks (everyone's) or My tasks (`assignee`): filters, whitelisted sorting; open by default."""
    base = Task.objects.select_related("partner", "assignee", "done_by", "activity")
    if assignee is not None:
        base = base.filter(assignee=assignee)
    filterset = TaskFilter(params if params is not None else {}, queryset=base)
    queryset, sort_key = apply_sort(filterset.qs, sort, TASK_SORTS, "due")
    return filterset, queryset, sort_key


def open_tasks() -> QuerySet[Task]:
    """Open tasks with what their reminders, inbox items and calendar entries show."""
    return Task.objects.open().select_related("partner", "assignee").order_by("due_on", "id")


def task_detail(*, pk: int) -> Task:
    return Task.objects.select_related("partner", "assignee", "done_by", "created_by", "activity", "source_type").get(pk=pk)
