"""Reporting factories, built on the shared ones."""

from datetime import date
from decimal import Decimal

import factory

from reporting.models import LicenseReport, LicenseReportLine, ReportingAgreement, due_on_for

from ..factories import PartnerFactory


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingAgreement

    partner = factory.SubFactory(PartnerFactory)
    due_day = 10
    accounting_threshold = Decimal("10000.00")
    currency = "CHF"
    growth_alert_percent = 20


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenseReport

    partner = factory.SubFactory(PartnerFactory)
    month = date(2026, 1, 1)
    currency = "CHF"
    due_on = factory.LazyAttribute(lambda r: due_on_for(r.month, 10))


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenseReportLine

    report = factory.SubFactory(ReportFactory)
    product = factory.Sequence(lambda n: f"OpenShift Container Platform, Premium, 2 cores #{n}")
    unit = "subscriptions"
    quantity = Decimal("10")
    unit_price = Decimal("100.00")
    currency = "CHF"
