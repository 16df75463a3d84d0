"""Writes for activities. Each service validates the model (constraints included) before saving."""

import re
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
    Task,
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
    by: User | None = None,
    follow_up_assignee: User | None = None,
) -> Activity:
    """Create or update an activity; the team is told when the author asked for it. The partner's
    health is recomputed after the commit (activities are a registered health fact, attention.py).

    A follow-up date makes the follow-up a task (issue 17) of `follow_up_assignee` (else whoever has
    it already, else the author); colleagues newly @mentioned in the notes are notified."""
    is_new = activity.pk is None
    if is_new and author is not None:
        activity.author = author
    acting = by or author
    previous_notes = "" if is_new else (Activity.objects.filter(pk=activity.pk).values_list("notes", flat=True).first() or "")
    activity.full_clean()
    activity.save()
    if participants is not None:
        activity.participants.set(participants)
    if contacts is not None:
        # Only the partner's own contacts can have been involved.
        activity.contacts.set([c for c in contacts if c.partner_id == activity.partner_id])
    follow_up_task_sync(activity=activity, assignee=follow_up_assignee, by=acting)
    _notify_mentions(activity, previous_notes=previous_notes, by=acting)
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


# "@sales" or "@anna.muster" in notes; not the middle of an e-mail address ("x@y.ch").
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")


def mentioned_usernames(*, text: str) -> set[str]:
    return {name.rstrip(".-+@") for name in MENTION.findall(text or "")} - {""}


def _notify_mentions(activity: Activity, *, previous_notes: str, by: User | None) -> None:
    """Each active colleague named with @username for the first time in these notes, once."""
    names = mentioned_usernames(text=activity.notes) - mentioned_usernames(text=previous_notes)
    if not names:
        return
    found = User.objects.filter(username__in=names, is_active=True)
    recipients = list(found.exclude(pk=by.pk) if by is not None else found)
    if not recipients:
        return
    who = formatting.person(by) if by else "Someone"
    title = f"{who} mentioned you: {activity.partner.name} – {activity.subject}"
    body = f"In the {activity.get_kind_display().lower()} of {formatting.day(activity.occurred_on)}:\n\n{activity.notes}"
    url = activity.partner.get_absolute_url() + "#timeline"
    transaction.on_commit(lambda: notify(recipients=recipients, kind="activity_mention", title=title, body=body, url=url))


@transaction.atomic
def activity_mark_follow_up_done(*, activity: Activity, by: User) -> Activity:
    """The follow-up's task is marked done (by the author, the task's assignee or a partner manager)."""
    task = Task.objects.select_for_update().filter(activity=activity).first()
    allowed = (
        activity.author_id == by.pk or user_can(by, Action.MANAGE_PARTNERS) or (task is not None and task.assignee_id == by.pk)
    )
    if not allowed:
        raise PermissionDenied("Only the author, the follow-up's assignee or a partner manager can close this follow-up.")
    if task is not None and task.done_at is None:
        task.done_at, task.done_by = timezone.now(), by
        task.save(update_fields=["done_at", "done_by"])
    Activity.objects.filter(pk=activity.pk).update(follow_up_done=True)
    activity.follow_up_done = True
    return activity


# --- Tasks (issue 17) --------------------------------------------------------------------------


def _check_assignee(assignee: User | None) -> None:
    if assignee is None:
        raise ValidationError({"assignee": "Choose who does it."})
    if not assignee.is_active:
        raise ValidationError(
            {"assignee": f"{formatting.person(assignee)}'s account is inactive; assign the task to someone active."}
        )


def _notify_assigned(task: Task, by: User | None, *, again: bool = False) -> None:
    """Tell the assignee after the commit, unless they assigned it to themselves."""
    if by is not None and task.assignee_id == by.pk:
        return
    who = formatting.person(by) if by else "PartnerHub"
    title = f"{task.partner.name}: “{task.title}” is yours"
    body = f"{who} {'reassigned' if again else 'assigned'} you this task, due {formatting.day(task.due_on)}."
    recipients, url = [task.assignee], task.get_absolute_url()
    transaction.on_commit(lambda: notify(recipients=recipients, kind="task_assigned", title=title, body=body, url=url))


def task_may_change(*, task: Task, user: User) -> bool:
    """Complete, reopen or edit: the assignee, the creator (with the right to manage tasks), a
    partner manager."""
    if not user.is_authenticated or not user.is_active:
        return False
    if task.assignee_id == user.pk or user_can(user, Action.MANAGE_PARTNERS):
        return True
    return task.created_by_id == user.pk and user_can(user, Action.MANAGE_TASKS)


def task_may_reassign(*, task: Task, user: User) -> bool:
    """Reassign: one's own task (assigned or created) with the right to manage tasks; a partner
    manager anyone's."""
    if user_can(user, Action.MANAGE_PARTNERS):
        return True
    return user_can(user, Action.MANAGE_TASKS) and user.pk in (task.assignee_id, task.created_by_id)


