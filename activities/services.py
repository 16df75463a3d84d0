"""Writes for activities. Each service validates the model (constraints included) before saving."""

from collections.abc import Callable, Iterable
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub import formatting
from partnerhub.notifications import notify
from partnerhub.races import save_checked
from partnerhub.roles import Action, user_can
from partners.models import Contact, Partner

from .models import (
    Activity,
    Campaign,
    DealRegistration,
    JointPlan,
    JointPlanInitiative,
    Opportunity,
    normalise_customer,
    quarter_of,
)

S = DealRegistration.Status

# The deal-registration workflow: every other move (e.g. rejected -> won) is refused.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.WON, S.LOST, S.EXPIRED}),
}
# Who may make each move (docs/design.md: deal registrations are sales' and partner managers' work).
TRANSITION_ACTION: dict[str, Action] = {status: Action.MANAGE_DEALS for status in S.values}


def _team_to_inform(activity: Activity) -> list[User]:
    partner = activity.partner
    users = {member.user_id: member.user for member in partner.team.select_related("user")}
    manager = partner.manager if partner.manager_id else None
    if manager is not None:
        users[manager.pk] = manager
    if activity.author_id is not None:
        users.pop(activity.author_id, None)
    return list(users.values())


@transaction.atomic
def activity_log(
    *,
    activity: Activity,
    author: User | None = None,
    participants: Iterable[User] | None = None,
    contacts: Iterable[Contact] | None = None,
) -> Activity:
    """Create or update an activity; the team is told when the author asked for it. The partner's
    health is recomputed after the commit (activities are a registered health fact, attention.py)."""
    is_new = activity.pk is None
    if is_new and author is not None:
        activity.author = author
    activity.full_clean()
    activity.save()
    if participants is not None:
        activity.participants.set(participants)
    if contacts is not None:
        # Only the partner's own contacts can have been involved.
        activity.contacts.set([c for c in contacts if c.partner_id == activity.partner_id])
    if is_new and activity.inform_team:
        notify(
            recipients=_team_to_inform(activity),
            kind="activity_logged",
            title=f"{activity.partner.name}: {activity.get_kind_display()} – {activity.subject}",
            body=(
                f"{activity.author.get_full_name() or activity.author.get_username() if activity.author else 'Someone'} "
                f"logged a {activity.get_kind_display().lower()} on {formatting.day(activity.occurred_on)}.\n\n{activity.notes}"
            ).strip(),
            url=activity.partner.get_absolute_url() + "#timeline",
        )
    return activity


@transaction.atomic
def activity_mark_follow_up_done(*, activity: Activity, by: User) -> Activity:
    if activity.author_id != by.pk and not user_can(by, Action.MANAGE_PARTNERS):
        raise PermissionDenied("Only the author or a partner manager can close this follow-up.")
    Activity.objects.filter(pk=activity.pk).update(follow_up_done=True)
    activity.follow_up_done = True
    return activity


# Called in the save's transaction when a deal is won (newly or again, after an edit) or leaves won:
# (deal, now won?) -> warnings
# for the person saving. The funds app registers the referral commission (funds/commissions.py);
# activities does not import funds.
DealWonHook = Callable[[Opportunity, bool], list[str]]
DEAL_WON_HOOKS: list[DealWonHook] = []


@transaction.atomic
def opportunity_save(*, opportunity: Opportunity, today: date | None = None) -> Opportunity:
    """Create or edit a deal. A won deal keeps the day it was won (today unless given); a deal that
    leaves won loses it, so it no longer counts as won value of any quarter. Saving a won deal or one
    that leaves won runs DEAL_WON_HOOKS; their warnings are on `opportunity.warnings`."""
    was_won = bool(
        opportunity.pk and Opportunity.objects.select_for_update().filter(pk=opportunity.pk, stage=Opportunity.Stage.WON).exists()
    )
    if opportunity.stage == Opportunity.Stage.WON:
        opportunity.won_on = opportunity.won_on or today or timezone.localdate()
    else:
        opportunity.won_on = None
    opportunity.full_clean()
    opportunity.save()
    opportunity.warnings = []
    is_won = opportunity.stage == Opportunity.Stage.WON
    if is_won or was_won:  # became won, left won, or a won deal was edited (its value, its source)
        for hook in DEAL_WON_HOOKS:
            opportunity.warnings.extend(hook(opportunity, is_won))
    return opportunity


@transaction.atomic
def deal_registration_save(*, registration: DealRegistration) -> DealRegistration:
    """Create or edit the registration's data; status and submitted_at only move by transition."""
    registration.customer_normalized = normalise_customer(registration.customer)
    registration.full_clean()
    if registration.pk:
        # The workflow fields are never taken from a form: keep what the database has.
        current = DealRegistration.objects.select_for_update().values("status", "submitted_at").get(pk=registration.pk)
        registration.status, registration.submitted_at = current["status"], current["submitted_at"]
    save_checked(registration)  # the same registration ID saved twice at once: the form error, not a 500
    return registration


