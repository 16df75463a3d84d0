"""Writes for partners. Each service validates the model (constraints included) before saving."""

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from partnerhub import formatting
from partnerhub.input_bounds import add_days
from partnerhub.notifications import notify
from partnerhub.races import save_checked
from partnerhub.roles import Action, user_can

from .models import (
    Collateral,
    Contact,
    Contract,
    Onboarding,
    OnboardingOwnerRole,
    OnboardingStep,
    OnboardingStepTemplate,
    OnboardingTrack,
    Partner,
    PartnerTeamMember,
    PartnerType,
    SupplierRiskAssessment,
    collateral_campaigns,
    partner_campaigns,
)


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
def partner_create(
    *,
    name: str,
    stage: str = Partner.Stage.PROSPECT,
    manager: User | None = None,
    program_level: str = "",
    website: str = "",
    sync_cadence: str = Partner.SyncCadence.MONTHLY,
    markets: str = "",
    strategy: str = "",
    why_together: str = "",
    vshn_products: str = "",
    pricing_details: str = "",
    reporting_details: str = "",
    types: list[PartnerType] | None = None,
    by: User | None = None,
) -> Partner:
    fields = {
        "name": name,
        "stage": stage,
        "manager": manager,
        "program_level": program_level,
        "website": website,
        "sync_cadence": sync_cadence,
        "markets": markets,
        "strategy": strategy,
        "why_together": why_together,
        "vshn_products": vshn_products,
        "pricing_details": pricing_details,
        "reporting_details": reporting_details,
    }
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
    if partner.stage == Partner.Stage.ONBOARDING:
        _onboarding_follow_stage(partner=partner, by=by)
    return partner


@transaction.atomic
def partner_update(
    *,
    partner: Partner,
    name: str,
    stage: str = Partner.Stage.PROSPECT,
    manager: User | None = None,
    program_level: str = "",
    website: str = "",
    sync_cadence: str = Partner.SyncCadence.MONTHLY,
    markets: str = "",
    strategy: str = "",
    why_together: str = "",
    vshn_products: str = "",
    pricing_details: str = "",
    reporting_details: str = "",
    types: list[PartnerType] | None = None,
    by: User | None = None,
) -> Partner:
    """Every field as given (the partner form sends them all); `types=None` leaves the types alone."""
    fields = {
        "name": name,
        "stage": stage,
        "manager": manager,
        "program_level": program_level,
        "website": website,
        "sync_cadence": sync_cadence,
        "markets": markets,
        "strategy": strategy,
        "why_together": why_together,
        "vshn_products": vshn_products,
        "pricing_details": pricing_details,
        "reporting_details": reporting_details,
    }
    previous_stage = Partner.objects.filter(pk=partner.pk).values_list("stage", flat=True).first()
    for name, value in fields.items():
        setattr(partner, name, value)
    partner.full_clean()
    save_checked(partner)
    if types is not None:
        partner.types.set(types)
    if previous_stage != partner.stage:
        _onboarding_follow_stage(partner=partner, by=by)
    return partner


def _onboarding_follow_stage(*, partner: Partner, by: User | None) -> None:
    """Stage -> onboarding starts the checklist (when a track exists for the partner's types);
    leaving the onboarding stage ends the running onboarding today."""
    running = Onboarding.objects.filter(partner=partner, ended_on__isnull=True).first()
    if partner.stage == Partner.Stage.ONBOARDING and running is None:
        if onboarding_track_for(partner=partner) is not None:
            onboarding_start(partner=partner, started_on=timezone.localdate(), by=by)
    elif partner.stage != Partner.Stage.ONBOARDING and running is not None:
        _onboarding_end(running, timezone.localdate())


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


# --- Onboarding -------------------------------------------------------------------------------------


def onboarding_track_for(*, partner: Partner) -> OnboardingTrack | None:
    """The current track of the partner's first type (by name) that has one."""
    return (
        OnboardingTrack.objects.filter(is_current=True, partner_type__in=partner.types.all())
        .select_related("partner_type")
        .order_by("partner_type__name")
        .first()
    )


def _step_owner(role: str, partner: Partner, team: list[PartnerTeamMember]) -> User | None:
    if role != OnboardingOwnerRole.PARTNER_MANAGER:
        for member in team:
            if member.role == role and member.user.is_active:
                return member.user
    return partner.manager


