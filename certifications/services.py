"""Writes for certifications. Each service validates the model (constraints included) before saving."""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from partnerhub.races import save_checked
from partners.health import health_changed

from .compliance import default_horizon, level_compliance_live
from .models import Holding, LevelRequirement, PartnerProgramStatus, ProgramLevel

_LEVEL_FIELDS = ["compliance_status", "compliance_at_risk_date", "compliance_checked_on"]
_REQUIREMENT_FIELDS = ["compliance_status", "holders_today", "holders_on_horizon", "at_risk_date", "compliance_checked_on"]


@transaction.atomic
def holding_save(*, holding: Holding, refresh_compliance: bool = True) -> Holding:
    """Create or update a holding. full_clean() fills the default expiry and refuses an overlap.
    `refresh_compliance=False` is for a caller that refreshes once after many saves (the import)."""
    # A certificate stored earlier was checked on upload; re-reading it on every edit would only fail
    # (500) if storage lost the file. A new upload is always checked.
    stored = bool(holding.certificate) and getattr(holding.certificate, "_committed", True)
    # The no-overlap rule reads the person's other holdings: lock the person first, so two holdings
    # of one person saved at once are checked one after the other (the second sees the first).
    list(get_user_model().objects.select_for_update().filter(pk=holding.holder_id).values_list("pk", flat=True))
    holding.full_clean(exclude=["certificate"] if stored else None)
    # An edit may move the holding to another certification: both sides' levels change.
    previous = set(Holding.objects.filter(pk=holding.pk).values_list("certification_id", flat=True)) if holding.pk else set()
    holding.save()
    if refresh_compliance:
        compliance_refresh_for_certifications(certification_ids={holding.certification_id, *previous})
    return holding


@transaction.atomic
def holding_delete(*, holding: Holding) -> None:
    holding.delete()  # the certificate file is removed after the commit (partnerhub/files.py)
    compliance_refresh_for_certifications(certification_ids={holding.certification_id})


@transaction.atomic
def program_status_save(*, status: PartnerProgramStatus) -> PartnerProgramStatus:
    # Which levels are held or aimed for changes no level's compliance: nothing to refresh.
    status.full_clean()
    save_checked(status)  # a second status created for the partner at the same moment: the form error
    return status


# --- Stored compliance ---------------------------------------------------------------------------


def compliance_refresh_for_certifications(*, certification_ids: Iterable[int], today: date | None = None) -> int:
    """Refresh the partners whose levels accept any of these certifications: after a holding write.
    A requirement may accept another vendor's certification, so this is not just the issuer."""
    ids = {pk for pk in certification_ids if pk is not None}
    if not ids:
        return 0
    partner_ids = (
        ProgramLevel.objects.filter(requirements__certifications__in=ids)
        .order_by()
        .values_list("partner_id", flat=True)
        .distinct()
    )
    return compliance_refresh(partner_ids=partner_ids, today=today)


def compliance_refresh(*, partner_ids: Iterable[int] | None = None, today: date | None = None, batch_size: int = 100) -> int:
    """Recompute and store the default-horizon compliance of the given partners' levels (every partner
    with a program when None). Returns how many level and requirement rows changed; running it again
    the same day changes nothing. Holding writes and admin edits of levels and requirements call it
    for the partners concerned; the hourly certification_compliance sweep moves every level to the new
    day and catches what nothing else sees: people deactivated, admin bulk actions, shell edits."""
    today = today or timezone.localdate()
    if partner_ids is None:
        partner_ids = ProgramLevel.objects.order_by().values_list("partner_id", flat=True).distinct()
    ids = sorted(set(partner_ids))
    return sum(
        _compliance_refresh_batch(ids[start : start + batch_size], today=today) for start in range(0, len(ids), batch_size)
    )


@transaction.atomic
def _compliance_refresh_batch(partner_ids: list[int], *, today: date) -> int:
    if not partner_ids:
        return 0
    # Lock the levels before reading the holdings, in pk order (no deadlock between two refreshes): a
    # holding saved meanwhile either commits first, so this read sees it, or waits for this batch and
    # then stores its own, newer result. Without the lock, a sweep that read just before the save could
    # overwrite the fresher result stored by the save. Concurrent sweeps store the same values.
    locked = list(ProgramLevel.objects.select_for_update().filter(partner_id__in=partner_ids).order_by("pk"))
    if not locked:
        return 0
    levels, requirements = [], []
    level_by_pk = {level.pk: level for level in locked}
    for lc in level_compliance_live(locked, today=today, on=default_horizon(today)).values():
        level = lc.level
        new = (lc.status, lc.at_risk_date, today)
        if (level.compliance_status, level.compliance_at_risk_date, level.compliance_checked_on) != new:
            level.compliance_status, level.compliance_at_risk_date, level.compliance_checked_on = new
            levels.append(level)
        for rc in lc.requirements:
            req = rc.requirement
            new_counts = (rc.status, rc.holders_today, rc.holders_on_date, rc.at_risk_date, today)
            if (
                req.compliance_status,
                req.holders_today,
                req.holders_on_horizon,
                req.at_risk_date,
                req.compliance_checked_on,
            ) != new_counts:
                req.compliance_status, req.holders_today, req.holders_on_horizon, req.at_risk_date, req.compliance_checked_on = (
                    new_counts
                )
                requirements.append(req)
    ProgramLevel.objects.bulk_update(levels, _LEVEL_FIELDS)
    LevelRequirement.objects.bulk_update(requirements, _REQUIREMENT_FIELDS)
    # Health reads the stored compliance; bulk_update sends no signal, so say whose changed.
    health_changed({level.partner_id for level in levels} | {level_by_pk[req.level_id].partner_id for req in requirements})
    return len(levels) + len(requirements)
