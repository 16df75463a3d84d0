from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from certifications.attention import (
    certification_compliance,
    certification_expiries,
    certification_levels_at_risk,
    my_certifications_expiring,
)
from certifications.models import Holding, PartnerProgramStatus, ProgramLevel

from ..factories import PartnerFactory
from .factories import HoldingFactory, program

pytestmark = pytest.mark.django_db


def test_my_expiring_certifications(outsider):
    today = timezone.localdate()
    mine = HoldingFactory(holder=outsider, expires_on=today + timedelta(days=45))
    HoldingFactory(holder=outsider, expires_on=today + timedelta(days=400))
    HoldingFactory(expires_on=today + timedelta(days=10))  # someone else's
    items = my_certifications_expiring(outsider, today)
    assert [item.due for item in items] == [mine.expires_on]


def test_levels_at_risk_for_the_partner_manager_and_admins(manager, admin_user, outsider):
    today = timezone.localdate()
    _, _, cert = program(PartnerFactory(name="Mine", manager=manager), level_name="Premier")
    HoldingFactory(certification=cert, expires_on=today + timedelta(days=40))
    program(PartnerFactory(name="Not mine"), level_name="Gold")  # nobody holds it: not met
    assert [i.title for i in certification_levels_at_risk(manager, today)] == ["Mine: Premier at risk"]
    assert {i.title for i in certification_levels_at_risk(admin_user, today)} == {
        "Mine: Premier at risk",
        "Not mine: Gold requirements not met",
    }
    assert certification_levels_at_risk(outsider, today) == []


def test_health_check_reasons_in_words():
    today = timezone.localdate()
    level, _, risky = program(level_name="Premier", min_holders=1)
    HoldingFactory(certification=risky, expires_on=today + timedelta(days=20))
    _, _, missing = program(level_name="Gold", min_holders=2)
    HoldingFactory(certification=missing)
    _, _, fine = program(level_name="Select", min_holders=1)
    HoldingFactory(certification=fine)
    ids = [risky.partner_id, missing.partner_id, fine.partner_id]
    findings = certification_compliance(ids, today)
    assert findings[risky.partner_id][0].severity == "watch"
    assert "Premier" in findings[risky.partner_id][0].reason and risky.code in findings[risky.partner_id][0].reason
    assert findings[missing.partner_id][0].severity == "at_risk"
    assert "1 of 2" in findings[missing.partner_id][0].reason
    assert not findings.get(fine.partner_id)


def test_health_check_ignores_partners_without_a_held_level():
    _, _, cert = program(held=False)
    assert not certification_compliance([cert.partner_id], timezone.localdate())
    assert not PartnerProgramStatus.objects.exists()


def test_calendar_own_expiries_and_managers_partner_expiries(manager, outsider):
    today = timezone.localdate()
    own = HoldingFactory(holder=outsider, expires_on=today + timedelta(days=100))
    _, _, cert = program(PartnerFactory(manager=manager))
    team = HoldingFactory(certification=cert, expires_on=today + timedelta(days=200))
    HoldingFactory(expires_on=today + timedelta(days=50))  # another partner's, another person's
    assert [e.day for e in certification_expiries(outsider, today)] == [own.expires_on]
    assert [e.day for e in certification_expiries(manager, today)] == [team.expires_on]


def test_seed_demo_has_a_level_at_risk_and_every_threshold(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    today = timezone.localdate()
    days_left = {(h.expires_on - today).days for h in Holding.objects.filter(expires_on__lte=today + timedelta(days=90))}
    assert {0, 7, 30, 90} <= days_left
    findings = certification_compliance(list(PartnerProgramStatus.objects.values_list("partner_id", flat=True)), today)
    reasons = [f.reason for found in findings.values() for f in found]
    assert any("Premier" in reason and "EX280" in reason for reason in reasons)
    assert not ProgramLevel.objects.exclude(compliance_checked_on=today).exists()  # stored, read by the overview
