"""Activity reminders (docs/design.md): sync meetings due and deal registrations expiring; and the
nightly sweep that marks approved registrations past their expiry date as expired."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse

from partnerhub import formatting
from partnerhub.reminders import DueReminder, each, housekeeping, reminder

from . import selectors, services

REGISTRATION_EXPIRY_LEAD_DAYS = 14


@housekeeping("deal_registrations_expire")
def deal_registrations_expire(today: date) -> int:
    return services.deal_registrations_expire(today=today)


@reminder("sync_meeting_due", label="Sync meetings due")
def sync_meeting_due(today: date) -> Iterator[DueReminder]:
    """The cadence has (almost: the lead time) elapsed since the last sync meeting, to the partner
    manager. Three queries for all partners (partners, their managers, then the last sync per
    partner in one aggregate)."""
    lead = timedelta(days=settings.REMINDER_SYNC_MEETING_LEAD_DAYS)
    source = selectors.sync_meeting_partners().filter(manager__isnull=False)
    # Every partner with a cadence is loaded (most are not due): only the columns used here, and
    # the few managers once each (prefetched, shared) instead of joined into every row.
    partners = list(source.only("pk", "name", "slug", "sync_cadence", "created_at", "manager_id").prefetch_related("manager"))
    statuses = selectors.sync_status_for_partner_objects(partners, today, source=source)
    yield from each(partners, lambda partner: _sync_reminder(partner, statuses[partner.pk], today, lead))


def _sync_reminder(partner, status, today: date, lead: timedelta) -> DueReminder | None:
    if status.next_due is None or status.next_due - lead > today:
        return None
    when = "was due" if status.overdue else "is due"
    return DueReminder(
        obj=partner,
        due_key=status.next_due.isoformat(),
        recipients=[partner.manager],
        title=f"Sync meeting with {partner.name} {when} on {formatting.day(status.next_due)}",
        body=(
            f"{partner.name} has a {partner.get_sync_cadence_display().lower()} sync cadence; the last sync meeting was "
            f"{formatting.day(status.last_sync) if status.last_sync else 'never held'}. "
            "Schedule the next one and log it in PartnerHub."
        ),
        url=partner.get_absolute_url() + "#timeline",
        partner=partner.name,
    )


@reminder("deal_registration_expiring", label="Deal registrations expiring")
def deal_registration_expiring(today: date) -> Iterator[DueReminder]:
    """An approved registration expires within 14 days, to its owner (partner manager if none)."""
    yield from each(selectors.registrations_expiring(today=today, days=REGISTRATION_EXPIRY_LEAD_DAYS), _expiry_reminder)


def _expiry_reminder(registration) -> DueReminder:
    recipient = registration.owner or registration.partner.manager
    return DueReminder(
        obj=registration,
        due_key=registration.expires_on.isoformat(),
        recipients=[recipient],
        title=f"Deal registration for {registration.customer} ({registration.partner.name}) expires on {formatting.day(registration.expires_on)}",
        body=(
            f"The approved registration {registration.registration_id or ''} with {registration.partner.name} for "
            f"{registration.customer} ({formatting.money(registration.value, registration.currency)}) expires on "
            f"{formatting.day(registration.expires_on)}. Ask the partner for an extension or close the deal."
        ).replace("  ", " "),
        url=reverse("activities:registration-edit", kwargs={"pk": registration.pk}),
        partner=registration.partner.name,
    )


@reminder("task_due", label="Tasks due today")
def task_due(today: date) -> Iterator[DueReminder]:
    """An open task is due today, to its assignee."""
    yield from each(selectors.open_tasks().filter(due_on=today), lambda task: _task_reminder(task, today))


@reminder("task_overdue", label="Tasks overdue")
def task_overdue(today: date) -> Iterator[DueReminder]:
    """From the day after its due date, an open task, to its assignee (once per due date and
    assignee: a task moved or reassigned reminds again)."""
    yield from each(selectors.open_tasks().filter(due_on__lt=today), lambda task: _task_reminder(task, today))


def _task_reminder(task, today: date) -> DueReminder:
    overdue = task.due_on < today
    when = f"was due on {formatting.day(task.due_on)}" if overdue else "is due today"
    return DueReminder(
        obj=task,
        due_key=f"{task.due_on.isoformat()}:{task.assignee_id}",
        recipients=[task.assignee],
        title=f"{task.partner.name}: “{task.title}” {when}",
        body=f"Your task “{task.title}” for {task.partner.name} {when}. Mark it done in PartnerHub once it is, or reassign it.",
        url=task.get_absolute_url(),
        partner=task.partner.name,
    )


# Quarterly business reviews of strategic partners: the qbr_due reminder, its inbox item and calendar entry.
from . import qbr  # noqa: E402, F401
