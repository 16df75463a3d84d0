"""Partner reminders: contract notice deadlines, supplier-risk reviews, overdue onboarding steps and
expiring collateral (docs/design.md)."""

from collections.abc import Iterator
from datetime import date

from django.conf import settings
from django.urls import reverse

from partnerhub import formatting
from partnerhub.reminders import DueReminder, each, reminder

from . import selectors


@reminder("contract_notice_deadline", label="Contract notice deadlines")
def contract_notice_deadline(today: date) -> Iterator[DueReminder]:
    """Notice deadline within the lead time (60 days by default), to the partner manager."""
    yield from each(selectors.notice_deadlines_soon(today=today, days=settings.REMINDER_CONTRACT_NOTICE_DAYS), _contract_reminder)


def _contract_reminder(contract) -> DueReminder:
    partner = contract.partner
    return DueReminder(
        obj=contract,
        due_key=contract.notice_deadline.isoformat(),
        recipients=[partner.manager],
        title=f"Notice deadline for {contract.title} ({partner.name}) on {formatting.day(contract.notice_deadline)}",
        body=(
            f'The {contract.get_kind_display()} "{contract.title}" with {partner.name} ends on '
            f"{formatting.day(contract.end_date)}. Give notice by {formatting.day(contract.notice_deadline)} "
            f"if it should not {'renew' if contract.auto_renew else 'lapse unnoticed'}."
        ),
        url=partner.get_absolute_url() + "#contracts",
        partner=partner.name,
    )


@reminder("supplier_risk_review_due", label="Supplier risk reviews due")
def supplier_risk_review_due(today: date) -> Iterator[DueReminder]:
    """The newest assessment's review date has come, to the partner manager."""
    due = (
        selectors.risk_reviews_due_by(day=today)
        .select_related(None)
        .select_related("partner")
        .only(
            "pk", "partner", "risk_level", "assessed_on", "next_review_due", "partner__name", "partner__slug", "partner__manager"
        )
        .prefetch_related("partner__manager")  # a few managers, loaded once each
    )
    yield from each(due, _risk_review_reminder)


def _risk_review_reminder(assessment) -> DueReminder:
    partner = assessment.partner
    return DueReminder(
        obj=assessment,
        due_key=assessment.next_review_due.isoformat(),
        recipients=[partner.manager],
        title=f"Supplier risk review due for {partner.name}",
        body=(
            f"The supplier risk assessment of {partner.name} ({assessment.get_risk_level_display()} risk, "
            f"last assessed {formatting.day(assessment.assessed_on)}) was due for review on "
            f"{formatting.day(assessment.next_review_due)}."
        ),
        url=partner.get_absolute_url() + "#risk",
        partner=partner.name,
    )


@reminder("onboarding_step_overdue", label="Onboarding steps overdue")
def onboarding_step_overdue(today: date) -> Iterator[DueReminder]:
    """An open step of a running onboarding is past its due date, to its owner and the partner manager."""
    yield from each(selectors.open_onboarding_steps(today=today).filter(due_on__lt=today), _onboarding_step_reminder)


def _onboarding_step_reminder(step) -> DueReminder:
    partner = step.onboarding.partner
    owner = formatting.person(step.owner) if step.owner_id else "nobody"
    return DueReminder(
        obj=step,
        due_key=step.due_on.isoformat(),
        recipients=[step.owner, partner.manager],
        title=f"{partner.name} onboarding: “{step.title}” was due on {formatting.day(step.due_on)}",
        body=(
            f"The onboarding step “{step.title}” of {partner.name} (owner: {owner}) was due on "
            f"{formatting.day(step.due_on)} and is still open. Tick it when it is done, or give it a new date."
        ),
        url=partner.get_absolute_url() + "#onboarding",
        partner=partner.name,
    )


# Collateral: a reminder 30 days before its valid-until date and one on the day (a run that missed the
# day still sends it for 7 days), unless a newer item of the same kind and language replaces it.
COLLATERAL_EXPIRY_THRESHOLDS = (0, 30)
COLLATERAL_EXPIRED_GRACE_DAYS = 7


@reminder("collateral_expiring", label="Collateral expiring")
def collateral_expiring(today: date) -> Iterator[DueReminder]:
    """To the partner manager and whoever uploaded it."""
    due = selectors.collateral_expiring(today=today, before=COLLATERAL_EXPIRY_THRESHOLDS[-1], after=COLLATERAL_EXPIRED_GRACE_DAYS)
    yield from each(due, lambda item: _collateral_expiry_reminder(item, today))


def _collateral_expiry_reminder(item, today: date) -> DueReminder | None:
    days_left = (item.valid_until - today).days
    threshold = next((t for t in COLLATERAL_EXPIRY_THRESHOLDS if t >= max(days_left, 0)), None)
    if threshold is None:
        return None
    partner = item.partner
    until = formatting.day(item.valid_until)
    if days_left > 0:
        when = f"expires in {days_left} day{'s' if days_left != 1 else ''} ({until})"
    elif days_left == 0:
        when = f"expires today ({until})"
    else:
        when = f"expired on {until}"
    return DueReminder(
        obj=item,
        due_key=f"{item.valid_until.isoformat()}:{threshold}d",
        recipients=[partner.manager, item.uploaded_by],
        title=f"{partner.name}: {item.get_kind_display()} “{item.title}” {when}",
        body=(
            f"The {item.get_kind_display().lower()} “{item.title}”"
            f"{f' (version {item.version})' if item.version else ''} of {partner.name} {when}. "
            "Upload the current version to the library, or ask the partner for it; the library shows it as "
            "expired after that date."
        ),
        url=reverse("partners:collateral") + f"?partner={partner.pk}&kind={item.kind}",
        partner=partner.name,
    )
