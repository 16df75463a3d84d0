"""Writes for certifications. Each service validates the model (constraints included) before saving."""

from django.db import transaction

from .models import Holding, LevelRequirement, PartnerProgramStatus


@transaction.atomic
def holding_save(*, holding: Holding) -> Holding:
    """Create or update a holding. full_clean() fills the default expiry and refuses an overlap."""
    # A certificate stored earlier was checked on upload; re-reading it on every edit would only fail
    # (500) if storage lost the file. A new upload is always checked.
    stored = bool(holding.certificate) and getattr(holding.certificate, "_committed", True)
    holding.full_clean(exclude=["certificate"] if stored else None)
    holding.save()
    return holding


@transaction.atomic
def holding_delete(*, holding: Holding) -> None:
    if holding.certificate:
        holding.certificate.delete(save=False)
    holding.delete()


@transaction.atomic
def requirement_save(*, requirement: LevelRequirement, certifications=None) -> LevelRequirement:
    requirement.full_clean()
    requirement.save()
    if certifications is not None:
        requirement.certifications.set(certifications)
    return requirement


@transaction.atomic
def program_status_save(*, status: PartnerProgramStatus) -> PartnerProgramStatus:
    status.full_clean()
    status.save()
    return status
