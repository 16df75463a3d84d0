"""Compliance of partner program levels, computed in bulk or read from the stored result.

A requirement is
- "met" when enough distinct VSHNeers hold a valid certification on every day from today through
  the chosen date (90 days ahead by default),
- "at_risk" when it is met today but not on some day up to the chosen date; `at_risk_date` is the
  expiry (last valid day) of the holding whose expiry breaks it first,
- "not_met" when it is not met today.

`partner_compliance` computes it live: a fixed number of queries loads the levels, requirements (with
the certifications each accepts) and every still-valid holding of those certifications; the rest is
Python, and its cost grows with the holdings. So services.compliance_refresh stores the result for
the default horizon on ProgramLevel and LevelRequirement (the certification_compliance sweep, and
after holding writes), and `compliance_for` / `level_compliance` read that instead: a stored result
is trusted only when it was computed for today; a custom date, or a level not checked today (before
the day's first sweep, or added since), is computed live for just those levels.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter

from django.db.models import Prefetch, Q, prefetch_related_objects

from .models import Certification, ComplianceStatus, Holding, LevelRequirement, PartnerProgramStatus, ProgramLevel

MET, AT_RISK, NOT_MET = ComplianceStatus.MET.value, ComplianceStatus.AT_RISK.value, ComplianceStatus.NOT_MET.value
STATUS_LABELS = {MET: "Met", AT_RISK: "At risk", NOT_MET: "Not met"}
# Worst first: a level is as good as its worst requirement.
_SEVERITY = {NOT_MET: 2, AT_RISK: 1, MET: 0}
DEFAULT_HORIZON_DAYS = 90


def default_horizon(today: date) -> date:
    """The date the stored compliance looks ahead to, and the overview's default "compliant through"."""
    return today + timedelta(days=DEFAULT_HORIZON_DAYS)


@dataclass
class RequirementCompliance:
    requirement: LevelRequirement
    certifications: list[Certification]
    status: str
    holders_today: int
    holders_on_date: int
    at_risk_date: date | None
    # Valid today, for "who holds what": loaded only where it is shown (holders=True).
    holdings: list[Holding] = field(default_factory=list)

    @property
    def description(self) -> str:
        return self.requirement.describe(self.certifications)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class LevelCompliance:
    level: ProgramLevel
    status: str
    at_risk_date: date | None
    # Filled by the live computation, and by the stored one only when asked for (requirements=True).
    requirements: list[RequirementCompliance] = field(default_factory=list)

    @classmethod
    def of_requirements(cls, level: ProgramLevel, requirements: list[RequirementCompliance]) -> "LevelCompliance":
        return cls(
            level=level,
            status=max((r.status for r in requirements), key=_SEVERITY.__getitem__, default=MET),
            at_risk_date=min((r.at_risk_date for r in requirements if r.at_risk_date), default=None),
            requirements=requirements,
        )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class PartnerCompliance:
    partner_id: int
    levels: list[LevelCompliance] = field(default_factory=list)

    def level(self, level_id: int | None) -> LevelCompliance | None:
        return next((lc for lc in self.levels if lc.level.pk == level_id), None)


_ONE_DAY = timedelta(days=1)


def _holder_intervals(holdings: Iterable) -> dict[int, list[list]]:
    """Per holder, their validity intervals [start, end or None] merged (a renewal continuing an old
    holding is one stretch). Takes anything with holder_id, obtained_on and expires_on: holdings or
    value rows. One sort for all holders: a page of vendors has thousands of holdings."""
    rows = sorted(((h.holder_id, h.obtained_on, h.expires_on) for h in holdings), key=itemgetter(0, 1))
    merged: dict[int, list[list]] = defaultdict(list)
    for holder_id, start, end in rows:
        out = merged[holder_id]
        if out and (out[-1][1] is None or start <= out[-1][1] + _ONE_DAY):
            if out[-1][1] is not None and (end is None or end > out[-1][1]):
                out[-1][1] = end
        else:
            out.append([start, end])
    return merged


def holder_counts(holdings: Iterable, *, needed: int, today: date, on: date) -> tuple[int, int, date | None]:
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


