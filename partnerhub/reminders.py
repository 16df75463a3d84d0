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

Failures are isolated (`run_all()`, `run_sweep()`): each sweep runs in its own error boundary (and a
housekeeping sweep in its own transaction, unless registered with `atomic=False` because it delivers
reminders in committed chunks), so one broken sweep cannot stop the others. Within a sweep, code whose
per-object data can fail builds each object's reminder with `each()` (or runs each batch with
`each_batch()`): the failing object is logged with its traceback and skipped, the rest still go out.
Every failure is logged, stored on the sweep's `SweepStatus` row (admin: "Sweep statuses") and
reported by `manage.py run_reminders` (`<kind>: failed: <error>`, exit status 1).
"""

import contextvars
import logging
import operator
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from typing import TypeVar

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from . import metrics
from .models import Notification, ReminderSent, SweepStatus
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
# Housekeeping sweeps that must not run in one transaction (they deliver reminders in committed chunks).
NON_ATOMIC_HOUSEKEEPING: set[str] = set()


def reminder(kind: str) -> Callable[[ReminderSweep], ReminderSweep]:
    def register(sweep: ReminderSweep) -> ReminderSweep:
        REMINDERS[kind] = sweep
        return sweep

    return register


def housekeeping(name: str, *, atomic: bool = True) -> Callable[[HousekeepingSweep], HousekeepingSweep]:
    """`atomic=False` for a sweep that delivers reminders (`deliver_many()` commits each chunk: a sent
    email must keep its committed claim even when something later in the sweep fails)."""

    def register(sweep: HousekeepingSweep) -> HousekeepingSweep:
        HOUSEKEEPING[name] = sweep
        if atomic:
            NON_ATOMIC_HOUSEKEEPING.discard(name)
        else:
            NON_ATOMIC_HOUSEKEEPING.add(name)
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
            # The claim, the notifications and the queued emails commit together; the outbox sends
            # the emails after the commit and retries them if the mail server is down.
            notify(recipients=recipients, kind=kind, title=due.title, body=due.body, url=due.url)
    except IntegrityError:
        return False
    metrics.increment("partnerhub_reminders_sent", kind=kind)
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
        metrics.increment("partnerhub_reminders_failed", len(outgoing), kind=kind, stage="database")
        return 0
    metrics.increment("partnerhub_reminders_sent", len(delivered), kind=kind)
    metrics.increment("partnerhub_reminders_failed", len(failed), kind=kind, stage="send")
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
        metrics.increment("partnerhub_reminders_failed", kind=kind, stage="render")
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
        reduce(
            operator.or_,
            (Q(content_type_id=ct, object_id=pk, due_key=key) for ct, pk, key in (item.claim_key for item in failed)),
        ),
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


# --- failure isolation --------------------------------------------------------------------------------


@dataclass
class ObjectFailure:
    obj: str
    error: str
    traceback: str


@dataclass
class SweepOutcome:
    """What one sweep did in `run_all()`: its count, or why it (or some of its objects) failed."""

    name: str
    kind: str  # "housekeeping" or "reminder"
    count: int = 0
    error: str = ""  # the sweep as a whole failed (nothing after the failure ran)
    traceback: str = ""
    object_failures: list[ObjectFailure] = field(default_factory=list)  # the sweep ran; these objects were skipped

    @property
    def failed(self) -> bool:
        return bool(self.error or self.object_failures)

    def describe(self) -> str:
        """The line `manage.py run_reminders` prints for this sweep."""
        if self.error:
            return f"{self.name}: failed: {self.error}"
        done = f"{self.count} {'updated' if self.kind == 'housekeeping' else 'sent'}"
        if self.object_failures:
            first = self.object_failures[0]
            more = f" and {len(self.object_failures) - 1} more" if len(self.object_failures) > 1 else ""
            return f"{self.name}: {done}; failed: {first.obj}: {first.error}{more}"
        return f"{self.name}: {done}"


class SweepsFailed(Exception):
    """Raised by the Celery task after every sweep ran, when any failed (the task is then recorded as failed)."""


# The object failures of the sweep running now (None outside run_sweep: failures are only logged).
_object_failures: contextvars.ContextVar[list[ObjectFailure] | None] = contextvars.ContextVar(
    "sweep_object_failures", default=None
)

T = TypeVar("T")
R = TypeVar("R")


def _describe_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:500]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _describe_object(obj: object) -> str:
    label = getattr(getattr(obj, "_meta", None), "label", None)
    pk = getattr(obj, "pk", None)
    if label is not None:
        return f"{label} #{pk}"
    return repr(obj)[:200]


def object_failed(obj: object, exc: BaseException) -> None:
    """Log one object's failure with its traceback and record it for the running sweep's report."""
    description = _describe_object(obj)
    logger.error("Sweep object %s failed; skipped, the others still run", description, exc_info=exc)
    failures = _object_failures.get()
    if failures is not None:
        failures.append(
            ObjectFailure(
                description, _describe_error(exc), "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            )
        )


def each(objects: Iterable[T], build: Callable[[T], R | None]) -> Iterator[R]:
    """`build(obj)` for each object, yielding the results that are not None. An object whose data makes
    `build` fail is logged and reported (`object_failed`) and skipped; the other objects still run.
    A database error is not an object's fault: it ends the sweep (its transaction rolls back)."""
    for obj in objects:
        try:
            result = build(obj)
        except DatabaseError:
            raise
        except Exception as exc:
            object_failed(obj, exc)
            continue
        if result is not None:
            yield result


