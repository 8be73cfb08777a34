"""Factories for registrations, vendor accounts, opportunities and leads used by the conflict,
account, lead and API tests. Rows are written directly (the services are tested elsewhere)."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from deals.conflicts import normalize_company_name, registrable_domain
from deals.models import (
    CustomerAccount,
    DealRegistration,
    Lead,
    LeadOffer,
    LeadRoutingRule,
    Opportunity,
)
from tests.factories import PartnerFactory, UserFactory


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealRegistration

    partner = factory.SubFactory(PartnerFactory)
    registered_by = factory.SubFactory(UserFactory)
    customer_name = factory.Sequence(lambda n: f"Customer {n} Inc")
    customer_name_normalized = factory.LazyAttribute(
        lambda o: normalize_company_name(o.customer_name)
    )
    customer_domain = ""
    contact_email = ""
    contact_email_domain = factory.LazyAttribute(
        lambda o: registrable_domain(o.contact_email) if o.contact_email else ""
    )
    country = "US"
    estimated_amount = Decimal("10000.00")
    currency = "USD"
    expected_close_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))
    status = DealRegistration.Status.SUBMITTED
    first_submitted_at = factory.LazyFunction(timezone.now)
    submitted_at = factory.SelfAttribute("first_submitted_at")

    @factory.lazy_attribute
    def protected_until(self):
        if self.status == DealRegistration.Status.APPROVED:
            return timezone.now() + dt.timedelta(days=90)
        return None


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAccount

    crm_id = factory.Sequence(lambda n: f"ACC-{n}")
    name = factory.Sequence(lambda n: f"Account {n}")
    normalized_name = factory.LazyAttribute(lambda o: normalize_company_name(o.name))
    domain = ""
    country = "US"


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    crm_id = factory.Sequence(lambda n: f"OPP-{n}")
    account = factory.SubFactory(AccountFactory)
    name = factory.LazyAttribute(lambda o: f"{o.account.name} renewal")
    stage = Opportunity.Stage.OPEN
    currency = "USD"


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadRoutingRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    priority = 100


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    company_name = factory.Sequence(lambda n: f"Lead Company {n}")
    contact_name = "Pat Buyer"
    contact_email = factory.Sequence(lambda n: f"pat{n}@leadco.example")
    country = "US"
    region = "NA"
    currency = "USD"


class LeadOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadOffer

    lead = factory.SubFactory(LeadFactory)
    partner = factory.SubFactory(PartnerFactory)
    offered_at = factory.LazyFunction(timezone.now)
    accept_by = factory.LazyAttribute(lambda o: o.offered_at + dt.timedelta(hours=48))
