"""Certification factories, built on the shared ones."""

from datetime import timedelta

import factory
from django.utils import timezone

from certifications.models import Certification, Holding, LevelRequirement, PartnerProgramStatus, ProgramLevel

from ..factories import PartnerFactory, UserFactory


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Certified Specialist {n}")
    code = factory.Sequence(lambda n: f"EX{n:03d}")
    validity_months = 36


class ProgramLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramLevel

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Level {n}")
    rank = 1


class LevelRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LevelRequirement
        skip_postgeneration_save = True

    level = factory.SubFactory(ProgramLevelFactory)
    min_holders = 1

    @factory.post_generation
    def certifications(self, create, extracted, **kwargs):
        if create and extracted:
            self.certifications.set(extracted)


class HoldingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holding

    holder = factory.SubFactory(UserFactory)
    certification = factory.SubFactory(CertificationFactory)
    obtained_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=100))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=600))


class ProgramStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerProgramStatus

    partner = factory.SubFactory(PartnerFactory)


def program(partner=None, *, min_holders=1, certifications=None, level_name="Premier", held=True):
    """A partner with one level and one requirement, held now: returns (level, requirement, certification)."""
    partner = partner or PartnerFactory()
    certs = certifications or [CertificationFactory(partner=partner)]
    level = ProgramLevelFactory(partner=partner, name=level_name)
    requirement = LevelRequirementFactory(level=level, min_holders=min_holders, certifications=certs)
    if held:
        PartnerProgramStatus.objects.update_or_create(partner=partner, defaults={"held_level": level})
    return level, requirement, certs[0]
