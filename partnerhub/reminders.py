"""The reminder registry. Each app declares its sweeps in its own `reminders.py`:

    @reminder("contract_notice_deadline")
    def contract_notice_deadline(today: date) -> Iterable[DueReminder]:
        ...yield DueReminder(obj=contract, due_key=str(contract.notice_deadline), ...)

A sweep only says what is due *now* (state-based), so a missed run catches up on the next one.
Delivery is claimed with a unique ReminderSent row: running the same sweep twice, or in two
workers at once, delivers each (kind, object, due key) exactly once.

`@housekeeping("name")` registers sweeps that change state (e.g. mark registrations expired);
they must be idempotent and return how many rows they changed.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import ReminderSent
from .notifications import notify

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueReminder:
    obj: models.Model
    due_key: str
    recipients: Sequence[User]
    title: str
    body: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict)


ReminderSweep = Callable[[date], Iterable[DueReminder]]
HousekeepingSweep = Callable[[date], int]

REMINDERS: dict[str, ReminderSweep] = {}
HOUSEKEEPING: dict[str, HousekeepingSweep] = {}


def reminder(kind: str) -> Callable[[ReminderSweep], ReminderSweep]:
    def register(sweep: ReminderSweep) -> ReminderSweep:
        REMINDERS[kind] = sweep
        return sweep

    return register


def housekeeping(name: str) -> Callable[[HousekeepingSweep], HousekeepingSweep]:
    def register(sweep: HousekeepingSweep) -> HousekeepingSweep:
        HOUSEKEEPING[name] = sweep
        return sweep

    return register


def discover() -> None:
    autodiscover_modules("reminders")


def deliver(kind: str, due: DueReminder) -> bool:
    """Claim and deliver one reminder. False when another run has already claimed it."""
    recipients = [user for user in due.recipients if user is not None]
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                kind=kind,
                content_type=ContentType.objects.get_for_model(due.obj),
                object_id=due.obj.pk,
                due_key=due.due_key,
                recipients=", ".join(sorted({user.username for user in recipients})),
            )
            # Inside the transaction: if sending fails, the claim rolls back and the next run retries.
            notify(recipients=recipients, kind=kind, title=due.title, body=due.body, url=due.url)
    except IntegrityError:
        return False
    return True


def already_sent(kind: str) -> set[tuple[int, str]]:
    """(object id, due key) pairs already delivered for a kind: skips known ones without an INSERT each."""
    return set(ReminderSent.objects.filter(kind=kind).values_list("object_id", "due_key"))


def run_reminder(kind: str, today: date | None = None) -> int:
    today = today or timezone.localdate()
    sent_before = already_sent(kind)
    sent = 0
    for due in REMINDERS[kind](today):
        if (due.obj.pk, due.due_key) in sent_before:
            continue
        try:
            if deliver(kind, due):
                sent += 1
        except Exception:  # a bad row or a mail outage must not stop the other reminders
            logger.exception("Reminder %s for %r failed; it will be retried on the next run", kind, due.obj)
    return sent


def run_housekeeping(name: str, today: date | None = None) -> int:
    return HOUSEKEEPING[name](today or timezone.localdate())


def run_all(today: date | None = None) -> dict[str, int]:
    """Housekeeping first (so reminders see fresh state), then every reminder kind."""
    today = today or timezone.localdate()
    results: dict[str, int] = {}
    for name in sorted(HOUSEKEEPING):
        results[name] = run_housekeeping(name, today)
    for kind in sorted(REMINDERS):
        results[kind] = run_reminder(kind, today)
    return results
