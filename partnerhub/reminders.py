"""The reminder registry. Each app declares its sweeps in its own `reminders.py`:

    @reminder("contract_notice_deadline")
    def contract_notice_deadline(today: date) -> Iterable[DueReminder]:
        ...yield DueReminder(obj=contract, due_key=str(contract.notice_deadline), ...)

A sweep only says what is due *now* (state-based), so a missed run catches up on the next one.
Delivery is claimed with a unique ReminderSent row: running the same sweep twice, or in two
workers at once, delivers each (kind, object, due key) exactly once. A run's reminders of every
kind are delivered together (`deliver_digest()`): one INSERT of the claims, the emails over one mail
connection, one INSERT of the in-app notifications and one commit per chunk. Each person gets at
most one email per run: the reminder itself when there is one, else a digest grouped by kind and
partner (`@reminder("kind", label="Kinds in words")` names the digest's sections); kinds a person
chose in their NotificationSettings come one email per reminder. In-app: one notification per reminder.

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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
from .models import Notification, NotificationSettings, ReminderSent, SweepStatus
from .notifications import DigestEntry, active_recipients, digest_email, emails_for, notifications_for, notify
from .registry import Registry

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
    # The partner's name: the digest groups a person's reminders by kind and then by partner.
    partner: str = ""
    # Other words for some recipients, by user id: {holder.pk: ("Your … expires", "…")}, so the holder
    # is not told "Sam Sales's certification expires" after "Hello Sam".
    personal: dict[int, tuple[str, str]] = field(default_factory=dict)


ReminderSweep = Callable[[date], Iterable[DueReminder]]
HousekeepingSweep = Callable[[date], int]

# Registries (partnerhub/registry.py): a kind or name registered twice is refused at import time.
REMINDERS: Registry[str, ReminderSweep] = Registry("reminders")
# Each kind in words (plural, as a heading in the digest): "Certifications expiring".
REMINDER_LABELS: dict[str, str] = {}
HOUSEKEEPING: Registry[str, HousekeepingSweep] = Registry("housekeeping sweeps")
# Housekeeping sweeps that must not run in one transaction (they deliver reminders in committed chunks).
NON_ATOMIC_HOUSEKEEPING: set[str] = set()


def reminder(kind: str, *, label: str = "") -> Callable[[ReminderSweep], ReminderSweep]:
    def register(sweep: ReminderSweep) -> ReminderSweep:
        REMINDERS.register(kind, sweep)
        REMINDER_LABELS[kind] = label or kind.replace("_", " ").capitalize()
        return sweep

    return register


def housekeeping(name: str, *, atomic: bool = True) -> Callable[[HousekeepingSweep], HousekeepingSweep]:
    """`atomic=False` for a sweep that delivers reminders (`deliver_many()` commits each chunk: a sent
    email must keep its committed claim even when something later in the sweep fails)."""

    def register(sweep: HousekeepingSweep) -> HousekeepingSweep:
        HOUSEKEEPING.register(name, sweep)
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


# Rows per INSERT of claims and notifications (a run's delivery is one transaction; see deliver_digest).
DELIVERY_CHUNK_SIZE = 500


@dataclass(eq=False)  # compared by identity
class _Outgoing:
    """A due reminder made ready before claiming: its ledger row, its notifications, and per recipient
    with an address the text that goes into their email (personalised where the reminder says so)."""

    kind: str
    due: DueReminder
    claim: ReminderSent
    notifications: list[Notification]
    mail_to: list[User]

    @property
    def claim_key(self) -> tuple[int, int, str]:
        return (self.claim.content_type_id, self.claim.object_id, self.claim.due_key)

    def content_for(self, user: User) -> tuple[str, str]:
        return self.due.personal.get(user.pk, (self.due.title, self.due.body))


def deliver_many(kind: str, dues: Iterable[DueReminder]) -> int:
    """Deliver each due reminder of one kind not delivered before. Returns how many this run delivered."""
    return deliver_digest({kind: dues}).get(kind, 0)


def deliver_digest(dues_by_kind: Mapping[str, Iterable[DueReminder]]) -> dict[str, int]:
    """Deliver the due reminders of one sweep run (any number of kinds). Returns how many were delivered per kind.

    Each person gets at most ONE email for the whole run: the one reminder itself when there is only
    one, otherwise a digest grouped by kind and partner (notifications.digest_email). Kinds a person
    chose in their NotificationSettings come as one email per reminder instead. In-app notifications
    stay one per reminder and person.

    Same guarantees as `deliver()` one by one: each (kind, object, due key) is claimed by a unique
    ReminderSent row, so a second run, even one running at the same moment, sends nothing twice;
    a reminder whose email fails is released and retried by the next run."""
    counts = {kind: 0 for kind in dues_by_kind}
    outgoing: list[_Outgoing] = []
    lists = {kind: list(dues) for kind, dues in dues_by_kind.items()}
    # The content types of every object at once (cached afterwards), not one lookup per model.
    ContentType.objects.get_for_models(*{type(due.obj) for dues in lists.values() for due in dues})
    for kind, dues in lists.items():
        seen = already_sent(kind)
        for due in dues:
            key = (due.obj.pk, due.due_key)
            if key in seen:
                continue
            seen.add(key)  # a sweep yielding the same reminder twice delivers it once
            item = _prepare(kind, due)
            if item is not None:
                outgoing.append(item)
    for item in _deliver(outgoing):
        counts[item.kind] += 1
    return counts


def _deliver(outgoing: Sequence[_Outgoing]) -> list[_Outgoing]:
    """Claim, send and record a run's reminders in one transaction. Returns the delivered reminders.
    (One transaction, not chunks: a person's email must carry all their reminders of the run.)

    The claims and the sending share the transaction, as `deliver()` does for one reminder:
    - an email that fails releases the reminders in it (claims deleted, no notifications), before
      the commit; the others keep their claims, so nothing is sent twice and the failed ones are
      retried by the next run. (A failed reminder that already reached another person in their
      digest reaches them again on the retry: a duplicate rather than a lost reminder.)
    - a crash or a lost database connection mid-run rolls everything back: the next run sends it all
      again. Committing the claims before sending would instead lose the unsent rest for good; we
      prefer a bounded duplicate (at most one email per person) to a lost reminder.
    A concurrent sweep inserting the same claims waits for this transaction and then skips them.
    """
    if not outgoing:
        return []
    try:
        with transaction.atomic():
            claimed = _claim(list(outgoing))
            failed = _send(claimed)
            if failed:
                _release(failed)
            delivered = [item for item in claimed if item not in failed]
            Notification.objects.bulk_create(
                [n for item in delivered for n in item.notifications], batch_size=DELIVERY_CHUNK_SIZE
            )
    except Exception:  # the database failed (the emails may be out): the next run retries the whole chunk
        logger.exception("Delivering %d reminders failed; they will be retried on the next run", len(outgoing))
        for kind, count in Counter(item.kind for item in outgoing).items():
            metrics.increment("partnerhub_reminders_failed", count, kind=kind, stage="database")
        return []
    for kind, count in Counter(item.kind for item in delivered).items():
        metrics.increment("partnerhub_reminders_sent", count, kind=kind)
    for kind, count in Counter(item.kind for item in failed).items():
        metrics.increment("partnerhub_reminders_failed", count, kind=kind, stage="send")
    return delivered


def _prepare(kind: str, due: DueReminder) -> _Outgoing | None:
    """Build the claim and the notifications. A reminder that cannot be prepared is skipped (and
    logged) before anything is claimed, so it is retried next run without holding up the others."""
    try:
        everyone = [user for user in due.recipients if user is not None]
        active = active_recipients(everyone)
        notifications = []
        for user in active:
            title, body = due.personal.get(user.pk, (due.title, due.body))
            notifications.extend(notifications_for([user], kind=kind, title=title, body=body, url=due.url))
        return _Outgoing(
            kind=kind,
            due=due,
            claim=ReminderSent(
                kind=kind,
                content_type=ContentType.objects.get_for_model(due.obj),
                object_id=due.obj.pk,
                due_key=due.due_key,
                recipients=", ".join(sorted({user.username for user in everyone})),
            ),
            notifications=notifications,
            mail_to=[user for user in active if user.email],
        )
    except Exception:
        logger.exception("Reminder %s for %r failed; it will be retried on the next run", kind, due.obj)
        metrics.increment("partnerhub_reminders_failed", kind=kind, stage="render")
        return None


def _claim(outgoing: list[_Outgoing]) -> list[_Outgoing]:
    """Insert the chunk's claims with one INSERT; the ones another sweep has claimed are dropped.

    Rows go in in one global order (kind, content type, object, due key): two sweeps inserting
    overlapping chunks then wait for each other in the same order and cannot deadlock."""
    ordered = sorted(outgoing, key=lambda item: (item.kind, *item.claim_key))
    try:
        with transaction.atomic():
            ReminderSent.objects.bulk_create([item.claim for item in ordered], batch_size=DELIVERY_CHUNK_SIZE)
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


def _release(failed: Iterable[_Outgoing]) -> None:
    """Delete the claims of reminders that were not sent, so the next run retries them."""
    ReminderSent.objects.filter(
        reduce(
            operator.or_,
            (
                Q(kind=item.kind, content_type_id=ct, object_id=pk, due_key=key)
                for item in failed
                for ct, pk, key in [item.claim_key]
            ),
        )
    ).delete()


def immediate_kinds(user_ids: Iterable[int]) -> dict[int, set[str]]:
    """The kinds each person wants one by one instead of in the digest (one query)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = NotificationSettings.objects.filter(user_id__in=ids).values_list("user_id", "immediate_kinds")
    return {user_id: set(kinds or []) for user_id, kinds in rows}


def _messages_for(
    user: User, items: list[_Outgoing], immediate: set[str]
) -> list[tuple[EmailMultiAlternatives, list[_Outgoing]]]:
    """The emails for one person in this run, each with the reminders it carries."""
    single = [item for item in items if item.kind in immediate]
    grouped = [item for item in items if item.kind not in immediate]
    if len(grouped) == 1:  # one reminder: the reminder itself, not a digest of one
        single, grouped = single + grouped, []
    messages: list[tuple[EmailMultiAlternatives, list[_Outgoing]]] = []
    for item in single:
        title, body = item.content_for(user)
        messages.extend(
            (message, [item]) for message in emails_for([user], kind=item.kind, title=title, body=body, url=item.due.url)
        )
    if grouped:
        entries = []
        for item in grouped:
            title, body = item.content_for(user)
            entries.append(
                DigestEntry(
                    kind=item.kind,
                    label=REMINDER_LABELS.get(item.kind) or item.kind.replace("_", " ").capitalize(),
                    partner=item.due.partner,
                    title=title,
                    body=body,
                    url=item.due.url,
                )
            )
        messages.append((digest_email(user, entries), grouped))
    return messages


def _send(claimed: list[_Outgoing]) -> set[_Outgoing]:
    """Send each person's email(s) for the claimed reminders over one mail connection. Returns the
    reminders that failed: those that did not reach every recipient with an address."""
    by_user: dict[int, tuple[User, list[_Outgoing]]] = {}
    for item in claimed:
        for user in item.mail_to:
            by_user.setdefault(user.pk, (user, []))[1].append(item)
    if not by_user:
        return set()
    preferences = immediate_kinds(by_user)
    reached: dict[int, set[int]] = {id(item): set() for item in claimed}
    failed: set[_Outgoing] = set()
    connection = None
    mail_down = False
    for user_id, (user, items) in by_user.items():
        items = [item for item in items if item not in failed]  # a failed reminder is retried whole next run
        if not items:
            continue
        try:
            messages = _messages_for(user, items, preferences.get(user_id, set()))
        except Exception:
            logger.exception("Rendering the reminder email to %s failed; its reminders are retried next run", user)
            failed.update(items)
            continue
        for message, carried in messages:
            if connection is None:
                try:
                    connection = get_connection()
                    connection.open()
                except Exception:
                    # Not this email's fault: everything not sent yet waits for the next run; logged once.
                    logger.exception("No mail connection: the reminders not sent yet will be retried on the next run")
                    connection, mail_down = None, True
                    break
            try:
                message.connection = connection
                message.send()
            except Exception:  # a refused address or a dropped connection: these reminders are retried next run
                logger.exception("Reminder email to %s failed; its reminders will be retried on the next run", user)
                failed.update(carried)
                _close_quietly(connection)
                connection = None  # the next email gets a fresh connection
                continue
            for item in carried:
                reached[id(item)].add(user_id)
        if mail_down:
            break
    if connection is not None:
        _close_quietly(connection)
    failed.update(item for item in claimed if not {user.pk for user in item.mail_to} <= reached[id(item)])
    return failed


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        logger.warning("Closing the mail connection failed", exc_info=True)


def run_reminder(kind: str, today: date | None = None) -> int:
    """One kind on its own (tests, the shell); sweep runs go through `run_sweep()` / `run_all()`."""
    today = today or timezone.localdate()
    return deliver_many(kind, REMINDERS[kind](today))


def collect_due(kind: str, today: date, into: list[DueReminder]) -> None:
    """What one reminder sweep says is due, appended to `into` (kept up to a failure of the sweep)."""
    into.extend(REMINDERS[kind](today))


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


def each_batch(batches: Iterable[Sequence[T]], work: Callable[[Sequence[T]], int], *, label: str) -> int:
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
    sweep delivers what it found due before a failure (`deliver_digest()`), so that stays sent
    and is not sent again. Never raises for the sweep's own failure."""
    today = today or timezone.localdate()
    is_housekeeping = name in HOUSEKEEPING
    outcome = SweepOutcome(name=name, kind="housekeeping" if is_housekeeping else "reminder")
    failures: list[ObjectFailure] = []
    token = _object_failures.set(failures)
    try:
        if not is_housekeeping:
            return _run_reminder_sweeps([name], today)[name]
        with transaction.atomic() if name not in NON_ATOMIC_HOUSEKEEPING else _savepoint_if_in_transaction():
            outcome.count = run_housekeeping(name, today)
    except Exception as exc:
        logger.exception("Sweep %s failed; the other sweeps still run", name)
        outcome.error = _describe_error(exc)
        outcome.traceback = traceback.format_exc()
    finally:
        _object_failures.reset(token)
    outcome.object_failures = failures
    _record(outcome)
    return outcome


def _run_reminder_sweeps(kinds: Sequence[str], today: date) -> dict[str, SweepOutcome]:
    """Each kind's sweep in its own error boundary collects what is due; then everything is delivered
    together, so each person gets one email for the whole run (`deliver_digest()`)."""
    outcomes: dict[str, SweepOutcome] = {}
    collected: dict[str, list[DueReminder]] = {}
    for kind in kinds:
        outcome = outcomes[kind] = SweepOutcome(name=kind, kind="reminder")
        failures: list[ObjectFailure] = []
        dues: list[DueReminder] = collected.setdefault(kind, [])
        token = _object_failures.set(failures)
        try:
            with _savepoint_if_in_transaction():
                collect_due(kind, today, dues)
        except Exception as exc:  # what it found before failing is still delivered
            logger.exception("Sweep %s failed; the other sweeps still run", kind)
            outcome.error = _describe_error(exc)
            outcome.traceback = traceback.format_exc()
        finally:
            _object_failures.reset(token)
        outcome.object_failures = failures
    counts: dict[str, int] = {}
    try:
        with _savepoint_if_in_transaction():
            counts = deliver_digest(collected)
    except Exception as exc:
        logger.exception("Delivering the reminders of this run failed; they are retried on the next run")
        for outcome in outcomes.values():
            if not outcome.error:
                outcome.error, outcome.traceback = _describe_error(exc), traceback.format_exc()
    for kind, outcome in outcomes.items():
        outcome.count = counts.get(kind, 0)
        _record(outcome)
    return outcomes


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
            last_error=outcome.error
            or (f"{len(outcome.object_failures)} object(s) failed; first: {first.error}" if first else ""),
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
    a failing sweep is reported in its outcome and every other sweep still runs. The reminders of
    all kinds are delivered together: one email (a digest) per person for the run."""
    today = today or timezone.localdate()
    outcomes: dict[str, SweepOutcome] = {}
    for name in sorted(HOUSEKEEPING):
        outcomes[name] = run_sweep(name, today)
    outcomes.update(_run_reminder_sweeps(sorted(REMINDERS), today))  # one email per person for all kinds
    return outcomes
