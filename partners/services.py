"""Writes for partners. Each service validates the model (constraints included) before saving."""

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from partnerhub.races import save_checked

from .models import Contact, Contract, Partner, PartnerType, SupplierRiskAssessment


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:200] or "partner"
    slug, counter = base, 2
    others = Partner.objects.exclude(pk=exclude_pk) if exclude_pk else Partner.objects.all()
    while others.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _validate_with_fresh_slug(partner: Partner) -> None:
    partner.slug = _unique_slug(partner.name)
    partner.full_clean()


@transaction.atomic
def partner_create(*, types: list[PartnerType] | None = None, **fields) -> Partner:
    partner = Partner(**fields)
    _validate_with_fresh_slug(partner)
    # Two creates at once: the same name is refused with the form error a later create gets; two
    # different names with the same slug ("Acme!" and "Acme?") lose only the slug, so take the next.
    for attempt in range(3):
        try:
            save_checked(partner, validate=lambda: _validate_with_fresh_slug(partner))
            break
        except IntegrityError:
            if attempt == 2:
                raise
    if types:
        partner.types.set(types)
    return partner


@transaction.atomic
def partner_update(*, partner: Partner, types: list[PartnerType] | None = None, **fields) -> Partner:
    for name, value in fields.items():
        setattr(partner, name, value)
    partner.full_clean()
    save_checked(partner)
    if types is not None:
        partner.types.set(types)
    return partner


@transaction.atomic
def partner_set_archived(*, partner: Partner, archived: bool) -> Partner:
    partner.archived = archived
    partner.archived_at = timezone.now() if archived else None
    partner.save(update_fields=["archived", "archived_at", "updated_at"])
    return partner


@transaction.atomic
def contact_save(*, contact: Contact) -> Contact:
    """Create or update a contact; a new primary contact takes the flag from the previous one.
    The partner's row is locked first, so two contacts made primary at once end with one primary:
    the second waits, then takes the flag from the first."""
    list(Partner.objects.select_for_update().filter(pk=contact.partner_id).values_list("pk", flat=True))
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        Contact.objects.filter(partner=contact.partner, is_primary=True).exclude(pk=contact.pk).update(is_primary=False)
    return contact


@transaction.atomic
def contract_save(*, contract: Contract) -> Contract:
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def risk_assessment_create(*, assessment: SupplierRiskAssessment, by: User) -> SupplierRiskAssessment:
    assessment.assessed_by = by
    assessment.full_clean()
    assessment.save()
    return assessment