def each_batch(batches: Iterable[Sequence[T] | Iterable[T]], work: Callable[[Sequence[T]], int], *, label: str) -> int:
    """Sum of `work(batch)`. A batch that fails is run again one object (id) at a time, so a poisoned
    row costs only itself: it is reported as `<label> #<id>` and the rest of its batch still runs."""
    total = 0
    for batch in batches:
        try:
            total += work(batch)
            continue
        except DatabaseError:
            raise
        except Exception:
            logger.warning("A %s batch failed; running it again one by one", label, exc_info=True)
        for item in list(batch):
            try:
                total += work([item])
            except DatabaseError:
                raise
            except Exception as exc:
                object_failed(_Labelled(f"{label} #{item}"), exc)
    return total


@dataclass(frozen=True)
class _Labelled:
    text: str

    def __repr__(self) -> str:
        return self.text


def run_sweep(name: str, today: date | None = None) -> SweepOutcome:
    """Run one housekeeping sweep or reminder kind inside its own error boundary and record the outcome.

    A housekeeping sweep runs in one transaction (rolled back entirely when it fails); a reminder
    sweep commits each delivered chunk (`deliver_many()`), so what it sent before a failure stays sent
    and is not sent again. Never raises for the sweep's own failure."""
    today = today or timezone.localdate()
    is_housekeeping = name in HOUSEKEEPING
    outcome = SweepOutcome(name=name, kind="housekeeping" if is_housekeeping else "reminder")
    failures: list[ObjectFailure] = []
    token = _object_failures.set(failures)
    try:
        if is_housekeeping:
            with transaction.atomic() if name not in NON_ATOMIC_HOUSEKEEPING else _savepoint_if_in_transaction():
                outcome.count = run_housekeeping(name, today)
        else:
            with _savepoint_if_in_transaction():
                outcome.count = run_reminder(name, today)
    except Exception as exc:
        logger.exception("Sweep %s failed; the other sweeps still run", name)
        outcome.error = _describe_error(exc)
        outcome.traceback = traceback.format_exc()
    finally:
        _object_failures.reset(token)
    outcome.object_failures = failures
    _record(outcome)
    return outcome


def _savepoint_if_in_transaction():
    """Inside a caller's transaction (a test, a shell session), a failing sweep must not leave it
    unusable for the next sweep: a savepoint. In autocommit (the worker, the command) each chunk and
    batch commits on its own, as the sweep was written."""
    from contextlib import nullcontext

    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


def _record(outcome: SweepOutcome) -> None:
    """The sweep's SweepStatus row: when it last ran, succeeded and failed (with the error) for the admin."""
    now = timezone.now()
    metrics.increment("partnerhub_sweep_runs", sweep=outcome.name, outcome="failure" if outcome.failed else "success")
    if outcome.kind == "reminder":
        metrics.increment("partnerhub_reminders_failed", len(outcome.object_failures), kind=outcome.name, stage="object")
        metrics.increment("partnerhub_reminders_failed", 1 if outcome.error else 0, kind=outcome.name, stage="sweep")
    values: dict = {"last_run_at": now, "last_count": outcome.count}
    if outcome.failed:
        first = outcome.object_failures[0] if outcome.object_failures and not outcome.error else None
        values.update(
            last_failure_at=now,
            last_error=outcome.error or f"{len(outcome.object_failures)} object(s) failed; first: {first.error}",
            last_failed_object=(first.obj if first else "")[:255],
            last_traceback=outcome.traceback or (first.traceback if first else ""),
        )
    else:
        values["last_success_at"] = now
    try:
        with transaction.atomic():
            SweepStatus.objects.update_or_create(name=outcome.name, defaults=values)
    except Exception:  # the report must not turn into a failure of its own (e.g. the database is gone)
        logger.exception("Recording the outcome of sweep %s failed", outcome.name)


def run_all(today: date | None = None) -> dict[str, SweepOutcome]:
    """Housekeeping first (so reminders see fresh state), then every reminder kind; each isolated:
    a failing sweep is reported in its outcome and every other sweep still runs."""
    today = today or timezone.localdate()
    outcomes: dict[str, SweepOutcome] = {}
    for name in sorted(HOUSEKEEPING):
        outcomes[name] = run_sweep(name, today)
    for kind in sorted(REMINDERS):
        outcomes[kind] = run_sweep(kind, today)
    return outcomes