def _requirements_prefetch() -> Prefetch:
    """Each level's requirements as `level.requirement_list`, each with its accepted certifications as
    `requirement.accepted`. Lists (to_attr), not related managers: Django builds a manager's prefetched
    queryset per instance (a filter and a clone each), which cost more than the computation itself."""
    return Prefetch(
        "requirements",
        queryset=LevelRequirement.objects.order_by("id").prefetch_related(
            Prefetch(
                "certifications", queryset=Certification.objects.select_related("partner").order_by("code"), to_attr="accepted"
            )
        ),
        to_attr="requirement_list",
    )


# "Who holds what" lists people by name, then each person's holdings oldest first.
_HOLDER_ORDER = ("holder__last_name", "holder__first_name", "holder__username", "obtained_on")


def _holdings_by_certification(certs_by_id: dict[int, Certification], *, today: date, on: date, holders: bool) -> dict[int, list]:
    """Holdings of active people that count between today and `on` (expired ones and ones starting after
    `on` change nothing), per certification: model instances with their holder when "who holds what" is
    shown, else only the columns counting needs (value rows: thousands of them cost little)."""
    if not certs_by_id:
        return {}
    valid = Holding.objects.filter(certification_id__in=list(certs_by_id), holder__is_active=True, obtained_on__lte=on).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    if holders:
        rows: Iterable = valid.select_related("holder").order_by(*_HOLDER_ORDER)
    else:
        rows = valid.order_by().values_list("holder_id", "certification_id", "obtained_on", "expires_on", named=True)
    by_cert: dict[int, list] = defaultdict(list)
    for row in rows:
        if holders:
            row.certification = certs_by_id[row.certification_id]  # already loaded: no query per row
        by_cert[row.certification_id].append(row)
    return by_cert


def _valid_today(holdings: Iterable[Holding], today: date) -> list[Holding]:
    return sorted((h for h in holdings if h.valid_on(today)), key=lambda h: h.expires_on or date.max)


def _compute_live(levels: Sequence[ProgramLevel], *, today: date, on: date, holders: bool) -> dict[int, LevelCompliance]:
    """Per level id; the levels' requirements must be prefetched (_requirements_prefetch). One query."""
    certs_by_id = {c.pk: c for level in levels for req in level.requirement_list for c in req.accepted}
    by_cert = _holdings_by_certification(certs_by_id, today=today, on=on, holders=holders)
    result: dict[int, LevelCompliance] = {}
    for level in levels:
        requirements = []
        for req in level.requirement_list:
            certs = req.accepted
            holdings = [h for c in certs for h in by_cert.get(c.pk, ())]
            count_today, count_on, first_break = holder_counts(holdings, needed=req.min_holders, today=today, on=on)
            requirements.append(
                RequirementCompliance(
                    requirement=req,
                    certifications=certs,
                    status=requirement_status(needed=req.min_holders, count_today=count_today, first_break=first_break),
                    holders_today=count_today,
                    holders_on_date=count_on,
                    at_risk_date=first_break,
                    holdings=_valid_today(holdings, today) if holders else [],
                )
            )
        result[level.pk] = LevelCompliance.of_requirements(level, requirements)
    return result


def level_compliance_live(
    levels: Sequence[ProgramLevel], *, today: date, on: date, holders: bool = False
) -> dict[int, LevelCompliance]:
    """Compute loaded levels' compliance live, per level id (services.compliance_refresh: locked levels)."""
    prefetch_related_objects(list(levels), _requirements_prefetch())
    return _compute_live(levels, today=today, on=on, holders=holders)


def _stored(level: ProgramLevel, *, with_requirements: bool) -> LevelCompliance:
    requirements = [
        RequirementCompliance(
            requirement=req,
            certifications=req.accepted,
            status=req.compliance_status,
            holders_today=req.holders_today,
            holders_on_date=req.holders_on_horizon,
            at_risk_date=req.at_risk_date,
        )
        for req in (level.requirement_list if with_requirements else ())
    ]
    return LevelCompliance(
        level=level, status=level.compliance_status, at_risk_date=level.compliance_at_risk_date, requirements=requirements
    )


