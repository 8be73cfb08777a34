"""Factories for the kernel and partner models, shared by every app's tests."""

import factory
from django.utils import timezone

from partners.models import (
    Application,
    BusinessModel,
    Office,
    Partner,
    PartnerMembership,
    Qualification,
    Tier,
    TierRequirement,
)
from prm.models import ChannelTeam, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


class ChannelTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelTeam
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ["rank"]

    rank = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Tier {o.rank}")
    mdf_accrual_rate = "0.0200"
    commission_multiplier = "1.000"


class TierRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierRequirement

    tier = factory.SubFactory(TierFactory)
    metric = TierRequirement.Metric.CERTIFIED_SALES
    threshold = 1


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    display_name = factory.Sequence(lambda n: f"Partner {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.display_name} Ltd")
    website = factory.LazyAttribute(
        lambda o: f"https://{o.display_name.lower().replace(' ', '')}.example"
    )
    hq_country = "US"
    regions_served = factory.LazyFunction(lambda: ["NA"])
    business_model = BusinessModel.RESELLER
    status = Partner.Status.ACTIVE
    activated_at = factory.LazyFunction(timezone.now)


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    country = "US"
    region = "NA"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMembership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = PartnerMembership.Role.REP


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    partner = factory.SubFactory(PartnerFactory)
    assessed_by = factory.SubFactory(UserFactory, internal_role=User.InternalRole.CHANNEL_MANAGER)
    scale = 3
    skill = 3
    will = 3
    willingness_to_engage = 3


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    partner = factory.SubFactory(PartnerFactory, status=Partner.Status.APPLIED, activated_at=None)
    contact_name = factory.Faker("name")
    contact_email = factory.Sequence(lambda n: f"applicant{n}@applicant.example")
