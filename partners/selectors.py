"""Reads for partners: each page's query count is decided here."""

from datetime import date, timedelta

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from partnerhub.input_bounds import add_days
from partnerhub.sorting import apply_sort

from .filters import CollateralFilter, ContactFilter, PartnerFilter
from .models import (
    Collateral,
    Contact,
    Contract,
    Onboarding,
    OnboardingStep,
    OnboardingTrack,
    Partner,
    PartnerTeamMember,
    SupplierRiskAssessment,
)

# At risk, then watch, then good, then not checked yet (the stored values sort alphabetically otherwise).
# Annotated (not an ORDER BY expression alone): PostgreSQL wants it in the SELECT when a filter adds DISTINCT.
HEALTH_RANK = Case(
    When(health=Partner.Health.AT_RISK, then=Value(0)),
    When(health=Partner.Health.WATCH, then=Value(1)),
    When(health=Partner.Health.GOOD, then=Value(2)),
    default=Value(3),
)

PARTNER_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "stage": ("stage", "name", "id"),
    "-stage": ("-stage", "name", "id"),
    "updated": ("-updated_at", "id"),
    "level": ("program_level", "name", "id"),
    "health": ("health_rank", "name", "id"),
}


def partner_list(
    *, params: dict | None = None, sort: str | None = None, request=None
) -> tuple[PartnerFilter, QuerySet[Partner], str]:
    """The filtered, sorted partner list with what each row shows (manager, types, onboarding progress)."""
    base = Partner.objects.select_related("manager").prefetch_related("types", running_onboardings_prefetch())
    if sort == "health":
        base = base.annotate(health_rank=HEALTH_RANK)
    filterset = PartnerFilter(params or None, queryset=base, request=request)
    queryset, sort_key = apply_sort(filterset.qs, sort, PARTNER_SORTS, "name")
    return filterset, queryset, sort_key


def partner_detail(*, slug: str) -> Partner:
    return (
        Partner.objects.select_related("manager")
        .prefetch_related(
            "types",
            Prefetch("team", queryset=PartnerTeamMember.objects.select_related("user")),
            Prefetch("contacts", queryset=Contact.objects.order_by("-is_active", "-is_primary", "last_name")),
            Prefetch("contracts", queryset=Contract.objects.order_by("-start_date")),
            Prefetch("risk_assessments", queryset=SupplierRiskAssessment.objects.select_related("assessed_by")),
        )
        .get(slug=slug)
    )


def contact_list(*, params: dict | None = None, partner: Partner | None = None) -> tuple[ContactFilter, QuerySet[Contact]]:
    base = Contact.objects.select_related("partner")
    if partner is not None:
        base = base.filter(partner=partner).order_by("last_name", "first_name", "id")
    else:
        # A people directory, by name: ordering by partner name first meant sorting every contact
        # across a join for each page (75 ms at 50,000 contacts); contact_name_idx serves this.
        base = base.order_by("last_name", "first_name", "id")
    filterset = ContactFilter(params or None, queryset=base)
    return filterset, filterset.qs


def contracts_with_notice_deadline_between(*, start: date, end: date) -> QuerySet[Contract]:
    return Contract.objects.select_related("partner", "partner__manager").filter(
        notice_deadline__gte=start, notice_deadline__lte=end, partner__archived=False
    )


def current_risk_assessments() -> QuerySet[SupplierRiskAssessment]:
    """The newest assessment of each partner: older ones are history, not due."""
    newer = SupplierRiskAssessment.objects.filter(partner=OuterRef("partner"), assessed_on__gt=OuterRef("assessed_on"))
    return SupplierRiskAssessment.objects.filter(partner__archived=False).exclude(Exists(newer))


def risk_reviews_due_by(*, day: date) -> QuerySet[SupplierRiskAssessment]:
    return current_risk_assessments().filter(next_review_due__lte=day).select_related("partner", "partner__manager")


def notice_deadlines_soon(*, today: date, days: int) -> QuerySet[Contract]:
    return contracts_with_notice_deadline_between(start=today, end=today + timedelta(days=days))


# --- Onboarding ---------------------------------------------------------------------------------------


def running_onboardings_prefetch(today: date | None = None) -> Prefetch:
    """Each partner's running onboarding with its progress counted in the same query (one for the page)."""
    today = today or timezone.localdate()
    return Prefetch(
        "onboardings",
        queryset=Onboarding.objects.filter(ended_on__isnull=True).annotate(
            steps_total=Count("steps"),
            steps_done=Count("steps", filter=Q(steps__done_at__isnull=False)),
            steps_overdue=Count("steps", filter=Q(steps__done_at__isnull=True, steps__due_on__lt=today)),
            required_open=Count("steps", filter=Q(steps__required=True, steps__done_at__isnull=True)),
        ),
        to_attr="running_onboardings",
    )


