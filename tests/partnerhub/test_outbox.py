"""Writes that notify never lose or hold up the write: mail goes through the outbox after the commit.

Each write that notifies (an activity logged with "inform the team", a license report submitted
past accounting's threshold) is made through its page while the mail server refuses connections,
accepts and never answers, or while the broker is unreachable. The write must be saved, the user
must see success at once, and the queued mail must reach a real SMTP server (aiosmtpd) later,
exactly once.
"""

import socket
import threading
import time
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from partnerhub import outbox
from partnerhub.celery import app as celery_app
from partnerhub.models import Notification, OutgoingEmail
from partners.models import PartnerTeamMember
from reporting import services as reporting_services
from reporting.models import LicenseReport

from ..factories import PartnerFactory
from ..helpers import forget_broker_connections
from ..reporting.factories import AgreementFactory, ReportFactory

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def refusing_port():
    """A port nobody listens on: connections are refused."""
    return _free_port()


@pytest.fixture
def silent_port():
    """A server that accepts the connection and never says a word (no SMTP greeting)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.fixture
def unreachable_broker():
    """Points the Celery app at a broker address where nothing listens, then restores it."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{_free_port()}/0"
    forget_broker_connections(celery_app)
    yield
    celery_app.conf.broker_url = previous
    forget_broker_connections(celery_app)


def _use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1


def _log_activity(client, partner) -> float:
    data = {
        "partner": partner.pk,
        "kind": "meeting",
        "occurred_on": "2026-10-01",
        "subject": "Outbox check",
        "notes": "Went well",
        "inform_team": "on",
    }
    started = time.monotonic()
    response = client.post(reverse("activities:create"), data)
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content[:500]
    assert Activity.objects.filter(subject="Outbox check").count() == 1
    return elapsed


def _submit_report(client) -> float:
    agreement = AgreementFactory(accounting_threshold=Decimal("1000"))
    report = ReportFactory(partner=agreement.partner)
    reporting_services.line_add(
        report=report,
        product="OpenShift, 2 cores",
        unit="subscriptions",
        quantity=Decimal("10"),
        unit_price=Decimal("180.00"),
        currency="CHF",
        term="monthly",
    )  # CHF 1'800, above the threshold: accounting hears of it
    started = time.monotonic()
    response = client.post(reverse("reporting:report-submit", args=[report.pk]))
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == LicenseReport.Status.SUBMITTED
    return elapsed


@pytest.fixture
def write(request, manager, marketing, accounting, sales_client, accounting_client):
    """The two writes that notify, each with the address the mail must reach."""
    if request.param == "activity":
        partner = PartnerFactory(manager=manager)
        PartnerTeamMember.objects.create(partner=partner, user=marketing, role="marketing")
        return (lambda: _log_activity(sales_client, partner)), {manager.email, marketing.email}
    return (lambda: _submit_report(accounting_client)), {accounting.email}


WRITES = pytest.mark.parametrize("write", ["activity", "report"], indirect=True)


def _deliver_after_backoff() -> int:
    """The worker's next run once the backoff has passed (the rows' next attempt moved to now)."""
    OutgoingEmail.objects.filter(sent_at__isnull=True).update(next_attempt_at=timezone.now())
    return outbox.deliver_due()


@WRITES
def test_refused_smtp_keeps_the_write_and_the_mail_goes_out_later_once(
    write, settings, refusing_port, smtp_server, django_capture_on_commit_callbacks
):
    do_write, recipients = write
    _use_smtp(settings, refusing_port)
    with django_capture_on_commit_callbacks(execute=True):
        elapsed = do_write()
    assert elapsed < 2
    assert Notification.objects.exists()
    assert set(OutgoingEmail.objects.values_list("to", flat=True)) == recipients
    # The worker tries while the server refuses: nothing is lost, the error is kept for the admin.
    assert outbox.deliver_due() == 0
    assert all("refused" in row.last_error.lower() for row in OutgoingEmail.objects.all())
    port, inbox = smtp_server
    settings.EMAIL_PORT = port
    assert _deliver_after_backoff() == len(recipients)
    assert _deliver_after_backoff() == 0
    assert sorted(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts) == sorted(recipients)


@WRITES
def test_silent_smtp_never_holds_up_the_write(write, settings, silent_port, smtp_server, django_capture_on_commit_callbacks):
    do_write, recipients = write
    _use_smtp(settings, silent_port)
    with django_capture_on_commit_callbacks(execute=True):
        elapsed = do_write()
    assert elapsed < 2  # the page never talks to the mail server
    started = time.monotonic()
    assert outbox.deliver_due() == 0
    assert time.monotonic() - started < 5  # EMAIL_TIMEOUT bounds the worker too
    assert OutgoingEmail.objects.filter(sent_at__isnull=True, attempts=1).count() == len(recipients)
    port, inbox = smtp_server
    settings.EMAIL_PORT = port
    assert _deliver_after_backoff() == len(recipients)
    assert _deliver_after_backoff() == 0
    assert len(inbox.messages) == len(recipients)


@WRITES
def test_unreachable_broker_keeps_the_write_and_the_scheduled_run_sends_it(
    write, settings, unreachable_broker, smtp_server, django_capture_on_commit_callbacks
):
    do_write, recipients = write
    port, inbox = smtp_server
    _use_smtp(settings, port)
    with django_capture_on_commit_callbacks() as callbacks:
        elapsed = do_write()
    # The after-commit work runs in the request, as in production: it includes asking the broker.
    started = time.monotonic()
    results = [callback() for callback in callbacks]
    elapsed += time.monotonic() - started
    assert elapsed < 2
    assert results  # the after-commit work ran (asking the broker is part of it)
    assert inbox.messages == []  # the web process itself never sends
    # The beat's every-minute run (partnerhub.tasks.deliver_outbox) once a worker can run it.
    assert outbox.deliver_due() == len(recipients)
    assert outbox.deliver_due() == 0
    assert sorted(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts) == sorted(recipients)


def test_a_failing_write_queues_no_mail(manager, sales_client, django_capture_on_commit_callbacks):
    partner = PartnerFactory(manager=manager)
    data = {"partner": partner.pk, "kind": "meeting", "occurred_on": "not a date", "subject": "x", "inform_team": "on"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = sales_client.post(reverse("activities:create"), data)
    assert response.status_code == 200
    assert not OutgoingEmail.objects.exists() and callbacks == []


def test_retries_back_off_and_stop(settings, refusing_port, manager):
    from partnerhub.notifications import notify

    _use_smtp(settings, refusing_port)
    notify(recipients=[manager], kind="test", title="Hello")
    row = OutgoingEmail.objects.get()
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        before = timezone.now()
        _deliver_after_backoff()
        row.refresh_from_db()
        waits.append(row.next_attempt_at - before)
    assert row.attempts == outbox.MAX_ATTEMPTS and row.sent_at is None  # bounded: given up, kept for the admin
    assert waits[0] < waits[1] < waits[2]


def test_two_workers_never_send_the_same_row(manager, marketing, mailoutbox):
    from partnerhub.notifications import notify

    notify(recipients=[manager, marketing], kind="test", title="Hello")
    # The second worker finds the rows claimed by the first (their next attempt moved by the lease).
    first_claim = outbox._claim(timezone.now())
    assert len(first_claim) == 2
    assert outbox._claim(timezone.now()) == []