@transaction.atomic
def task_save(*, task: Task, by: User, source=None) -> Task:
    """Create a task (by hand, from a partner page, from any record as `source`) or edit one.
    The assignee is told when someone else gave it to them."""
    previous_assignee: int | None = None
    if task.pk is None:
        if not user_can(by, Action.MANAGE_TASKS):
            raise PermissionDenied("You may not create tasks.")
        task.created_by = by
        if source is not None:
            task.source = source
    else:
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if not task_may_change(task=locked, user=by):
            raise PermissionDenied("Only the task's assignee, its creator or a partner manager can change it.")
        previous_assignee = locked.assignee_id
        if task.assignee_id != previous_assignee and not task_may_reassign(task=locked, user=by):
            raise PermissionDenied("You may not reassign this task.")
        # Never taken from a form: what the database has.
        task.done_at, task.done_by_id, task.created_by_id = locked.done_at, locked.done_by_id, locked.created_by_id
        task.activity_id, task.source_type_id, task.source_id = locked.activity_id, locked.source_type_id, locked.source_id
    _check_assignee(task.assignee if task.assignee_id else None)
    task.full_clean()
    task.save()
    if task.assignee_id != previous_assignee:
        _notify_assigned(task, by, again=previous_assignee is not None)
    return task


def _locked_task(task_id: int) -> Task:
    return Task.objects.select_for_update(of=("self",)).select_related("partner", "done_by").get(pk=task_id)


@transaction.atomic
def task_complete(*, task_id: int, by: User) -> Task:
    """Mark a task done. The row is locked: of two people completing it at once, the second is told
    who was first (and nothing changes). A follow-up's activity shows it done too."""
    task = _locked_task(task_id)
    if not task_may_change(task=task, user=by):
        raise PermissionDenied("Only the task's assignee, its creator or a partner manager can mark it done.")
    if task.done_at is not None:
        who = formatting.person(task.done_by) if task.done_by_id else "someone"
        raise ValidationError(f"“{task.title}” was already marked done by {who} on {formatting.moment(task.done_at)}.")
    task.done_at, task.done_by = timezone.now(), by
    task.save(update_fields=["done_at", "done_by"])
    if task.activity_id:
        Activity.objects.filter(pk=task.activity_id).update(follow_up_done=True)
    return task


@transaction.atomic
def task_reopen(*, task_id: int, by: User) -> Task:
    task = _locked_task(task_id)
    if not task_may_change(task=task, user=by):
        raise PermissionDenied("Only the task's assignee, its creator or a partner manager can reopen it.")
    if task.done_at is None:
        raise ValidationError(f"“{task.title}” is open already.")
    task.done_at, task.done_by = None, None
    task.save(update_fields=["done_at", "done_by"])
    if task.activity_id:
        Activity.objects.filter(pk=task.activity_id).update(follow_up_done=False)
    return task


@transaction.atomic
def task_reassign(*, task_id: int, assignee: User | None, by: User) -> Task:
    task = _locked_task(task_id)
    if not task_may_reassign(task=task, user=by):
        raise PermissionDenied("Only the task's assignee, its creator or a partner manager can reassign it.")
    if task.done_at is not None:
        raise ValidationError("This task is done; reopen it before you reassign it.")
    _check_assignee(assignee)
    assert assignee is not None
    if assignee.pk == task.assignee_id:
        return task
    task.assignee = assignee
    task.full_clean()
    task.save(update_fields=["assignee"])
    _notify_assigned(task, by, again=True)
    return task


@transaction.atomic  # also when called on its own (the demo seeder): the task row is locked
def follow_up_task_sync(*, activity: Activity, assignee: User | None = None, by: User | None = None) -> Task | None:
    """Keep an activity's follow-up task in step with the activity (called in its save's transaction):
    a follow-up date makes (or moves) the task; clearing the date removes an open one. The task is
    the given assignee's (else the current one's, the author's, the partner manager's)."""
    task = Task.objects.select_for_update().filter(activity=activity).first()
    if activity.follow_up_on is None:
        if task is not None and task.done_at is None:
            task.delete()
        return None
    if assignee is not None:
        try:
            _check_assignee(assignee)
        except ValidationError:
            raise ValidationError({"follow_up_assignee": "This person's account is inactive; choose someone active."}) from None
    owner = assignee or (task.assignee if task else None) or activity.author or activity.partner.manager
    if owner is None:
        return None  # nobody to own it (no author, no partner manager): it stays a date on the activity
    previous: int | None = None
    if task is None:
        task = Task(activity=activity, created_by=by or activity.author)
        if activity.follow_up_done:
            task.done_at = timezone.now()
    else:
        previous = task.assignee_id
    task.title, task.partner, task.due_on, task.assignee = (
        f"Follow up: {activity.subject}"[:200],
        activity.partner,
        activity.follow_up_on,
        owner,
    )
    task.full_clean()
    task.save()
    if task.assignee_id != previous and task.done_at is None:
        _notify_assigned(task, by, again=previous is not None)
    return task


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