def deal_registration_duplicates(*, registration: DealRegistration) -> list[DealRegistration]:
    """Open registrations of the same partner for the same customer (after normalising the name)."""
    queryset = DealRegistration.objects.filter(
        partner_id=registration.partner_id,
        customer_normalized=normalise_customer(registration.customer),
        status__in=DealRegistration.OPEN_STATUSES,
    ).select_related("owner")
    if registration.pk:
        queryset = queryset.exclude(pk=registration.pk)
    return list(queryset.order_by("-created_at")[:10])


@transaction.atomic
def deal_registration_transition(
    *, registration: DealRegistration, to: str, by: User, expires_on: date | None = None
) -> DealRegistration:
    """Move a registration along the workflow. Locks the row so two people cannot both move it."""
    if to not in S.values:
        raise ValidationError(f'"{to}" is not a registration status.')
    if not user_can(by, TRANSITION_ACTION[to]):
        raise PermissionDenied("You may not change deal registrations.")
    locked = DealRegistration.objects.select_for_update().get(pk=registration.pk)
    if to not in ALLOWED_TRANSITIONS.get(locked.status, frozenset()):
        raise ValidationError(f"A {locked.get_status_display().lower()} registration cannot be marked {S(to).label.lower()}.")
    if to == S.APPROVED:
        locked.expires_on = expires_on or locked.expires_on
        if locked.expires_on is None:
            raise ValidationError({"expires_on": "An approved registration needs its expiry date."})
    if to == S.SUBMITTED:
        locked.submitted_at = timezone.now()
    locked.status = to
    locked.full_clean()
    locked.save(update_fields=["status", "submitted_at", "expires_on", "updated_at"])
    return locked


def deal_registrations_expire(*, today: date) -> int:
    """One conditional UPDATE: approved registrations past their expiry date become expired.
    Safe to run concurrently and repeatedly (a second run finds nothing to change)."""
    return DealRegistration.objects.filter(status=S.APPROVED, expires_on__lt=today).update(
        status=S.EXPIRED, updated_at=timezone.now()
    )


@transaction.atomic
def campaign_save(*, campaign: Campaign, partners: list[Partner] | None = None) -> Campaign:
    if campaign.starts_on:
        campaign.quarter = quarter_of(campaign.starts_on)  # derived; also set again in save()
    if campaign.pk:
        # The brand check is recorded only by its own action, never by a form.
        current = Campaign.objects.select_for_update().values("brand_checked_by", "brand_checked_at").get(pk=campaign.pk)
        campaign.brand_checked_by_id, campaign.brand_checked_at = current["brand_checked_by"], current["brand_checked_at"]
    campaign.full_clean()
    campaign.save()
    if partners is not None:
        campaign.partners.set(partners)
    return campaign


@transaction.atomic
def campaign_brand_check(*, campaign: Campaign, by: User) -> Campaign:
    """Record who checked the brand guidelines, and when."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    locked.brand_checked_by, locked.brand_checked_at = by, timezone.now()
    locked.save(update_fields=["brand_checked_by", "brand_checked_at", "updated_at"])
    return locked


@transaction.atomic
def joint_plan_get_or_create(*, partner: Partner, quarter: str) -> JointPlan:
    existing = JointPlan.objects.filter(partner=partner, quarter=quarter).first()
    if existing:
        return existing
    plan = JointPlan(partner=partner, quarter=quarter)
    plan.full_clean()
    try:
        save_checked(plan, validate=lambda: None)
    except IntegrityError:
        # Someone created the quarter's plan at the same moment (committed now): it is the plan.
        return JointPlan.objects.get(partner=partner, quarter=quarter)
    return plan


@transaction.atomic
def joint_plan_save(*, plan: JointPlan) -> JointPlan:
    plan.full_clean()
    save_checked(plan)
    return plan


@transaction.atomic
def initiative_save(*, initiative: JointPlanInitiative, partner: Partner, quarter: str) -> JointPlanInitiative:
    """Save an initiative; a first initiative creates the quarter's plan in the same transaction."""
    if initiative.plan_id is None:
        initiative.plan = joint_plan_get_or_create(partner=partner, quarter=quarter)
    partner_id = initiative.plan.partner_id
    # Links must point at the plan's own partner's work.
    opportunity, registration, campaign = initiative.opportunity, initiative.deal_registration, initiative.campaign
    if opportunity is not None and opportunity.partner_id != partner_id:
        raise ValidationError({"opportunity": "This deal belongs to another partner."})
    if registration is not None and registration.partner_id != partner_id:
        raise ValidationError({"deal_registration": "This registration belongs to another partner."})
    if campaign is not None and not campaign.partners.filter(pk=partner_id).exists():
        raise ValidationError({"campaign": "This campaign does not include the partner."})
    initiative.full_clean()
    initiative.save()
    return initiative
