"""A varied program for tier metrics: partners with and without offices, several regions,
certifications of every kind (current, expired, not yet earned, held twice), references in and
out of the window, and won, lost and old deals in several currencies."""

import datetime as dt
from decimal import Decimal

from deals.models import DealRegistration
from enablement.models import Certification, ReferenceImplementation
from prm.currency.models import ExchangeRate
from tests.deals.factories import DealFactory
from tests.enablement.factories import (
    CertificationFactory,
    PersonCertificationFactory,
    ReferenceFactory,
)
from tests.factories import MembershipFactory, OfficeFactory, PartnerFactory

TODAY = dt.date.today()
Kind = Certification.Kind


def certify(partner, kind=Kind.SALES, *, office=None, days_ago=30, user=None, code=None):
    user = user or MembershipFactory(partner=partner, office=office).user
    cert = CertificationFactory(code=code or f"{kind}-basic", kind=kind)
    return PersonCertificationFactory(
        user=user,
        partner=partner,
        office=office,
        certification=cert,
        earned_on=TODAY - dt.timedelta(days=days_ago),
    )


def won(partner, amount, *, currency="USD", days_ago=20, sourcing="sourced"):
    return DealFactory(
        partner=partner,
        status=DealRegistration.Status.WON,
        currency=currency,
        closed_amount=Decimal(amount),
        closed_on=TODAY - dt.timedelta(days=days_ago),
        sourcing=sourcing,
    )


def varied_partners() -> list:
    ExchangeRate.objects.create(
        currency="EUR", rate=Decimal("1.1"), effective_on=TODAY - dt.timedelta(days=900)
    )
    small = PartnerFactory(display_name="Small certified", hq_country="FR")
    for kind in (Kind.SALES, Kind.SALES, Kind.TECHNICAL, Kind.DEVELOPER, Kind.DEVELOPER):
        certify(small, kind)
    certify(small, Kind.SPECIALTY, code="spec-sec")
    certify(small, Kind.SPECIALTY, code="spec-sec")  # the same specialty twice: counts once
    certify(small, Kind.SPECIALTY, code="spec-cloud")
    ReferenceFactory(
        partner=small,
        status=ReferenceImplementation.Status.APPROVED,
        completed_on=TODAY - dt.timedelta(days=40),
    )
    won(small, "1000.00")

    offices = PartnerFactory(display_name="Offices", hq_country="US", regions_served=["NA", "EMEA"])
    paris = OfficeFactory(partner=offices, name="Paris", region="EMEA", country="FR")
    OfficeFactory(partner=offices, name="Lyon", region="EMEA", country="FR")
    person = certify(offices, Kind.SALES, office=paris).user
    certify(offices, Kind.TECHNICAL, office=paris, user=person, code="tech-basic")
    certify(offices, Kind.SALES)  # no office: serves North America
    certify(offices, Kind.DEVELOPER, days_ago=900)  # expired
    certify(offices, Kind.DEVELOPER, days_ago=-5)  # not yet earned
    won(offices, "50000.00")
    won(offices, "20000.00", currency="EUR", days_ago=100)
    won(offices, "7000.00", sourcing="influenced")
    won(offices, "90000.00", days_ago=500)  # outside the twelve months
    DealFactory(partner=offices, status=DealRegistration.Status.LOST)
    ReferenceFactory(
        partner=offices,
        status=ReferenceImplementation.Status.APPROVED,
        completed_on=TODAY - dt.timedelta(days=400),
    )
    ReferenceFactory(partner=offices, status=ReferenceImplementation.Status.SUBMITTED)

    big = PartnerFactory(display_name="Big revenue", hq_country="JP", regions_served=[])
    won(big, "900000.00")
    won(big, "1000000", currency="JPY", days_ago=50)  # no JPY rate: cannot be measured

    empty = PartnerFactory(display_name="Nothing yet")
    return [small, offices, big, empty]
