"""The reminder registry. Each app declares its sweeps in its own `reminders.py`:

    @reminder("contract_notice_deadline")
    def contract_notice_deadline(today: date) -> Iterable[DueReminder]:
        ...yield DueReminder(obj=contract, due_key=str(contract.notice_deadline), ...)

A sweep only says what is due *now* (state-based), so a missed run catches up on the next one.
Delivery is claimed with a unique ReminderSent row: running the same sweep twice, or in two
workers at once, delivers each (kind, object, due key) exactly once. A sweep's reminders are
delivered in chunks (`deliver_many()`): one INSERT of the claims, the emails over one mail
connection, one INSERT of the in-app notifications and one commit per chunk.

`@housekeeping("name")` registers sweeps that change state (e.g. mark registrations expired);
they must be idempotent and return how many rows they changed.
"""

import logging
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import reduce

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import Notification, ReminderSent
from .notifications import active_recipients, emails_for, notifications_for, notify

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
    """Claim and deliver one reminder. False when another run has already claimed it.

    For single events (a report submitted); a sweep delivers in chunks with `deliver_many()`."""
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


# Reminders claimed, sent and committed together. A few round trips per chunk instead of per
# reminder; and what a crash in the middle of a chunk can send twice (see _deliver_chunk).
DELIVERY_CHUNK_SIZE = 200


@dataclass(eq=False)  # compared by identity
class _Outgoing:
    """A due reminder made ready before claiming: its ledger row, notifications and rendered emails."""

    due: DueReminder
    claim: ReminderSent
    notifications: list[Notification]
    emails: list[EmailMultiAlternatives]

    @property
    def claim_key(self) -> tuple[int, int, str]:
        return (self.claim.content_type_id, self.claim.object_id, self.claim.due_key)


def deliver_many(kind: str, dues: Iterable[DueReminder], *, chunk_size: int | None = None) -> int:
    """Deliver each due reminder not delivered before, in chunks. Returns how many this run delivered.

    Same guarantees as `deliver()` one by one: each (kind, object, due key) is claimed by a unique
    ReminderSent row, so a second sweep, even one running at the same moment, sends nothing twice;
    a reminder whose email fails is released and retried by the next run."""
    chunk_size = chunk_size or DELIVERY_CHUNK_SIZE
    seen = already_sent(kind)
    sent = 0
    chunk: list[DueReminder] = []
    for due in dues:
        key = (due.obj.pk, due.due_key)
        if key in seen:
            continue
        seen.add(key)  # a sweep yielding the same reminder twice delivers it once
        chunk.append(due)
        if len(chunk) >= chunk_size:
            sent += _deliver_chunk(kind, chunk)
            chunk = []
    if chunk:
        sent += _deliver_chunk(kind, chunk)
    return sent


def _deliver_chunk(kind: str, dues: Sequence[DueReminder]) -> int:
    """Claim, send and record one chunk in one transaction. Returns how many were delivered.

    The claims and the sending share the transaction, as `deliver()` does for one reminder:
    - an email that fails releases only its own reminder (claim deleted, no notification), before
      the commit; the emails already sent keep their claims, so nothing is sent twice and the
      failed one is retried by the next run. (If a reminder with two recipients fails at the
      second email, the first gets it again on the retry: one duplicate rather than a lost reminder.)
    - a crash or a lost database connection mid-chunk rolls everything back: the next run sends the
      whole chunk again. Committing the claims before sending would instead lose the unsent rest
      of the chunk for good; we prefer a bounded duplicate (at most one chunk) to a lost reminder.
    A concurrent sweep inserting the same claims waits for this transaction and then skips them.
    """
    outgoing = [item for item in (_prepare(kind, due) for due in dues) if item is not None]
    if not outgoing:
        return 0
    try:
        with transaction.atomic():
            claimed = _claim(outgoing)
            delivered = _send(kind, claimed)
            sent_ids = {id(item) for item in delivered}
            failed = [item for item in claimed if id(item) not in sent_ids]
            if failed:
                _release(kind, failed)
            Notification.objects.bulk_create([n for item in delivered for n in item.notifications])
    except Exception:  # the database failed (the emails may be out): the next run retries the whole chunk
        logger.exception("Delivering %d %s reminders failed; they will be retried on the next run", len(outgoing), kind)
        return 0
    return len(delivered)


