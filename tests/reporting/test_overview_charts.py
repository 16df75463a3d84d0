"""The overview's charts: one colour meaning per status, a canvas per chart, no fake zeros, pipeline = open."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerhub.dates import first_of_month, first_of_month_months_later
from partnerhub.status_colours import HEX
from reporting import overview
from reporting.models import LicenseReport

from ..activities.factories import DealRegistrationFactory
from ..factories import PartnerFactory
from .factories import ReportFactory

pytestmark = pytest.mark.django_db


def chart(name):
    return next(t for t in overview.overview_tables(timezone.localdate()) if t.name == name).chart


def test_every_canvas_id_is_unique(manager_client):
    html = manager_client.get(reverse("reporting:overview")).content.decode()
    ids = re.findall(r'<canvas id="([^"]+)"', html)
    assert ids and len(ids) == len(set(ids))
    assert "chart-certification_holdings" in ids and "chart-certification_compliance" in ids


def test_status_colours_mean_the_same_everywhere():
    health = chart("partner_health")["datasets"][0]["backgroundColor"]
    assert health[:3] == [HEX["good"], HEX["attention"], HEX["bad"]]  # Good, Watch, At risk
    reports = dict(zip(chart("report_status")["labels"], chart("report_status")["datasets"][0]["backgroundColor"], strict=True))
    assert reports["Acknowledged"] == HEX["good"]
    compliance = dict(
        zip(
            chart("certification_compliance")["labels"],
            chart("certification_compliance")["datasets"][0]["backgroundColor"],
            strict=True,
        )
    )
    assert compliance == {"Met": HEX["good"], "At risk": HEX["attention"], "Not met": HEX["bad"]}
    holdings = chart("certification_holdings")["datasets"][0]["backgroundColor"]
    assert holdings == [HEX["good"], HEX["attention"], HEX["bad"]]
    stages = chart("partners_by_stage")["datasets"][0]["backgroundColor"]
    assert not {HEX["good"], HEX["attention"], HEX["bad"]} & set(stages)  # no status meaning where there is no status


def test_months_only_due_are_not_reported_not_zero(manager_client):
    last = first_of_month_months_later(first_of_month(timezone.localdate()), -1)
    before = first_of_month_months_later(last, -1)
    partner = PartnerFactory()
    ReportFactory(partner=partner, month=before, status=LicenseReport.Status.SUBMITTED, total=Decimal("1200.00"))
    ReportFactory(partner=partner, month=last)  # due, total 0.00
    table = next(t for t in overview.overview_tables(timezone.localdate()) if t.name == "report_totals")
    data = table.chart["datasets"][0]["data"]
    assert data[-2] == 1200.0 and data[-1] is None
    assert table.rows[-1][2] == "not reported" and table.rows[-2][2] == "1'200.00"
    listing = manager_client.get(reverse("reporting:reports")).content.decode()
    assert 'data-testid="not-reported"' in listing and "-100" not in listing


def test_pipeline_chart_is_open_registrations_won_and_lost_apart():
    DealRegistrationFactory(status="approved", value=Decimal("1000.00"), currency="CHF")
    DealRegistrationFactory(status="won", value=Decimal("480000.00"), currency="CHF")
    DealRegistrationFactory(status="lost", value=Decimal("5.00"), currency="CHF")
    table = next(t for t in overview.overview_tables(timezone.localdate()) if t.name == "deal_pipeline")
    assert table.chart["labels"] == ["Approved"]
    assert table.chart["datasets"][0]["data"] == [1000.0]
    assert "Open pipeline: CHF 1'000.00" in table.note and "won: CHF 480'000.00" in table.note and "lost: CHF 5.00" in table.note


def test_overview_json_carries_the_colours(manager_client):
    html = manager_client.get(reverse("reporting:overview")).content.decode()
    data = json.loads(re.search(r'<script id="reporting-charts" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert all("backgroundColor" in d for spec in data for d in spec["datasets"] if spec["type"] == "doughnut")
    assert date.today()  # the page renders with today's data
