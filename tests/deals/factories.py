"""Factories for the registration lifecycle tests. ``DealFactory`` writes rows directly in any
status (with the timestamps that status implies); the services are what the tests exercise."""

import datetime as dt
import random
import string
from decimal import Decimal

import factory
from django.utils import timezone

from deals.conflicts import company_domain, normalize_company_name
from deals.models import DealRegistration, ExtensionRequest
from tests.factories import PartnerFactory, UserFactory

Status = DealRegistration.Status


def company_word(n: int) -> str:
    """A made-up word, different enough from every other one that names never look alike."""
    rng = random.Random(n * 7919 + 13)
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(9)).title()


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealRegistration

    class Params:
        word = factory.Sequence(company_word)

    partner = factory.SubFactory(PartnerFactory)
    registered_by = factory.SubFactory(UserFactory)
    customer_name = factory.LazyAttribute(lambda o: f"{o.word} Industries")
    customer_name_normalized = factory.LazyAttribute(
        lambda o: normalize_company_name(o.customer_name)
    )
    customer_domain = factory.LazyAttribute(lambda o: f"{o.word.lower()}.example")
    contact_email = ""
    contact_email_domain = factory.LazyAttribute(lambda o: company_domain(o.contact_email))
    country = "US"
    estimated_amount = Decimal("25000.00")
    currency = "USD"
    expected_close_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))
    status = Status.DRAFT

    @factory.lazy_attribute
    def first_submitted_at(self):
        return None if self.status == Status.DRAFT else timezone.now() - dt.timedelta(days=1)

    submitted_at = factory.SelfAttribute("first_submitted_at")

    @factory.lazy_attribute
    def sla_due_at(self):
        if self.first_submitted_at is None:
            return None
        return self.first_submitted_at + dt.timedelta(days=2)

    @factory.lazy_attribute
    def decided_at(self):
        decided = {Status.APPROVED, Status.REJECTED, Status.WON, Status.LOST, Status.EXPIRED}
        return timezone.now() if self.status in decided else None

    @factory.lazy_attribute
    def protected_until(self):
        if self.status == Status.APPROVED:
            return timezone.now() + dt.timedelta(days=90)
        if self.status == Status.EXPIRED:
            return timezone.now() - dt.timedelta(days=1)
        return None


class ExtensionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtensionRequest

    registration = factory.SubFactory(DealFactory, status=Status.APPROVED)
    requested_by = factory.SelfAttribute("registration.registered_by")
    reason = "Customer's board meets next month."


def registration_kwargs(**overrides) -> dict:
    """Arguments for ``create_registration`` that pass validation."""
    word = company_word(random.randrange(10**6))
    values = {
        "customer_name": f"{word} Logistics",
        "customer_domain": f"https://www.{word.lower()}.example/",
        "contact_name": "Dana Buyer",
        "contact_email": f"dana@{word.lower()}.example",
        "country": "us",
        "industry": "Logistics",
        "product_lines": ["Platform", "Support"],
        "estimated_amount": "48000.00",
        "currency": "usd",
        "expected_close_date": timezone.localdate() + dt.timedelta(days=45),
    }
    values.update(overrides)
    return values