def _prepare(kind: str, due: DueReminder) -> _Outgoing | None:
    """Build the claim and render the emails. A reminder that cannot be rendered is skipped (and
    logged) before anything is claimed, so it is retried next run without holding up the others."""
    try:
        everyone = [user for user in due.recipients if user is not None]
        active = active_recipients(everyone)
        content = {"kind": kind, "title": due.title, "body": due.body, "url": due.url}
        return _Outgoing(
            due=due,
            claim=ReminderSent(
                kind=kind,
                content_type=ContentType.objects.get_for_model(due.obj),
                object_id=due.obj.pk,
                due_key=due.due_key,
                recipients=", ".join(sorted({user.username for user in everyone})),
            ),
            notifications=notifications_for(active, **content),
            emails=emails_for(active, **content),
        )
    except Exception:
        logger.exception("Reminder %s for %r failed; it will be retried on the next run", kind, due.obj)
        return None


def _claim(outgoing: list[_Outgoing]) -> list[_Outgoing]:
    """Insert the chunk's claims with one INSERT; the ones another sweep has claimed are dropped.

    Rows go in in one global order (content type, object, due key): two sweeps inserting overlapping
    chunks then wait for each other in the same order and cannot deadlock."""
    ordered = sorted(outgoing, key=lambda item: item.claim_key)
    try:
        with transaction.atomic():
            ReminderSent.objects.bulk_create([item.claim for item in ordered])
        return outgoing
    except IntegrityError:
        pass
    # Another sweep claimed some of these since already_sent() (on PostgreSQL, the INSERT waited
    # for its transaction): claim one by one and keep only ours.
    mine = []
    for item in ordered:
        item.claim.pk = None
        try:
            with transaction.atomic():
                item.claim.save(force_insert=True)
        except IntegrityError:
            continue
        mine.append(item)
    mine_ids = {id(item) for item in mine}
    return [item for item in outgoing if id(item) in mine_ids]


def _release(kind: str, failed: list[_Outgoing]) -> None:
    """Delete the claims of reminders that were not sent, so the next run retries them."""
    ReminderSent.objects.filter(
        reduce(operator.or_, (Q(content_type_id=ct, object_id=pk, due_key=key) for ct, pk, key in (item.claim_key for item in failed))),
        kind=kind,
    ).delete()


def _send(kind: str, claimed: list[_Outgoing]) -> list[_Outgoing]:
    """Send the claimed reminders' emails over one mail connection. Returns the delivered ones:
    those whose emails all went out, and those with no email to send."""
    delivered: list[_Outgoing] = []
    connection = None
    mail_down = False
    for item in claimed:
        if not item.emails:
            delivered.append(item)
            continue
        if mail_down:
            continue
        try:
            if connection is None:
                connection = get_connection()
                connection.open()
        except Exception:
            # Not this reminder's fault: keep the rest of the chunk for the next run, log it once.
            logger.exception("No mail connection: %s reminders of this chunk will be retried on the next run", kind)
            mail_down, connection = True, None
            continue
        try:
            for message in item.emails:
                message.connection = connection
                message.send()
        except Exception:  # a refused address or a dropped connection: this one is retried next run
            logger.exception("Reminder %s for %r failed; it will be retried on the next run", kind, item.due.obj)
            _close_quietly(connection)
            connection = None  # the next reminder gets a fresh connection
            continue
        delivered.append(item)
    if connection is not None:
        _close_quietly(connection)
    return delivered


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        logger.warning("Closing the mail connection failed", exc_info=True)


def run_reminder(kind: str, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return deliver_many(kind, REMINDERS[kind](today))


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
