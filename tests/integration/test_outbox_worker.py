"""The outbox through a real Celery worker on the real Redis broker: a write's mail is sent by the
worker once the write commits (partnerhub/outbox.py), exactly once even when delivery is asked twice."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from partnerhub.models import OutgoingEmail
from partnerhub.notifications import notify
from partnerhub.tasks import deliver_outbox

from ..factories import UserFactory


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_committed_writes_mail_once(postgresql, celery_on_redis):
    # PostgreSQL only, as the reminder worker test: real connections for the worker's threads.
    mail.outbox = []
    recipient = UserFactory(username="pm-outbox")
    with start_worker(
        celery_on_redis, perform_ping_check=False, concurrency=2, pool="threads", loglevel="WARNING", shutdown_timeout=30
    ):
        with transaction.atomic():
            notify(recipients=[recipient], kind="activity_logged", title="Outbox through the worker")
            assert mail.outbox == []  # nothing leaves before the commit
        # After the commit the web side asked the worker; ask once more, as the beat's run would.
        deliver_outbox.apply_async(ignore_result=False).get(timeout=60)
        deadline = time.monotonic() + 30
        while not OutgoingEmail.objects.filter(sent_at__isnull=False).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    assert [message.to for message in mail.outbox] == [[recipient.email]]
    assert mail.outbox[0].extra_headers["X-PartnerHub-Kind"] == "activity_logged"
    assert OutgoingEmail.objects.get().sent_at is not None
