import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import DealRegistration, LeadOffer
from enablement.models import Certification, ReferenceImplementation
from mdf.models import Claim, FundRequest, MdfPayment
from partners.models import Partner
from prm.currency.models import ExchangeRate
from prm.periods import fiscal_quarter
from tests.deals.factories import DealFactory
from tests.enablement.factories import ReferenceFactory
from tests.enablement.factories_programs import PlanCheckInFactory, PlanFactory
from tests.mdf.factories import ActivityTypeFactory, request_values
from tests.scorecards.fixtures import certify

Kind = Certification.Kind
Status = DealRegistration.Status


@pytest.fixture
def quarter():
    """The last closed fiscal quarter."""
    return fiscal_quarter(timezone.localdate()).previous()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def deal(
    partner,
    quarter,
    *,
    status,
    day=5,
    amount="0",
    currency="USD",
    sourcing="sourced",
    country="US",
    industry="",
):
    """A registration first submitted and closed ``day`` days into ``quarter``."""
    when = quarter.start + dt.timedelta(days=day)
    closed = status in (Status.WON, Status.LOST)
    return DealFactory(
        partner=partner,
        status=status,
        currency=currency,
        sourcing=sourcing,
        country=country,
        industry=industry,
        first_submitted_at=at(when),
        submitted_at=at(when),
        sla_due_at=at(when + dt.timedelta(days=2)),
        decided_at=at(when + dt.timedelta(days=1)),
        closed_on=when if closed else None,
        closed_amount=Decimal(amount) if status == Status.WON else None,
    )


@pytest.fixture
def measured_partner(acme, quarter):
    """Acme's quarter, by hand: sourced 30,000 USD + 20,000 EUR at 1.1 = 52,000; influenced
    10,000; four registrations, three won and one lost (75 %); countries US, DE, FR; industries
    Retail and Banking; two certified sales people, one technical and one developer; one
    approved reference; no MDF, no leads."""
    acme.status = Partner.Status.ACTIVE
    acme.save(update_fields=["status"])
    ExchangeRate.objects.create(
        currency="EUR", rate=Decimal("1.1"), effective_on=quarter.start - dt.timedelta(days=400)
    )
    deal(acme, quarter, status=Status.WON, amount="30000", industry="Retail")
    deal(
        acme,
        quarter,
        status=Status.WON,
        amount="20000",
        currency="EUR",
        country="DE",
        day=10,
        industry="Banking",
    )
    deal(acme, quarter, status=Status.WON, amount="10000", sourcing="influenced", country="FR")
    deal(acme, quarter, status=Status.LOST, day=20)
    days = (timezone.localdate() - quarter.start).days + 10
    for kind in (Kind.SALES, Kind.SALES, Kind.TECHNICAL, Kind.DEVELOPER):
        certify(acme, kind, days_ago=days)
    ReferenceFactory(
        partner=acme,
        status=ReferenceImplementation.Status.APPROVED,
        completed_on=quarter.start + dt.timedelta(days=3),
    )
    return acme


def mdf_activity(partner, user, quarter, *, approved_day=10, paid_day=None):
    """An MDF request whose claim was approved ``approved_day`` days into the quarter and,
    with ``paid_day``, paid that many days into it."""
    request = FundRequest.objects.create(
        partner=partner,
        created_by=user,
        status=FundRequest.Status.PAID
        if paid_day is not None
        else FundRequest.Status.CLAIM_APPROVED,
        submitted_at=at(quarter.start),
        **request_values(ActivityTypeFactory(), starts_on=quarter.start, ends_on=quarter.start),
    )
    Claim.objects.create(
        request=request,
        status=Claim.Status.APPROVED,
        actual_cost=Decimal("2000"),
        claimed_amount=Decimal("1000"),
        approved_amount=Decimal("1000"),
        decided_at=at(quarter.start + dt.timedelta(days=approved_day)),
    )
    if paid_day is not None:
        MdfPayment.objects.create(
            request=request,
            partner=partner,
            amount=Decimal("1000"),
            paid_on=quarter.start + dt.timedelta(days=paid_day),
            reference=f"PAY-{request.pk}",
            recorded_by=user,
        )
    return request


def lead_offer(partner, quarter, *, outcome, hours, window=48, day=3):
    from deals.models import Lead

    offered = at(quarter.start + dt.timedelta(days=day))
    lead = Lead.objects.create(
        company_name="Lead Co", country="US", status=Lead.Status.OFFERED, partner=partner
    )
    return LeadOffer.objects.create(
        lead=lead,
        partner=partner,
        offered_at=offered,
        accept_by=offered + dt.timedelta(hours=window),
        outcome=outcome,
        responded_at=offered + dt.timedelta(hours=hours) if hours is not None else None,
    )


def checkin(partner, day: dt.date, *, held: bool):
    """A check-in of the partner's plan in force (approved)."""
    plan = partner.business_plans.filter(status="approved").first() or PlanFactory(
        partner=partner, status="approved"
    )
    return PlanCheckInFactory(plan=plan, scheduled_on=day, held_on=day if held else None)
