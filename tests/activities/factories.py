"""Factories for the activities app, built on tests/factories.py."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from activities.models import (
    Activity,
    Campaign,
    DealRegistration,
    JointPlan,
    JointPlanInitiative,
    Opportunity,
    Task,
    quarter_of,
)

from ..factories import PartnerFactory, UserFactory


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    partner = factory.SubFactory(PartnerFactory)
    kind = Activity.Kind.CALL
    occurred_on = factory.LazyFunction(timezone.localdate)
    subject = factory.Sequence(lambda n: f"Activity {n}")
    author = factory.SubFactory(UserFactory)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    partner = factory.SubFactory(PartnerFactory)
    end_customer = factory.Sequence(lambda n: f"Customer {n}")
    title = factory.Sequence(lambda n: f"Deal {n}")
    value = Decimal("1000.00")
    currency = "CHF"
    stage = Opportunity.Stage.QUALIFIED
    expected_close = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    won_on = factory.LazyAttribute(lambda o: timezone.localdate() if o.stage == Opportunity.Stage.WON else None)
    owner = factory.SubFactory(UserFactory)


class DealRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealRegistration

    partner = factory.SubFactory(PartnerFactory)
    registration_id = factory.Sequence(lambda n: f"REG-{n:05d}")
    customer = factory.Sequence(lambda n: f"Customer {n} AG")
    value = Decimal("5000.00")
    currency = "CHF"
    status = DealRegistration.Status.DRAFT
    owner = factory.SubFactory(UserFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    kind = Campaign.Kind.WEBINAR
    title = factory.Sequence(lambda n: f"Campaign {n}")
    status = Campaign.Status.PLANNED
    starts_on = factory.LazyFunction(timezone.localdate)
    budget = Decimal("1000.00")
    currency = "CHF"

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        if create:
            self.partners.set(extracted if extracted is not None else [PartnerFactory()])


class JointPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointPlan

    partner = factory.SubFactory(PartnerFactory)
    quarter = factory.LazyFunction(lambda: quarter_of(timezone.localdate()))


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointPlanInitiative

    plan = factory.SubFactory(JointPlanFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")
    kind = JointPlanInitiative.Kind.SALES


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    partner = factory.SubFactory(PartnerFactory)
    assignee = factory.SubFactory(UserFactory)
    created_by = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
