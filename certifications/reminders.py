"""certification_expiring: 90, 30 and 7 days before expiry and on the expiry day (docs/design.md);
certification_compliance: the stored compliance of every program level, moved to the new day."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.urls import reverse

from partnerhub import formatting
from partnerhub.reminders import DueReminder, each, each_batch, housekeeping, reminder

from . import selectors, services
from .compliance import levels_lost_at_expiry
from .models import ProgramLevel

COMPLIANCE_SWEEP_BATCH = 100

THRESHOLDS = (0, 7, 30, 90)
# A run missed on the expiry day still sends the "0d" reminder for this many days afterwards.
EXPIRED_GRACE_DAYS = 7


def threshold_for(days_left: int) -> int | None:
    """The smallest threshold not below the days left: a run that missed "30d" sends it at 25 days."""
    return next((t for t in THRESHOLDS if t >= max(days_left, 0)), None)


def _when(days_left: int, expires_on: date) -> str:
    if days_left > 0:
        return f"expires in {days_left} day{'s' if days_left != 1 else ''} ({formatting.day(expires_on)})"
    if days_left == 0:
        return f"expires today ({formatting.day(expires_on)})"
    return f"expired on {formatting.day(expires_on)}"


@reminder("certification_expiring", label="Certifications expiring")
def certification_expiring(today: date) -> Iterator[DueReminder]:
    """To the holder and the issuing partner's manager. One query selects the due holdings (the
    expiry index serves the window); the levels at stake are computed in bulk for all of them."""
    due = list(
        selectors.holdings_expiring_between(
            start=today - timedelta(days=EXPIRED_GRACE_DAYS), end=today + timedelta(days=THRESHOLDS[-1])
        )
    )
    losses = levels_lost_at_expiry(due, today=today)
    yield from each(due, lambda holding: _expiry_reminder(holding, today, losses))


def _expiry_reminder(holding, today: date, losses) -> DueReminder | None:
    days_left = (holding.expires_on - today).days
    threshold = threshold_for(days_left)
    if threshold is None:
        return None
    cert, holder = holding.certification, holding.holder
    person = holder.get_full_name() or holder.get_username()
    lost = losses.get(holding.pk, [])
    if lost:
        stakes = (
            "Without a renewal VSHN would no longer meet: "
            + "; ".join(
                f"{loss.level.partner.name} {loss.level.name}{' (the level held now)' if loss.held else ''} – {loss.requirement_text}"
                for loss in lost
            )
            + "."
        )
    else:
        stakes = "No program level falls below its requirements when it expires, but please renew it in time."
    at_stake = f" – {lost[0].level.partner.name} {lost[0].level.name} at stake" if lost else ""
    when = _when(days_left, holding.expires_on)
    issued = f"({cert.code}, issued by {cert.partner.name})"
    return DueReminder(
        obj=holding,
        due_key=f"{threshold}d",
        recipients=[holder, cert.partner.manager],
        title=f"{person}'s {cert.name} {when}{at_stake}",
        body=f"{person}'s certification {cert.name} {issued} {when}. {stakes} Record the renewal under My certifications.",
        url=reverse("certifications:holding-edit", kwargs={"pk": holding.pk}),
        partner=cert.partner.name,
        # The holder reads about their own certification: "Your …", not their own name after "Hello Sam".
        personal={
            holder.pk: (
                f"Your {cert.name} {when}{at_stake}",
                f"Your certification {cert.name} {issued} {when}. {stakes} Record the renewal under My certifications.",
            )
        },
    )


@housekeeping("certification_compliance")
def certification_compliance(today: date) -> int:
    """Recompute every program level's stored compliance for `today` (idempotent: a second run the same
    day changes nothing; concurrent runs store the same values). Holding writes and admin edits refresh
    their levels at once; this sweep also moves each level's "today" and 90-day horizon on by a day, and
    catches changes nothing else sees: people deactivated, admin bulk actions, edits in the shell.
    Housekeeping runs in name order, so partner_health (whose certification check reads this) runs after it."""
    partner_ids = sorted(set(ProgramLevel.objects.order_by().values_list("partner_id", flat=True).distinct()))
    batches = [
        partner_ids[start : start + COMPLIANCE_SWEEP_BATCH] for start in range(0, len(partner_ids), COMPLIANCE_SWEEP_BATCH)
    ]
    # A partner whose data fails the computation is reported and skipped; the other partners are stored.
    return each_batch(
        batches, lambda batch: services.compliance_refresh(partner_ids=batch, today=today), label="partners.Partner"
    )
