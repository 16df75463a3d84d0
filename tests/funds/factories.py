"""Funds factories, built on tests/factories.py."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from funds.models import FundAllocation, FundClaim, Invoice

from ..factories import PartnerFactory


class FundAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundAllocation

    partner = factory.SubFactory(PartnerFactory)
    kind = FundAllocation.Kind.MDF
    period_label = factory.Sequence(lambda n: f"FY2026-{n}")
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))
    period_end = factory.LazyFunction(lambda: timezone.localdate().replace(month=12, day=31))
    amount = Decimal("10000.00")
    currency = "CHF"
    tool_name = "Partner Portal"
    claim_deadline_days = 90


class FundClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundClaim

    allocation = factory.SubFactory(FundAllocationFactory)
    title = factory.Sequence(lambda n: f"Joint event {n}")
    activity_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=11))
    activity_end = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    requested_amount = Decimal("1000.00")
    currency = factory.LazyAttribute(lambda c: c.allocation.currency)
    status = FundClaim.Status.DRAFT


def submitted_claim(**kwargs) -> FundClaim:
    kwargs.setdefault("tool_reference", "CLM-1")
    return FundClaimFactory(status=FundClaim.Status.SUBMITTED, submitted_at=timezone.now(), **kwargs)


def approved_claim(*, status=FundClaim.Status.APPROVED, **kwargs) -> FundClaim:
    kwargs.setdefault("approved_amount", kwargs.get("requested_amount", Decimal("1000.00")))
    return FundClaimFactory(
        status=status, tool_reference="CLM-1", submitted_at=timezone.now(), decided_at=timezone.now(), **kwargs
    )


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    claim = factory.SubFactory(
        FundClaimFactory, status=FundClaim.Status.INVOICED, approved_amount=Decimal("1000.00"), tool_reference="CLM-1"
    )
    number = factory.Sequence(lambda n: f"VSHN-{n:05d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    due_on = factory.LazyAttribute(lambda i: i.issued_on + timedelta(days=30))
    amount = factory.LazyAttribute(lambda i: i.claim.approved_amount)
    currency = factory.LazyAttribute(lambda i: i.claim.currency)
