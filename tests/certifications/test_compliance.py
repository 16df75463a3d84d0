from datetime import date, timedelta

import pytest
from django.utils import timezone

from certifications.compliance import AT_RISK, MET, NOT_MET, holder_counts, partner_compliance
from certifications.models import Holding

from ..factories import PartnerFactory, UserFactory
from .factories import CertificationFactory, HoldingFactory, program

pytestmark = pytest.mark.django_db


def requirement_result(partner, today=None, on=None):
    today = today or timezone.localdate()
    return partner_compliance([partner.pk], today=today, on=on)[partner.pk].levels[0].requirements[0]


def test_holding_expiring_in_80_days_makes_the_requirement_at_risk_on_the_90_day_view():
    today = timezone.localdate()
    _, _, cert = program(min_holders=2)
    partner = cert.partner
    HoldingFactory(certification=cert, expires_on=today + timedelta(days=500))
    HoldingFactory(certification=cert, expires_on=today + timedelta(days=80))
    result = requirement_result(partner)  # default: 90 days ahead
    assert result.status == AT_RISK
    assert result.at_risk_date == today + timedelta(days=80)
    assert (result.holders_today, result.holders_on_date) == (2, 1)
    # Looking only 60 days ahead, the same requirement is met.
    assert requirement_result(partner, on=today + timedelta(days=60)).status == MET


def test_met_and_not_met_and_who_holds_what():
    today = timezone.localdate()
    _, _, cert = program(min_holders=1)
    elena = UserFactory(username="elena")
    HoldingFactory(holder=elena, certification=cert, expires_on=None)
    result = requirement_result(cert.partner)
    assert result.status == MET and result.at_risk_date is None
    assert [h.holder for h in result.holdings] == [elena]

    _, _, other = program(min_holders=2)
    HoldingFactory(certification=other)
    HoldingFactory(certification=other, obtained_on=today - timedelta(days=900), expires_on=today - timedelta(days=1))  # expired
    assert requirement_result(other.partner).status == NOT_MET


def test_any_of_several_certifications_counts_distinct_people():
    partner = PartnerFactory()
    a, b = CertificationFactory(partner=partner), CertificationFactory(partner=partner)
    program(partner, min_holders=2, certifications=[a, b])
    person = UserFactory()
    HoldingFactory(holder=person, certification=a)
    HoldingFactory(holder=person, certification=b)
    assert requirement_result(partner).status == NOT_MET  # one person, two certifications: one holder
    HoldingFactory(certification=b)
    assert requirement_result(partner).status == MET


def test_a_renewal_that_continues_the_validity_keeps_the_requirement_met():
    today = timezone.localdate()
    _, _, cert = program(min_holders=1)
    person = UserFactory()
    HoldingFactory(
        holder=person, certification=cert, obtained_on=today - timedelta(days=1000), expires_on=today + timedelta(days=20)
    )
    HoldingFactory(
        holder=person, certification=cert, obtained_on=today + timedelta(days=21), expires_on=today + timedelta(days=1100)
    )
    assert requirement_result(cert.partner).status == MET


def test_inactive_people_do_not_count():
    _, _, cert = program(min_holders=1)
    HoldingFactory(certification=cert, holder=UserFactory(is_active=False))
    assert requirement_result(cert.partner).status == NOT_MET


def test_compliance_is_bulk_with_a_fixed_number_of_queries(django_assert_num_queries):
    partners = []
    for _ in range(5):
        _, _, cert = program(min_holders=2)
        HoldingFactory.create_batch(20, certification=cert)
        partners.append(cert.partner.pk)
    with django_assert_num_queries(4):
        result = partner_compliance(partners, today=timezone.localdate())
    assert all(result[pid].levels[0].status == MET for pid in partners)


def test_holder_counts_sweep():
    d = date(2030, 1, 1)
    holdings = [
        Holding(holder_id=1, obtained_on=d - timedelta(days=10), expires_on=d + timedelta(days=5)),
        Holding(holder_id=2, obtained_on=d - timedelta(days=10), expires_on=None),
        Holding(holder_id=3, obtained_on=d + timedelta(days=3), expires_on=d + timedelta(days=50)),
    ]
    assert holder_counts(holdings, needed=2, today=d, on=d + timedelta(days=90)) == (2, 1, d + timedelta(days=50))
