"""Regression (found writing the manager's browser journey): a partner that never had a sync
meeting is due one cadence after the day it was created. That day was taken from the UTC
timestamp, so a partner created between midnight and 01:00/02:00 in Zurich counted as created the
day before and its first sync meeting came due a day early."""

from datetime import UTC, date, datetime, timedelta

import pytest

from activities import selectors
from partners.models import Partner

from ..factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_never_synced_partner_is_due_one_cadence_after_its_local_creation_day(settings):
    settings.TIME_ZONE = "Europe/Zurich"
    partner = PartnerFactory(sync_cadence=Partner.SyncCadence.WEEKLY)
    # 23:30 UTC on 10 March is 00:30 on 11 March in Zurich.
    Partner.objects.filter(pk=partner.pk).update(created_at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC))

    status = selectors.sync_status_for_partners([partner.pk], today=date(2026, 3, 11))[partner.pk]

    assert status.last_sync is None
    assert status.next_due == date(2026, 3, 11) + timedelta(days=7)
    assert status.overdue_days == 0