@transaction.atomic
def onboarding_start(*, partner: Partner, started_on: date, by: User | None, track: OnboardingTrack | None = None) -> Onboarding:
    """The partner's checklist from the track (default: the current one of the partner's types):
    each step with its owner and due date; steps whose proof exists already are ticked at once."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)  # two starts at once: one wins
    if Onboarding.objects.filter(partner=partner, ended_on__isnull=True).exists():
        raise ValidationError("This partner is already being onboarded.")
    track = track or onboarding_track_for(partner=partner)
    if track is None:
        names = ", ".join(t.name for t in partner.types.all()) or "no type"
        raise ValidationError(
            f"There is no onboarding track for {names} yet. A partner manager can create one under Onboarding tracks."
        )
    # Locked, as editing a track locks it (_editable_track): an edit and a start at the same moment run one
    # after the other, so the edit either changes the version before anyone started from it or makes
    # the next version; a start never copies a version that was changed or retired meanwhile.
    track = OnboardingTrack.objects.select_for_update().get(pk=track.pk)
    if not track.is_current:
        raise ValidationError(f"Version {track.version} of this track is no longer current; start from the current one.")
    onboarding = Onboarding(partner=partner, track=track, started_on=started_on, started_by=by)
    onboarding.full_clean()
    save_checked(onboarding)
    team = list(partner.team.select_related("user"))
    steps = [
        OnboardingStep(
            onboarding=onboarding,
            position=template.position,
            title=template.title,
            description=template.description,
            owner=_step_owner(template.owner_role, partner, team),
            due_on=add_days(started_on, template.due_offset_days),
            required=template.required,
            proof=template.proof,
        )
        for template in track.steps.all()
    ]
    for step in steps:
        step.full_clean(exclude=["onboarding"])
    OnboardingStep.objects.bulk_create(steps)
    if partner.stage != Partner.Stage.ONBOARDING:
        partner.stage = Partner.Stage.ONBOARDING
        partner.save(update_fields=["stage", "updated_at"])
    from .onboarding import onboarding_proofs_tick

    onboarding_proofs_tick(partner_ids=[partner.pk])
    return onboarding


def _open_onboarding_step(step_id: int) -> OnboardingStep:
    step = OnboardingStep.objects.select_for_update().select_related("onboarding", "onboarding__partner").get(pk=step_id)
    if step.onboarding.ended_on is not None:
        raise ValidationError("This onboarding has ended; its steps no longer change.")
    return step


@transaction.atomic
def onboarding_step_update(*, step_id: int, owner: User | None, due_on: date, by: User) -> OnboardingStep:
    step = _open_onboarding_step(step_id)
    if due_on < step.onboarding.started_on:
        raise ValidationError(
            {"due_on": f"A step cannot be due before the onboarding starts ({formatting.day(step.onboarding.started_on)})."}
        )
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": "This person's account is inactive; choose someone active."})
    reassigned = owner is not None and owner.pk != step.owner_id
    step.owner, step.due_on = owner, due_on
    step.full_clean()
    step.save()
    if owner is not None and reassigned and owner.pk != by.pk:
        partner = step.onboarding.partner
        notify(
            recipients=[owner],
            kind="onboarding_step_assigned",
            title=f"{partner.name} onboarding: “{step.title}” is yours",
            body=f"{formatting.person(by)} assigned you this onboarding step, due {formatting.day(due_on)}.",
            url=partner.get_absolute_url() + "#onboarding",
        )
    return step


def onboarding_step_may_complete(step: OnboardingStep, user: User) -> bool:
    return step.owner_id == user.pk or user_can(user, Action.MANAGE_PARTNERS)


@transaction.atomic
def onboarding_step_complete(*, step_id: int, by: User) -> OnboardingStep:
    """The owner or a partner manager ticks a step. The row is locked: of two people ticking at once,
    the second is told who was first (and nothing changes)."""
    step = _open_onboarding_step(step_id)
    if not onboarding_step_may_complete(step, by):
        raise PermissionDenied("Only the step's owner or a partner manager can tick it.")
    if step.done_at is not None:
        who = formatting.person(step.done_by) if step.done_by_id else "its proof"
        raise ValidationError(f"“{step.title}” was already ticked by {who} on {formatting.moment(step.done_at)}.")
    step.done_at, step.done_by = timezone.now(), by
    step.save(update_fields=["done_at", "done_by"])
    onboarding_check_complete(onboarding_id=step.onboarding_id)
    return step


@transaction.atomic
def onboarding_step_reopen(*, step_id: int, by: User) -> OnboardingStep:
    step = _open_onboarding_step(step_id)
    if not onboarding_step_may_complete(step, by):
        raise PermissionDenied("Only the step's owner or a partner manager can reopen it.")
    step.done_at = step.done_by = None
    step.proof_label = step.proof_url = ""
    step.save(update_fields=["done_at", "done_by", "proof_label", "proof_url"])
    Onboarding.objects.filter(pk=step.onboarding_id).update(completion_notified_at=None)
    return step


def onboarding_check_complete(*, onboarding_id: int) -> bool:
    """When every required step is done, ask the partner manager (once) to move the partner to active."""
    if OnboardingStep.objects.filter(onboarding_id=onboarding_id, required=True, done_at__isnull=True).exists():
        return False
    # Claimed with a conditional UPDATE: two last ticks at once ask once.
    if not Onboarding.objects.filter(pk=onboarding_id, ended_on__isnull=True, completion_notified_at__isnull=True).update(
        completion_notified_at=timezone.now()
    ):
        return True
    onboarding = Onboarding.objects.select_related("partner", "partner__manager").get(pk=onboarding_id)
    partner = onboarding.partner
    notify(
        recipients=[partner.manager],
        kind="onboarding_complete",
        title=f"{partner.name}: onboarding done — move to active?",
        body="Every required onboarding step is done. Move the partner to active on its page to record the end date.",
        url=partner.get_absolute_url() + "#onboarding",
    )
    return True


def _onboarding_end(onboarding: Onboarding, day: date) -> None:
    onboarding.ended_on = max(day, onboarding.started_on)
    onboarding.full_clean()
    onboarding.save(update_fields=["ended_on"])


@transaction.atomic
def onboarding_finish(*, partner: Partner, by: User) -> Partner:
    """Move an onboarded partner to active: every required step must be done; the end date is today."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    onboarding = Onboarding.objects.filter(partner=partner, ended_on__isnull=True).first()
    if onboarding is None:
        raise ValidationError("This partner is not being onboarded.")
    open_steps = onboarding.steps.filter(required=True, done_at__isnull=True).count()
    if open_steps:
        raise ValidationError(f"{open_steps} required step(s) are still open.")
    _onboarding_end(onboarding, timezone.localdate())
    partner.stage = Partner.Stage.ACTIVE
    partner.save(update_fields=["stage", "updated_at"])
    return partner