def partner_onboarding(*, partner: Partner) -> Onboarding | None:
    """The running onboarding, else the newest ended one, with its steps (two queries)."""
    onboarding = (
        Onboarding.objects.filter(partner=partner)
        .select_related("track", "track__partner_type", "started_by")
        .order_by(F("ended_on").desc(nulls_first=True), "-started_on", "-id")  # the running one first
        .first()
    )
    if onboarding is not None:
        onboarding.step_list = list(onboarding.steps.select_related("owner", "done_by"))
    return onboarding


def onboarding_tracks() -> QuerySet[OnboardingTrack]:
    return (
        OnboardingTrack.objects.filter(is_current=True)
        .select_related("partner_type", "created_by")
        .annotate(
            step_count=Count("steps", distinct=True),
            running=Count("onboardings", filter=Q(onboardings__ended_on__isnull=True), distinct=True),
        )
        .order_by("partner_type__name")
    )


def onboarding_track_detail(*, pk: int) -> OnboardingTrack:
    return OnboardingTrack.objects.select_related("partner_type", "created_by").prefetch_related("steps").get(pk=pk)


def onboarding_track_versions(*, track: OnboardingTrack) -> QuerySet[OnboardingTrack]:
    return (
        OnboardingTrack.objects.filter(partner_type_id=track.partner_type_id)
        .annotate(used=Count("onboardings"))
        .order_by("-version")
    )


def open_onboarding_steps(*, today: date) -> QuerySet[OnboardingStep]:
    """Open steps of running onboardings of partners not archived (reminders and the inbox)."""
    return OnboardingStep.objects.filter(
        done_at__isnull=True, onboarding__ended_on__isnull=True, onboarding__partner__archived=False
    ).select_related("onboarding__partner", "onboarding__partner__manager", "owner")


# --- Collateral library --------------------------------------------------------------------------------


def collateral_list(*, params: dict | None = None) -> tuple[CollateralFilter, QuerySet[Collateral]]:
    base = Collateral.objects.select_related("partner", "campaign", "uploaded_by", "brand_checked_by").order_by(
        "-created_at", "-id"
    )
    filterset = CollateralFilter(params or None, queryset=base)
    return filterset, filterset.qs


def partner_guidelines(*, partner: Partner, today: date) -> dict:
    """The Guidelines section (two queries): the current brand and PR guideline (the newest still valid
    of each kind; when none is valid, the newest one, shown as expired), and the newest other collateral."""
    guidelines = list(
        Collateral.objects.filter(partner=partner, kind__in=Collateral.GUIDELINE_KINDS)
        .select_related("uploaded_by", "brand_checked_by")
        .order_by("kind", "-created_at", "-id")
    )
    current: dict[str, Collateral] = {}
    for item in guidelines:
        if item.valid_until is None or item.valid_until >= today:
            current.setdefault(item.kind, item)
    for item in guidelines:
        current.setdefault(item.kind, item)  # only expired ones of this kind: the newest, marked expired
    others = list(
        Collateral.objects.filter(partner=partner)
        .exclude(kind__in=Collateral.GUIDELINE_KINDS)
        .order_by("-created_at", "-id")[:10]
    )
    for item in [*guidelines, *others]:
        item.partner = partner  # the file links need the slug: no query per item
    return {"brand": current.get("brand_guideline"), "pr": current.get("pr_guideline"), "others": others, "today": today}


def campaign_collateral(*, campaign_id: int) -> list[Collateral]:
    """The collateral made for one campaign (its page lists it): one query, partners joined."""
    return list(
        Collateral.objects.filter(campaign_id=campaign_id)
        .select_related("partner", "brand_checked_by")
        .order_by("partner__name", "kind", "-created_at", "-id")
    )


def collateral_expiring(*, today: date, before: int, after: int) -> QuerySet[Collateral]:
    """Collateral whose valid-until date is at most `before` days ahead or at most `after` days past
    (a sweep that missed the day catches up), for the expiry reminder. An item replaced by a newer one
    of the same partner, kind and language that stays valid longer is left out: nobody needs telling."""
    replaced = Collateral.objects.filter(
        partner=OuterRef("partner"),
        kind=OuterRef("kind"),
        language=OuterRef("language"),
        created_at__gt=OuterRef("created_at"),
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until")))
    return (
        Collateral.objects.filter(valid_until__gte=add_days(today, -after), valid_until__lte=add_days(today, before))
        .exclude(Exists(replaced))
        .select_related("partner", "partner__manager", "uploaded_by")
        .order_by("valid_until", "id")
    )
