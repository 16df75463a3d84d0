"""Quarterly business reviews (QBR / get-together) for strategic partners (issue 20, item 6).

Decisions (README, "QBRs"):
- A QBR is an activity of kind "QBR / get-together". It counts as a sync meeting: logging one resets
  the sync cadence (selectors.SYNC_KINDS).
- A partner is *strategic* when its partner team has an executive sponsor (Partner team → "Executive
  sponsor"): VSHN puts an executive on exactly the partnerships it reviews with the partner's
  executives. (No separate flag: the reviews issue's review record is meant to become the QBR and
  can add one; until then the sponsor is the flag.)
- Strategic partners have a QBR cadence of PARTNERHUB_QBR_CADENCE_DAYS (91 days, quarterly, by
  default): the next QBR is due that long after the last one (or after the partner was created).
  The partner manager gets the `qbr_due` reminder QBR_LEAD_DAYS before, and the dashboard inbox and
  the calendar feed show it.
All bulk: a fixed number of queries however many partners.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Max, QuerySet
from django.utils import timezone

from partnerhub import formatting
from partnerhub.attention import AttentionItem, CalendarEvent, ItemAction, attention_provider, calendar_provider
from partnerhub.input_bounds import add_days
from partnerhub.reminders import DueReminder, each, reminder
from partnerhub.roles import Action, user_can
from partners.models import Partner, PartnerTeamMember

from .models import Activity

QBR_LEAD_DAYS = 14
ATTENTION_DAYS = 30


def cadence_days() -> int:
    return settings.QBR_CADENCE_DAYS


def strategic_partners() -> QuerySet[Partner]:
    """Not archived, with an executive sponsor on the partner team."""
    return Partner.objects.filter(archived=False, team__role=PartnerTeamMember.Role.EXECUTIVE_SPONSOR).distinct()


@dataclass(frozen=True)
class QbrStatus:
    last_qbr: date | None
    next_due: date

    def overdue(self, today: date) -> bool:
        return self.next_due < today


def qbr_status(partners: list[Partner], source: QuerySet[Partner]) -> dict[int, QbrStatus]:
    """One aggregate query for the last QBR of every partner in `source`."""
    last = dict(
        Activity.objects.filter(partner_id__in=source.values("pk"), kind=Activity.Kind.QBR)
        .values("partner")
        .annotate(last=Max("occurred_on"))
        .values_list("partner", "last")
    )
    statuses = {}
    for partner in partners:
        previous = last.get(partner.pk)
        start = previous or timezone.localdate(partner.created_at)
        statuses[partner.pk] = QbrStatus(previous, add_days(start, cadence_days()))
    return statuses


def _load(source: QuerySet[Partner]) -> tuple[list[Partner], dict[int, QbrStatus]]:
    partners = list(source.only("pk", "name", "slug", "created_at", "manager_id").order_by("pk"))
    return partners, qbr_status(partners, Partner.objects.filter(pk__in=[p.pk for p in partners]))


@reminder("qbr_due", label="Quarterly business reviews due")
def qbr_due(today: date) -> Iterator[DueReminder]:
    """To the partner manager, QBR_LEAD_DAYS before the next QBR of a strategic partner is due."""
    source = strategic_partners().filter(manager__isnull=False)
    partners, statuses = _load(source)
    managers = {u.pk: u for u in User.objects.filter(pk__in={p.manager_id for p in partners})}
    due = [p for p in partners if statuses[p.pk].next_due - timedelta(days=QBR_LEAD_DAYS) <= today]
    yield from each(due, lambda partner: _reminder(partner, statuses[partner.pk], managers.get(partner.manager_id), today))


def _reminder(partner: Partner, status: QbrStatus, manager: User | None, today: date) -> DueReminder | None:
    if manager is None:
        return None
    when = "was due" if status.overdue(today) else "is due"
    last = f"the last one was on {formatting.day(status.last_qbr)}" if status.last_qbr else "there has been none yet"
    return DueReminder(
        obj=partner,
        due_key=status.next_due.isoformat(),
        recipients=[manager],
        title=f"Quarterly business review with {partner.name} {when} on {formatting.day(status.next_due)}",
        body=(
            f"{partner.name} is a strategic partner (it has an executive sponsor): a QBR every {cadence_days()} days; "
            f"{last}. Plan it with the partner's executives and log it as a QBR / get-together (it counts as a sync meeting)."
        ),
        url=partner.get_absolute_url() + "#timeline",
        partner=partner.name,
    )


@attention_provider("qbrs_due")
def qbrs_due(user: User, today: date) -> list[AttentionItem]:
    """Two queries: the user's strategic partners and their last QBRs."""
    source = strategic_partners() if user.is_superuser else strategic_partners().filter(manager=user)
    partners, statuses = _load(source)
    horizon = today + timedelta(days=ATTENTION_DAYS)
    due = sorted((p for p in partners if statuses[p.pk].next_due <= horizon), key=lambda p: (statuses[p.pk].next_due, p.pk))
    may_log = user_can(user, Action.LOG_ACTIVITIES)
    return [
        AttentionItem(
            category="QBRs",
            title=f"{p.name}: quarterly business review",
            due=statuses[p.pk].next_due,
            url=p.get_absolute_url() + "#timeline",
            overdue=statuses[p.pk].overdue(today),
            why="Strategic partners (with an executive sponsor) review the partnership every quarter.",
            actions=(ItemAction("Log the QBR", p.get_absolute_url() + "#timeline"),) if may_log else (),
        )
        for p in due[:50]
    ]


@calendar_provider("qbrs_due")
def qbr_calendar(user: User, today: date) -> list[CalendarEvent]:
    source = strategic_partners() if user.is_superuser else strategic_partners().filter(manager=user)
    partners, statuses = _load(source)
    return [
        CalendarEvent(
            uid=f"qbr-{p.pk}-{statuses[p.pk].next_due:%Y%m%d}@partnerhub",
            title=f"QBR due: {p.name}",
            day=statuses[p.pk].next_due,
            url=p.get_absolute_url() + "#timeline",
        )
        for p in partners
    ]