def _attach_holdings(level_compliances: Iterable[LevelCompliance], *, today: date) -> None:
    """Fill "who holds what" of stored requirements: only holdings valid today, in one query."""
    requirements = [rc for lc in level_compliances for rc in lc.requirements]
    certs_by_id = {c.pk: c for rc in requirements for c in rc.certifications}
    by_cert = _holdings_by_certification(certs_by_id, today=today, on=today, holders=True)
    for rc in requirements:
        rc.holdings = _valid_today([h for c in rc.certifications for h in by_cert.get(c.pk, ())], today)


def level_compliance(
    levels: Sequence[ProgramLevel], *, today: date, on: date | None = None, requirements: bool = False, holders: bool = False
) -> dict[int, LevelCompliance]:
    """Compliance of already loaded levels, per level id: stored where it answers the question (the
    default horizon, checked today), live for the others.

    Queries: none when every level is stored and neither requirements nor holders are asked for;
    otherwise requirements and their certifications (two), plus the holdings for the live levels
    (one) and "who holds what" of the stored ones (one).
    """
    on = max(on or default_horizon(today), today)
    stored_answers = on == default_horizon(today)
    stored = [level for level in levels if stored_answers and level.compliance_checked_on == today]
    live = [level for level in levels if not (stored_answers and level.compliance_checked_on == today)]
    details = requirements or holders
    if live or details:
        prefetch_related_objects([*live, *stored] if details else live, _requirements_prefetch())
    if details:
        # A requirement added since the level's last check (e.g. in the shell) is not in its stored status.
        unchecked = [level for level in stored if any(req.compliance_checked_on != today for req in level.requirement_list)]
        stored = [level for level in stored if level not in unchecked]
        live += unchecked
    result = _compute_live(live, today=today, on=on, holders=holders) if live else {}
    from_store = {level.pk: _stored(level, with_requirements=details) for level in stored}
    if holders and from_store:
        _attach_holdings(from_store.values(), today=today)
    result.update(from_store)
    return result


def _by_partner(
    partner_ids: Iterable[int], levels: Iterable[ProgramLevel], by_level: dict[int, LevelCompliance]
) -> dict[int, PartnerCompliance]:
    result: dict[int, PartnerCompliance] = {pid: PartnerCompliance(partner_id=pid) for pid in partner_ids}
    for level in levels:
        result.setdefault(level.partner_id, PartnerCompliance(partner_id=level.partner_id)).levels.append(by_level[level.pk])
    return result


def _levels_of(partner_ids: Iterable[int]):
    return ProgramLevel.objects.filter(partner_id__in=list(partner_ids)).order_by("partner_id", "rank", "name")


def compliance_for(
    partner_ids: Sequence[int], *, today: date, on: date | None = None, requirements: bool = False, holders: bool = False
) -> dict[int, PartnerCompliance]:
    """Compliance of every level of the given partners, stored where possible (see level_compliance):
    one query for the levels, plus what level_compliance needs."""
    levels = list(_levels_of(partner_ids))
    return _by_partner(
        partner_ids, levels, level_compliance(levels, today=today, on=on, requirements=requirements, holders=holders)
    )


def partner_compliance(
    partner_ids: Sequence[int], *, today: date, on: date | None = None, holders: bool = True
) -> dict[int, PartnerCompliance]:
    """Compliance of every level of the given partners computed live, in four queries whatever the data size."""
    on = max(on or default_horizon(today), today)
    levels = list(_levels_of(partner_ids).prefetch_related(_requirements_prefetch()))
    return _by_partner(partner_ids, levels, _compute_live(levels, today=today, on=on, holders=holders))


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
        PartnerProgramStatus.objects.filter(held_level_id__in={r.level_id for r in requirements}).values_list(
            "held_level_id", flat=True
        )
    )
    by_cert: dict[int, list[Holding]] = defaultdict(list)
    for h in (
        Holding.objects.filter(certification_id__in=all_cert_ids, holder__is_active=True)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .only("holder_id", "certification_id", "obtained_on", "expires_on")
    ):
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
            LevelLoss(
                level=req.level,
                requirement_text=req.describe(list(req.certifications.all())),
                held=req.level_id in held_level_ids,
            )
            for req in reqs_by_cert.get(holding.certification_id, [])
            if coverage[req.pk].on(day_after) < req.min_holders
        ]
        if losses:
            result[holding.pk] = sorted(losses, key=lambda loss: (not loss.held, loss.level.partner.name, loss.level.rank))
    return result
