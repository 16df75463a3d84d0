from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from certifications.reminders import threshold_for
from partnerhub import reminders
from partnerhub.models import ReminderSent

from ..factories import PartnerFactory, UserFactory
from .factories import CertificationFactory, HoldingFactory, program

pytestmark = pytest.mark.django_db
KIND = "certification_expiring"


def run_output() -> dict[str, str]:
    out = StringIO()
    call_command("run_reminders", stdout=out)
    return dict(line.split(": ", 1) for line in out.getvalue().strip().splitlines())


@pytest.mark.parametrize(
    "days_left,expected", [(95, None), (90, 90), (85, 90), (30, 30), (25, 30), (8, 30), (7, 7), (1, 7), (0, 0), (-3, 0)]
)
def test_threshold_is_the_smallest_not_below_the_days_left(days_left, expected):
    assert threshold_for(days_left) == expected


def test_each_threshold_goes_out_once_to_holder_and_partner_manager_naming_the_level(mailoutbox):
    today = timezone.localdate()
    manager = UserFactory(username="pm")
    elena = UserFactory(username="elena", first_name="Elena", last_name="Engineer")
    partner = PartnerFactory(name="Red Hat", manager=manager)
    level, _, ex280 = program(
        partner, min_holders=1, certifications=[CertificationFactory(partner=partner, code="EX280", name="OpenShift Admin")]
    )
    holding = HoldingFactory(
        holder=elena, certification=ex280, obtained_on=today - timedelta(days=1000), expires_on=today + timedelta(days=30)
    )
    HoldingFactory(expires_on=today + timedelta(days=90))
    HoldingFactory(expires_on=today + timedelta(days=7))
    HoldingFactory(expires_on=today)
    HoldingFactory(expires_on=today + timedelta(days=200))  # not due

    first = run_output()
    assert first[KIND] == "4 sent"
    assert sorted(ReminderSent.objects.filter(kind=KIND).values_list("due_key", flat=True)) == ["0d", "30d", "7d", "90d"]
    mail = [m for m in mailoutbox if "OpenShift Admin" in m.subject]
    assert {m.to[0] for m in mail} == {elena.email, manager.email}
    assert "Red Hat Premier" in mail[0].body and "level held now" in mail[0].body
    assert run_output()[KIND] == "0 sent"

    # 25 days later the 30-day reminder is history; the 7-day one is due once (a missed run catches up too).
    later = today + timedelta(days=25)
    assert reminders.run_reminder(KIND, later) >= 1
    assert ReminderSent.objects.filter(kind=KIND, object_id=holding.pk, due_key="7d").exists()
    assert reminders.run_reminder(KIND, later) == 0


def test_superseded_holdings_and_inactive_people_get_no_reminder():
    today = timezone.localdate()
    person = UserFactory()
    cert = CertificationFactory()
    HoldingFactory(
        holder=person, certification=cert, obtained_on=today - timedelta(days=1000), expires_on=today + timedelta(days=5)
    )
    # Renewed: a newer holding of the same certification (validity starts after the old one ends).
    HoldingFactory(
        holder=person, certification=cert, obtained_on=today + timedelta(days=6), expires_on=today + timedelta(days=1100)
    )
    HoldingFactory(holder=UserFactory(is_active=False), expires_on=today + timedelta(days=5))
    assert reminders.run_reminder(KIND) == 0


def test_the_sweep_uses_a_fixed_number_of_queries(django_assert_max_num_queries):
    today = timezone.localdate()
    _, _, cert = program(min_holders=3)
    HoldingFactory.create_batch(40, certification=cert, expires_on=today + timedelta(days=30))
    from certifications.reminders import certification_expiring

    with django_assert_max_num_queries(6):
        due = list(certification_expiring(today))
    assert len(due) == 40 and all("at stake" in d.title for d in due)  # all expire together: the level is lost
    HoldingFactory.create_batch(3, certification=cert, expires_on=today + timedelta(days=900))
    with django_assert_max_num_queries(6):
        due = list(certification_expiring(today))
    assert len(due) == 40 and not any("at stake" in d.title for d in due)  # three others stay valid
