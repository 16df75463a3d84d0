"""factory-boy factories shared by every app's tests."""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from partners.models import DEFAULT_PARTNER_TYPES, Contact, Contract, Partner, PartnerType, SupplierRiskAssessment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@vshn.example")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for role in extracted:
                # get_or_create: transactional tests flush the groups the data migration made.
                self.groups.add(Group.objects.get_or_create(name=str(role))[0])


PARTNER_TYPE_NAMES = DEFAULT_PARTNER_TYPES


def partner_type(code: str = "csp") -> PartnerType:
    # get_or_create: transactional tests flush what the data migration created.
    return PartnerType.objects.get_or_create(code=code, defaults={"name": PARTNER_TYPE_NAMES[code]})[0]


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner {n:05d}")
    slug = factory.Sequence(lambda n: f"partner-{n:05d}")
    stage = Partner.Stage.ACTIVE
    manager = factory.SubFactory(UserFactory)
    sync_cadence = Partner.SyncCadence.MONTHLY

    @factory.post_generation
    def types(self, create, extracted, **kwargs):
        if create:
            self.types.set(extracted if extracted is not None else [partner_type("csp")])


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    stakeholder_role = Contact.StakeholderRole.SALES
    email = factory.LazyAttribute(lambda c: f"{c.first_name}.{c.last_name}@example.com".lower())


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    partner = factory.SubFactory(PartnerFactory)
    kind = Contract.Kind.PARTNER_AGREEMENT
    title = factory.Sequence(lambda n: f"Agreement {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    notice_period_days = 90


class RiskAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierRiskAssessment

    partner = factory.SubFactory(PartnerFactory)
    risk_level = SupplierRiskAssessment.RiskLevel.MEDIUM
    criticality = SupplierRiskAssessment.Criticality.HIGH
    assessed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=300))
    next_review_due = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=65))
