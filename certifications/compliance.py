"""Compliance of partner program levels, computed in bulk.

For a set of partners, a fixed number of queries loads their levels, requirements (with the
certifications each accepts) and every still-valid holding of those certifications; the rest is
Python. A requirement is
- "met" when enough distinct VSHNeers hold a valid certification on every day from today through
  the chosen date (90 days ahead by default),
- "at_risk" when it is met today but not on some day up to the chosen date; `at_risk_date` is the
  expiry (last valid day) of the holding whose expiry breaks it first,
- "not_met" when it is not met today.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch, Q

from .models import Certification, Holding, LevelRequirement, PartnerProgramStatus, ProgramLevel

MET, AT_RISK, NOT_MET = "met", "at_risk", "not_met"
STATUS_LABELS = {MET: "Met", AT_RISK: "At risk", NOT_MET: "Not met"}
# Worst first: a level is as good as its worst requirement.
_SEVERITY = {NOT_MET: 2, AT_RISK: 1, MET: 0}
DEFAULT_HORIZON_DAYS = 90


@dataclass
class RequirementCompliance:
    requirement: LevelRequirement
    certifications: list[Certification]
    status: str
    holders_today: int
    holders_on_date: int
    at_risk_date: date | None
    holdings: list[Holding]  # valid today, for "who holds what"

    @property
    def description(self) -> str:
        return self.requirement.describe(self.certifications)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class LevelCompliance:
    level: ProgramLevel
    requirements: list[RequirementCompliance] = field(default_factory=list)

    @property
    def status(self) -> str:
        return max((r.status for r in self.requirements), key=_SEVERITY.__getitem__, default=MET)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def at_risk_date(self) -> date | None:
        return min((r.at_risk_date for r in self.requirements if r.at_risk_date), default=None)


@dataclass
class PartnerCompliance:
    partner_id: int
    levels: list[LevelCompliance] = field(default_factory=list)

    def level(self, level_id: int | None) -> LevelCompliance | None:
        return next((lc for lc in self.levels if lc.level.pk == level_id), None)


def _holder_intervals(holdings: Iterable[Holding]) -> dict[int, list[tuple[date, date | None]]]:
    """Per holder, their validity intervals merged (a renewal continuing an old holding is one stretch)."""
    by_holder: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for h in holdings:
        by_holder[h.holder_id].append((h.obtained_on, h.expires_on))
    merged: dict[int, list[tuple[date, date | None]]] = {}
    for holder_id, intervals in by_holder.items():
        intervals.sort(key=lambda i: i[0])
        out: list[list] = []
        for start, end in intervals:
            if out and (out[-1][1] is None or start <= out[-1][1] + timedelta(days=1)):
                if out[-1][1] is not None and (end is None or end > out[-1][1]):
                    out[-1][1] = end
            else:
                out.append([start, end])
        merged[holder_id] = [(s, e) for s, e in out]
    return merged


def holder_counts(holdings: Iterable[Holding], *, needed: int, today: date, on: date) -> tuple[int, int, date | None]:
    """(distinct valid holders today, on `on`, last valid day before the count first drops below `needed`).

    A sweep over start/end events: O(n log n) however many holdings a requirement has.
    """
    events: dict[date, int] = defaultdict(int)
    for intervals in _holder_intervals(holdings).values():
        for start, end in intervals:
            events[start] += 1
            if end is not None:
                events[end + timedelta(days=1)] -= 1
    count_today = sum(delta for day, delta in events.items() if day <= today)
    count, first_break = count_today, None
    for day in sorted(d for d in events if today < d <= on):
        count += events[day]
        if count < needed and first_break is None and count_today >= needed:
            first_break = day - timedelta(days=1)
    return count_today, count, first_break


def requirement_status(*, needed: int, count_today: int, first_break: date | None) -> str:
    if count_today < needed:
        return NOT_MET
    return AT_RISK if first_break is not None else MET


def partner_compliance(partner_ids: Sequence[int], *, today: date, on: date | None = None) -> dict[int, PartnerCompliance]:
    """Compliance of every level of the given partners, in four queries whatever the data size."""
    on = max(on or today + timedelta(days=DEFAULT_HORIZON_DAYS), today)
    levels = list(
        ProgramLevel.objects.filter(partner_id__in=list(partner_ids))
        .order_by("partner_id", "rank", "name")
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=LevelRequirement.objects.order_by("id").prefetch_related(
                    Prefetch("certifications", queryset=Certification.objects.select_related("partner").order_by("code"))
                ),
            )
        )
    )
    certs_by_id = {c.pk: c for level in levels for req in level.requirements.all() for c in req.certifications.all()}
    cert_ids = set(certs_by_id)
    holdings_by_cert: dict[int, list[Holding]] = defaultdict(list)
    if cert_ids:
        # Expired holdings and ones that start after the chosen date change nothing in the window.
        valid = (
            Holding.objects.filter(certification_id__in=cert_ids, holder__is_active=True, obtained_on__lte=on)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
            .select_related("holder")
            .order_by("holder__last_name", "holder__first_name", "holder__username", "obtained_on")
        )
        for holding in valid:
            holding.certification = certs_by_id[holding.certification_id]  # already loaded: no query per row
            holdings_by_cert[holding.certification_id].append(holding)

    result: dict[int, PartnerCompliance] = {pid: PartnerCompliance(partner_id=pid) for pid in partner_ids}
    for level in levels:
        level_compliance = LevelCompliance(level=level)
        for req in level.requirements.all():
            certs = list(req.certifications.all())
            holdings = [h for c in certs for h in holdings_by_cert.get(c.pk, [])]
            count_today, count_on, first_break = holder_counts(holdings, needed=req.min_holders, today=today, on=on)
            level_compliance.requirements.append(
                RequirementCompliance(
                    requirement=req,
                    certifications=certs,
                    status=requirement_status(needed=req.min_holders, count_today=count_today, first_break=first_break),
                    holders_today=count_today,
                    holders_on_date=count_on,
                    at_risk_date=first_break,
                    holdings=sorted((h for h in holdings if h.valid_on(today)), key=lambda h: (h.expires_on or date.max)),
                )
            )
        result.setdefault(level.partner_id, PartnerCompliance(partner_id=level.partner_id)).levels.append(level_compliance)
    return result


class Coverage:
    """How many distinct people hold a valid certification on any day, answered by bisection."""

    def __init__(self, holdings: Iterable[Holding]):
        events: dict[date, int] = defaultdict(int)
        for intervals in _holder_intervals(holdings).values():
            for start, end in intervals:
                events[start] += 1
                if end is not None:
                    events[end + timedelta(days=1)] -= 1
        self.days = sorted(events)
        self.counts: list[int] = []
        running = 0
        for day in self.days:
            running += events[day]
            self.counts.append(running)

    def on(self, day: date) -> int:
        index = bisect_right(self.days, day)
        return self.counts[index - 1] if index else 0


@dataclass(frozen=True)
class LevelLoss:
    level: ProgramLevel
    requirement_text: str
    held: bool


def levels_lost_at_expiry(holdings: Sequence[Holding], *, today: date) -> dict[int, list[LevelLoss]]:
    """Per holding id: the levels whose requirement would no longer be met the day after it expires.

    Four queries for any number of holdings (requirements, their certifications, held levels, holdings).
    """
    cert_ids = {h.certification_id for h in holdings}
    if not cert_ids:
        return {}
    requirements = list(
        LevelRequirement.objects.filter(certifications__in=cert_ids)
        .distinct()
        .select_related("level", "level__partner")
        .prefetch_related(Prefetch("certifications", queryset=Certification.objects.order_by("code")))
    )
    if not requirements:
        return {}
    all_cert_ids = {c.pk for req in requirements for c in req.certifications.all()}
    held_level_ids = set(
        PartnerProgramStatus.objects.filter(held_level_id__in={r.level_id for r in requirements}).values_list("held_level_id", flat=True)
    )
    by_cert: dict[int, list[Holding]] = defaultdict(list)
    for h in Holding.objects.filter(certification_id__in=all_cert_ids, holder__is_active=True).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    ).only("holder_id", "certification_id", "obtained_on", "expires_on"):
        by_cert[h.certification_id].append(h)
    coverage: dict[int, Coverage] = {}
    reqs_by_cert: dict[int, list[LevelRequirement]] = defaultdict(list)
    for req in requirements:
        certs = list(req.certifications.all())
        coverage[req.pk] = Coverage(h for c in certs for h in by_cert.get(c.pk, []))
        for c in certs:
            reqs_by_cert[c.pk].append(req)
    result: dict[int, list[LevelLoss]] = {}
    for holding in holdings:
        if holding.expires_on is None:
            continue
        day_after = holding.expires_on + timedelta(days=1)
        losses = [
            LevelLoss(level=req.level, requirement_text=req.describe(list(req.certifications.all())), held=req.level_id in held_level_ids)
            for req in reqs_by_cert.get(holding.certification_id, [])
            if coverage[req.pk].on(day_after) < req.min_holders
        ]
        if losses:
            result[holding.pk] = sorted(losses, key=lambda loss: (not loss.held, loss.level.partner.name, loss.level.rank))
    return result
