"""Factories and small builders for certification tests."""

import datetime as dt

import factory

from enablement.models import (
    Certification,
    Course,
    PersonCertification,
    ReferenceImplementation,
    Role,
    Track,
)
from enablement.selectors import region_for
from enablement.services import expiry_date
from partners.models import PartnerMembership
from prm.models import ApiKey, User
from tests.factories import UserFactory


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Track {n}")
    role = Role.SALES


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    track = factory.SubFactory(TrackFactory)
    title = factory.Sequence(lambda n: f"Course {n}")
    code = factory.Sequence(lambda n: f"course-{n}")
    role = factory.LazyAttribute(lambda o: o.track.role)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"cert-{n}")
    name = factory.Sequence(lambda n: f"Certification {n}")
    kind = Certification.Kind.SALES
    validity_months = 24
    points = 10


class PersonCertificationFactory(factory.django.DjangoModelFactory):
    """A row written directly (no service): for reads, metrics and pages. Its holder is made a
    member of its partner when not one already, as the services only certify members (pass
    ``membership=False`` for someone who has left)."""

    class Meta:
        model = PersonCertification
        skip_postgeneration_save = True

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create and obj.partner_id and extracted is not False:
            PartnerMembership.objects.get_or_create(user=obj.user, partner=obj.partner)

    user = factory.SubFactory(UserFactory)
    partner = None
    office = None
    certification = factory.SubFactory(CertificationFactory)
    earned_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    expires_on = factory.LazyAttribute(lambda o: expiry_date(o.certification, o.earned_on))
    region = factory.LazyAttribute(lambda o: region_for(o.partner, o.office))
    status = PersonCertification.Status.ACTIVE
    source = PersonCertification.Source.PORTAL


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferenceImplementation

    customer_name = factory.Sequence(lambda n: f"Customer {n}")
    scope = "Roll-out to 500 seats"
    evidence = "Go-live sign-off"
    completed_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))


def api_key(*, scopes, principal: User | None = None, internal_role="ops") -> str:
    """An ``Authorization`` header value for a new key acting as ``principal`` (default: an ops
    service account)."""
    if principal is None:
        principal = UserFactory(
            email=f"svc-{User.objects.count()}@service.invalid",
            internal_role=internal_role,
            is_service_account=True,
        )
    full, prefix, hashed = ApiKey.generate()
    ApiKey.objects.create(
        name="test key", prefix=prefix, hashed_secret=hashed, scopes=scopes, principal=principal
    )
    return f"Api-Key {full}"
