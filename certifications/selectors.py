"""Reads for certifications: each page's query count is decided here."""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.contrib.auth.models import User
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When

from partnerhub.sorting import apply_sort
from partners.models import Partner

from .compliance import AT_RISK, MET, NOT_MET, LevelCompliance, PartnerCompliance, compliance_for, default_horizon
from .filters import CertificationFilter, ComplianceOverviewFilter, HoldingFilter
from .models import Certification, Holding, PartnerProgramStatus, ProgramLevel

HOLDING_SORTS: dict[str, tuple[str, ...]] = {
    "expires": ("expires_on", "id"),
    "-expires": ("-expires_on", "-id"),
    "obtained": ("obtained_on", "id"),
    "-obtained": ("-obtained_on", "-id"),
    "holder": ("holder__username", "expires_on", "id"),
    "certification": ("certification__name", "expires_on", "id"),
}
CERTIFICATION_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "partner": ("partner__name", "name", "id"),
    "code": ("code", "id"),
    "holders": ("-valid_holders", "name", "id"),
}


def valid_on(day: date) -> Q:
    return Q(obtained_on__lte=day) & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))


def not_superseded(queryset: QuerySet[Holding]) -> QuerySet[Holding]:
    """Drop holdings replaced by a newer holding of the same person and certification (a renewal)."""
    newer = Holding.objects.filter(
        holder_id=OuterRef("holder_id"), certification_id=OuterRef("certification_id"), obtained_on__gt=OuterRef("obtained_on")
    )
    return queryset.exclude(Exists(newer))


def certification_list(*, params=None, sort: str | None = None, today: date) -> tuple[CertificationFilter, QuerySet, str]:
    valid_today = (
        Q(holdings__obtained_on__lte=today)
        & (Q(holdings__expires_on__isnull=True) | Q(holdings__expires_on__gte=today))
        & Q(holdings__holder__is_active=True)
    )
    base = Certification.objects.select_related("partner").annotate(
        valid_holders=Count("holdings__holder", filter=valid_today, distinct=True)
    )
    filterset = CertificationFilter(params or None, queryset=base)
    queryset, key = apply_sort(filterset.qs, sort, CERTIFICATION_SORTS, "partner")
    return filterset, queryset, key


def holding_list(
    *, params=None, sort: str | None = None, today: date, holder: User | None = None
) -> tuple[HoldingFilter, QuerySet, str]:
    base = Holding.objects.select_related("holder", "certification", "certification__partner")
    if holder is not None:
        base = base.filter(holder=holder)
    filterset = HoldingFilter(params or None, queryset=base, today=today)
    queryset, key = apply_sort(filterset.qs, sort, HOLDING_SORTS, "expires")
    return filterset, queryset, key


@dataclass
class OverviewRow:
    """One partner of the overview. Derived values are cached: the template reads each several times."""

    partner: Partner
    status: PartnerProgramStatus | None
    compliance: PartnerCompliance

    @cached_property
    def held(self) -> LevelCompliance | None:
        return self.compliance.level(self.status.held_level_id) if self.status else None

    @cached_property
    def target(self) -> LevelCompliance | None:
        return self.compliance.level(self.status.target_level_id) if self.status else None

    @property
    def headline(self) -> LevelCompliance | None:
        """The level that decides the row's status: the one held, else the one aimed for."""
        return self.held or self.target

    @cached_property
    def at_risk_date(self) -> date | None:
        return min((lc.at_risk_date for lc in self.compliance.levels if lc.at_risk_date), default=None)


def compliance_overview(
    *, params, user: User, today: date
) -> tuple[ComplianceOverviewFilter, QuerySet[Partner], date, str | None]:
    """Every non-archived partner with a program, filtered; compliance is read by `overview_rows` for
    just the rows shown (a page), so the overview's cost does not grow with partners or holdings."""
    has_levels = Exists(ProgramLevel.objects.filter(partner_id=OuterRef("pk")))
    base = (
        Partner.objects.filter(has_levels, archived=False)
        # Only what a row shows: the levels themselves come with their compliance in overview_rows.
        .select_related("manager", "program_status")
        .only(
            "name",
            "slug",
            "manager__username",
            "manager__first_name",
            "manager__last_name",
            "program_status__held_level_id",
            "program_status__target_level_id",
            "program_status__partner_id",
        )
        .order_by("name", "pk")
    )
    filterset = ComplianceOverviewFilter(params or None, queryset=base, user=user)
    cleaned = filterset.form.cleaned_data if filterset.is_bound and filterset.form.is_valid() else {}
    on = cleaned.get("on") or default_horizon(today)
    on = max(on, today)
    wanted = cleaned.get("status")
    return filterset, filterset.qs, on, wanted if wanted in (MET, AT_RISK, NOT_MET) else None


# The level that decides a row's status (OverviewRow.headline): the one held, else the one aimed for.
_HEADLINE_STATUS = Case(
    When(program_status__held_level__isnull=False, then=F("program_status__held_level__compliance_status")),
    default=F("program_status__target_level__compliance_status"),
)


def with_headline_status(partners: QuerySet[Partner], *, status: str, today: date, on: date) -> QuerySet[Partner] | None:
    """The partners whose headline level has `status`, filtered in SQL on the stored compliance, so the
    page can be paged by the database. None when the stored compliance cannot answer: a custom date,
    or a level of these partners not checked today (then every row must be computed before paging).
    One query (the check)."""
    if on != default_horizon(today):
        return None
    if ProgramLevel.objects.filter(partner__in=partners.values("pk")).exclude(compliance_checked_on=today).exists():
        return None
    return partners.alias(headline_status=_HEADLINE_STATUS).filter(headline_status=status)


def overview_rows(partners, *, today: date, on: date, status: str | None = None, holders: bool = False) -> list[OverviewRow]:
    """Compliance rows for the given partners, optionally only one status. On the default horizon one
    query reads the stored compliance of their levels; a custom date computes it live (four queries).
    `holders` adds each requirement and "who holds what" (the CSV export)."""
    partners = list(partners)
    compliance = compliance_for([p.pk for p in partners], today=today, on=on, requirements=holders, holders=holders)
    rows = [OverviewRow(partner=p, status=getattr(p, "program_status", None), compliance=compliance[p.pk]) for p in partners]
    if status:
        rows = [row for row in rows if row.headline is not None and row.headline.status == status]
    return rows


def partner_program_status(partner: Partner) -> PartnerProgramStatus | None:
    return PartnerProgramStatus.objects.select_related("held_level", "target_level").filter(partner=partner).first()


def holdings_expiring_between(*, start: date, end: date) -> QuerySet[Holding]:
    """Current (not superseded) holdings of active people expiring in [start, end]; the expiry index serves it."""
    return not_superseded(
        Holding.objects.filter(expires_on__gte=start, expires_on__lte=end, holder__is_active=True)
    ).select_related("holder", "certification", "certification__partner", "certification__partner__manager")
