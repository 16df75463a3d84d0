"""The mail outbox: emails are queued with the write that causes them and sent after the commit.

`enqueue()` stores `OutgoingEmail` rows in the caller's transaction and, once it commits, asks the
worker to deliver them (`request_delivery()`, never raising: a broker that is down only delays the
mail). `deliver_due()` runs in the worker, from that request and from the beat every minute (the
catch-up for a request that never reached the broker). It claims rows with one conditional UPDATE
and a token, so two workers never send the same row; a failed send is retried with backoff up to
MAX_ATTEMPTS, then the row stays unsent with its error, visible in the admin.
"""

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import transaction
from django.utils import timezone

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH_SIZE = 100
# Longer than a send of a whole batch can take with EMAIL_TIMEOUT per message; a worker killed
# mid-batch leaves its rows to be retried after this.
LEASE = timedelta(minutes=10)


def kind_header(kind: str) -> dict[str, str]:
    """Lets people (and the production rehearsal) filter PartnerHub's mail by what it is about.
    A digest carries every kind it contains, comma-separated ("certification_expiring,sync_meeting_due")."""
    return {"X-PartnerHub-Kind": kind}


def site_domain() -> str:
    """The host name of PARTNERHUB_SITE_URL (e.g. partnerhub.vshn.ch)."""
    return urlsplit(settings.SITE_URL).hostname or "partnerhub.invalid"


def mail_headers(kind: str) -> dict[str, str]:
    """Headers of every PartnerHub email: its kind, and a Message-ID on the site's domain (Django's
    default takes the machine's name, which is "localhost" in a container and makes spam filters frown)."""
    return {**kind_header(kind), "Message-ID": make_msgid(domain=site_domain())}


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most 2 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def enqueue(messages: Iterable[EmailMultiAlternatives], *, kind: str) -> list[OutgoingEmail]:
    """Queue each message (one recipient each) in the current transaction; delivery after the commit."""
    now = timezone.now()
    rows = []
    for message in messages:
        html = str(next((content for content, mimetype in message.alternatives if mimetype == "text/html"), ""))
        for recipient in message.to:
            rows.append(
                OutgoingEmail(
                    kind=kind,
                    to=recipient,
                    subject=message.subject[:255],
                    text_body=str(message.body),
                    html_body=html,
                    next_attempt_at=now,
                )
            )
    if rows:
        OutgoingEmail.objects.bulk_create(rows)
        transaction.on_commit(request_delivery)
    return rows


def request_delivery() -> bool:
    """Ask a worker to deliver now; False when the broker could not be reached. A broker outage is
    logged, never raised: the write is already committed, and the beat's every-minute run delivers
    the queue when the worker can."""
    from .tasks import deliver_outbox

    try:
        deliver_outbox.apply_async(retry=False)
    except Exception as error:  # kombu raises several types for an unreachable broker
        logger.warning("Mail queued, but the broker is unreachable (%s); the scheduled run will send it", error)
        return False
    return True


def _claim(now) -> list[OutgoingEmail]:
    token = uuid.uuid4()
    due = OutgoingEmail.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS)
    # One UPDATE decides who sends a row: on PostgreSQL a concurrent UPDATE of the same row waits,
    # re-checks next_attempt_at and skips it; SQLite runs one writer at a time.
    claimed = OutgoingEmail.objects.filter(
        pk__in=list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:BATCH_SIZE]),
        sent_at__isnull=True,
        next_attempt_at__lte=now,
    ).update(claim=token, next_attempt_at=now + LEASE)
    if not claimed:
        return []
    return list(OutgoingEmail.objects.filter(claim=token).order_by("id"))


def _failed(row: OutgoingEmail, error: Exception) -> None:
    attempts = row.attempts + 1
    row.attempts, row.last_error = attempts, f"{type(error).__name__}: {error}"[:2000]
    row.next_attempt_at = timezone.now() + backoff(attempts)
    row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    log = logger.error if attempts >= MAX_ATTEMPTS else logger.warning
    log("Email %s to %s failed (attempt %d of %d): %s", row.pk, row.to, attempts, MAX_ATTEMPTS, row.last_error)


def deliver_due() -> int:
    """Send every due email over one connection per batch. Returns how many were sent."""
    sent = 0
    while batch := _claim(timezone.now()):
        connection = get_connection()
        try:
            connection.open()
        except Exception as error:  # refused, timed out, TLS or auth failure: the whole batch waits
            for row in batch:
                _failed(row, error)
            return sent
        try:
            for row in batch:
                message = EmailMultiAlternatives(
                    row.subject, row.text_body, to=[row.to], connection=connection, headers=mail_headers(row.kind)
                )
                if row.html_body:
                    message.attach_alternative(row.html_body, "text/html")
                try:
                    message.send()
                except Exception as error:
                    _failed(row, error)
                    continue
                # Marked one by one: a crash after this line never sends the row again.
                OutgoingEmail.objects.filter(pk=row.pk).update(sent_at=timezone.now(), attempts=row.attempts + 1, last_error="")
                sent += 1
        finally:
            try:
                connection.close()
            except Exception:  # a server that vanished mid-batch; the rows are already accounted for
                logger.debug("closing the mail connection failed", exc_info=True)
        if len(batch) < BATCH_SIZE:
            break
    return sent