# --- Onboarding tracks: a version in use is never changed; editing it makes the next version --------


@transaction.atomic
def onboarding_track_create(*, partner_type: PartnerType, by: User) -> OnboardingTrack:
    if OnboardingTrack.objects.filter(partner_type=partner_type, is_current=True).exists():
        raise ValidationError(f"{partner_type.name} already has an onboarding track; edit it instead.")
    last = OnboardingTrack.objects.filter(partner_type=partner_type).order_by("-version").first()
    track = OnboardingTrack(partner_type=partner_type, version=(last.version + 1) if last else 1, created_by=by)
    track.full_clean()
    save_checked(track)
    return track


def _editable_track(track_id: int, by: User) -> tuple[OnboardingTrack, dict[int, int], bool]:
    """The track to change: itself while no onboarding uses it, else a copy as the next version.
    Returns (track, old step id -> new step id, revised)."""
    track = OnboardingTrack.objects.select_for_update().select_related("partner_type").get(pk=track_id)
    if not track.is_current:
        current = OnboardingTrack.objects.filter(partner_type=track.partner_type, is_current=True).first()
        raise ValidationError(
            f"Version {track.version} is no longer current"
            + (f" (version {current.version} is); open the current version and change it there." if current else ".")
        )
    steps = list(track.steps.all())
    if not track.onboardings.exists():
        return track, {s.pk: s.pk for s in steps}, False
    OnboardingTrack.objects.filter(pk=track.pk).update(is_current=False)
    revised = OnboardingTrack.objects.create(
        partner_type=track.partner_type, version=track.version + 1, is_current=True, created_by=by
    )
    mapping = {}
    for step in steps:
        old_pk = step.pk
        step.pk = None
        step.id = None
        step.track = revised
        step.save()
        mapping[old_pk] = step.pk
    return revised, mapping, True


@transaction.atomic
def onboarding_step_template_save(
    *,
    track_id: int,
    step_id: int | None,
    title: str,
    owner_role: str,
    due_offset_days: int,
    description: str = "",
    required: bool = True,
    proof: str = "",
    position: int | None = None,
    by: User,
) -> tuple[OnboardingStepTemplate, bool]:
    """Add or change a template step. Returns (step, revised): revised when the change made a new
    version because onboardings run on the old one. A new step without a position goes last; a changed one stays where it is."""
    fields: dict[str, object] = {
        "title": title,
        "owner_role": owner_role,
        "due_offset_days": due_offset_days,
        "description": description,
        "required": required,
        "proof": proof,
        "position": position,
    }
    track, mapping, revised = _editable_track(track_id, by)
    if step_id is None:
        step = OnboardingStepTemplate(track=track)
        if "position" not in fields or fields["position"] is None:
            fields["position"] = (max((s for s in track.steps.values_list("position", flat=True)), default=0) or 0) + 10
    else:
        if step_id not in mapping:
            raise ValidationError("This step is not part of the track's current version.")
        step = OnboardingStepTemplate.objects.get(pk=mapping[step_id])
        if fields["position"] is None:  # a changed step without a new position stays where it is
            fields["position"] = step.position
    for name, value in fields.items():
        setattr(step, name, value)
    step.full_clean()
    step.save()
    return step, revised


@transaction.atomic
def onboarding_step_template_delete(*, track_id: int, step_id: int, by: User) -> tuple[OnboardingTrack, bool]:
    track, mapping, revised = _editable_track(track_id, by)
    if step_id not in mapping:
        raise ValidationError("This step is not part of the track's current version.")
    OnboardingStepTemplate.objects.filter(pk=mapping[step_id]).delete()
    return track, revised


# --- The partner team --------------------------------------------------------------------------------


@transaction.atomic
def team_member_add(*, partner: Partner, user: User, role: str, by: User) -> PartnerTeamMember:
    if not user.is_active:
        raise ValidationError({"user": "This person's account is inactive; choose someone active."})
    member = PartnerTeamMember(partner=partner, user=user, role=role)
    member.full_clean()
    save_checked(member)  # two adds at once: the second gets the unique constraint's message
    if user.pk != by.pk:
        notify(
            recipients=[user],
            kind="partner_team_added",
            title=f"You are on the {partner.name} team ({member.get_role_display()})",
            body=f"{formatting.person(by)} added you to the partner team; you will get its “inform the team” notices.",
            url=partner.get_absolute_url(),
        )
    return member


@transaction.atomic
def team_member_remove(*, member_id: int, partner: Partner) -> None:
    PartnerTeamMember.objects.filter(pk=member_id, partner=partner).delete()


# --- Collateral library ----------------------------------------------------------------------------------


@transaction.atomic
def collateral_create(*, collateral: Collateral, by: User) -> Collateral:
    collateral.uploaded_by = by
    collateral.full_clean()  # the file's type and size (validate_document), dates, the brand-check rule
    _check_collateral_campaign(collateral)
    collateral.save()
    return collateral


def _check_collateral_campaign(collateral: Collateral) -> None:
    """A campaign of another partner is refused. The campaign row is locked, so a partner being removed
    from it at the same moment (activities' campaign_save, which saves the campaign first) waits or
    is seen; a removal after this commit unlinks the item (collateral_campaign_partners_changed)."""
    if collateral.campaign_id is None:
        return
    campaign = collateral_campaigns().select_for_update().filter(pk=collateral.campaign_id).first()
    if campaign is None or not partner_campaigns(collateral.partner).filter(pk=campaign.pk).exists():
        raise ValidationError(
            {"campaign": f"Choose one of {collateral.partner.name}'s campaigns (or none): that campaign is not one of theirs."}
        )


def collateral_campaign_partners_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """m2m_changed on Campaign.partners (connected in partners/apps.py): a partner leaving a campaign
    takes its collateral out of that campaign, so no item belongs to a campaign its partner is not in."""
    if action not in ("post_remove", "pre_clear"):
        return
    if reverse:  # partner.campaigns.remove(...): instance is the partner, pk_set the campaigns
        items = Collateral.objects.filter(partner_id=instance.pk, campaign__isnull=False)
        if pk_set is not None and action == "post_remove":
            items = items.filter(campaign_id__in=pk_set)
    else:  # campaign.partners.remove(...) / .set(...): instance is the campaign, pk_set the partners
        items = Collateral.objects.filter(campaign_id=instance.pk)
        if pk_set is not None and action == "post_remove":
            items = items.filter(partner_id__in=pk_set)
    for item in items:  # a few rows; saved one by one so the audit history shows the unlinking
        item.campaign = None
        item.save(update_fields=["campaign"])


@transaction.atomic
def collateral_brand_check(*, collateral_id: int, by: User) -> Collateral:
    collateral = Collateral.objects.select_for_update().get(pk=collateral_id)
    if not collateral.made_by_vshn:
        raise ValidationError("Only VSHN-made collateral gets a brand check.")
    if collateral.brand_checked_at is not None:
        raise ValidationError(
            f"Already brand-checked by {formatting.person(collateral.brand_checked_by)} on {formatting.moment(collateral.brand_checked_at)}."
        )
    collateral.brand_checked_by, collateral.brand_checked_at = by, timezone.now()
    collateral.save(update_fields=["brand_checked_by", "brand_checked_at"])
    return collateral
