"""A hand-computed program for FY2025 (fiscal year = calendar year in the test settings).

Acme (Casey's partner, Registered, reseller, US) and Globex (Olive's, Gold, MSP, Germany).
EUR is worth 1.10 USD from 2024-01-01 and 1.20 from 2025-07-01.

FY2025, whole program (USD):
- bookings: sourced 10,000 (Acme) + 24,000 (Globex, 20,000 EUR at 1.20) = 34,000;
  influenced 5,500 (Acme, 5,000 EUR at 1.10); total 39,500 from 3 won deals, 2 lost:
  win rate 60.0 %, average deal 13,166.67, sales cycle (30 + 10 + 60) / 3 = 33.3 days
- new pipeline: sourced 12,000 + 22,000 (20,000 EUR at 1.10) + 8,000 = 42,000;
  influenced 5,500 + 4,000 = 9,500; 5 registrations
- discounts 1,000 + 2,400 (2,000 EUR at 1.20) = 3,400; cost 2,000
- commissions 1,500 (Acme, FY2025-Q1) + 1,200 (Globex, 1,000 EUR at 1.20 on 2025-09-30) =
  2,700 (a reversed line of 999 is left out)
- MDF paid 2,000 (Acme, 2025-04-15); its claim reports 30,000 pipeline and links the 5,500
  won deal: 2.75 won per MDF dollar, 15.00 pipeline per MDF dollar
- contribution margin 39,500 − 3,400 − 2,000 − 2,700 − 2,000 = 29,400
- registration SLA: 1 answered on time, 1 late: 50.0 %
- leads: 1 answered in time, 1 late, 1 recalled: 33.3 % in time; 3 offered
- certification cohorts at 2025-12-31: Acme has 2 certified people (1–2: 15,500, 2 won, 1 lost,
  66.7 %); Distri and Globex none (24,000, 1 won, 1 lost, 50.0 %, 12,000 per partner)
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.commissions import plans
from deals.models import CommissionLine, DealRegistration, Lead, LeadOffer
from enablement.models import Certification
from mdf.models import Claim, FundRequest, MdfPayment
from prm.currency.models import ExchangeRate
from prm.periods import parse_period
from tests.deals.factories import DealFactory
from tests.enablement.factories import CertificationFactory, PersonCertificationFactory
from tests.factories import MembershipFactory
from tests.mdf.factories import ActivityTypeFactory, request_values

Status = DealRegistration.Status
FY = parse_period("FY2025")


def at(day: str, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day).replace(hour=hour))


def deal(partner, *, status, currency="USD", sourcing="sourced", estimated, submitted, **extra):
    registration = DealFactory(
        partner=partner,
        status=status,
        currency=currency,
        sourcing=sourcing,
        estimated_amount=Decimal(estimated),
        first_submitted_at=at(submitted),
        sla_due_at=at(submitted) + dt.timedelta(days=2),
        **extra,
    )
    return registration


def won(partner, *, amount, closed_on, submitted, currency="USD", sourcing="sourced", **extra):
    return deal(
        partner,
        status=Status.WON,
        currency=currency,
        sourcing=sourcing,
        submitted=submitted,
        closed_amount=Decimal(amount),
        closed_on=dt.date.fromisoformat(closed_on),
        **extra,
    )


def lost(partner, *, on, **kwargs):
    registration = deal(partner, status=Status.LOST, **kwargs)
    # updated_at is set on every save: place the loss on its day.
    DealRegistration.objects.filter(pk=registration.pk).update(updated_at=at(on))
    return registration


@pytest.fixture
def rates(db):
    ExchangeRate.objects.create(
        currency="EUR", rate=Decimal("1.10"), effective_on=dt.date(2024, 1, 1)
    )
    ExchangeRate.objects.create(
        currency="EUR", rate=Decimal("1.20"), effective_on=dt.date(2025, 7, 1)
    )


@pytest.fixture
def program(db, rates, acme, globex, distri, ops, tiers):
    deals = {
        "w1": won(
            acme, amount="10000", closed_on="2025-02-10", submitted="2025-01-11",
            estimated="12000", discount_amount=Decimal("1000"), cost_amount=Decimal("2000"),
            sla_responded_at=at("2025-01-12"),
        ),
        "w2": won(
            acme, amount="5000", currency="EUR", sourcing="influenced", closed_on="2025-05-20",
            submitted="2025-05-10", estimated="5000",
        ),
        "w3": won(
            globex, amount="20000", currency="EUR", closed_on="2025-08-01",
            submitted="2025-06-02", estimated="20000", discount_amount=Decimal("2000"),
        ),
        "w4": won(
            acme, amount="3000", closed_on="2024-11-01", submitted="2024-10-02", estimated="3000"
        ),
        "l1": lost(
            acme, on="2025-03-01", submitted="2025-02-01", estimated="8000",
            sla_responded_at=at("2025-02-05"),
        ),
        "l2": lost(
            globex, on="2025-09-15", submitted="2025-07-10", estimated="4000",
            sourcing="influenced",
        ),
    }  # fmt: skip
    _commissions(ops, acme, globex, deals)
    _mdf(ops, acme, deals["w2"])
    _leads(acme, globex)
    developer = CertificationFactory(code="dev-basic", kind=Certification.Kind.DEVELOPER)
    for _ in range(2):
        PersonCertificationFactory(
            user=MembershipFactory(partner=acme).user, partner=acme, certification=developer,
            earned_on=dt.date(2025, 3, 1), expires_on=dt.date(2027, 3, 1),
        )  # fmt: skip
    # Expired before the year ended: does not count.
    PersonCertificationFactory(
        user=MembershipFactory(partner=globex).user, partner=globex, certification=developer,
        earned_on=dt.date(2023, 3, 1), expires_on=dt.date(2025, 3, 1),
    )  # fmt: skip
    return deals


def _commissions(ops, acme, globex, deals):
    plan = plans.create_plan(actor=ops, name="Test plan", effective_from=dt.date(2024, 1, 1))
    rule = plans.save_rule(
        actor=ops, plan=plan, name="Margin", kind="margin", engagement="partner_led",
        rate=Decimal("10"), periods=1,
    )  # fmt: skip
    version = plan.versions.get()
    common = {"rule": rule, "plan_version": version, "kind": "margin", "multiplier": 1}
    CommissionLine.objects.create(
        partner=acme, deal=deals["w1"], period="FY2025-Q1", currency="USD",
        base_amount=Decimal("10000"), amount=Decimal("1500"), status="approved", **common,
    )  # fmt: skip
    CommissionLine.objects.create(
        partner=globex, deal=deals["w3"], period="FY2025-Q3", currency="EUR",
        base_amount=Decimal("20000"), amount=Decimal("1000"), **common,
    )  # fmt: skip
    CommissionLine.objects.create(
        partner=acme, deal=deals["w4"], period="FY2025-Q1", currency="USD",
        base_amount=Decimal("3000"), amount=Decimal("999"), status="reversed", **common,
    )  # fmt: skip


def _mdf(ops, acme, linked):
    request = FundRequest.objects.create(
        partner=acme, currency="USD", status=FundRequest.Status.CLAIM_APPROVED,
        approved_amount=Decimal("2000"), created_by=ops,
        **request_values(ActivityTypeFactory(), requested_amount=Decimal("2000")),
    )  # fmt: skip
    claim = Claim.objects.create(
        request=request, status=Claim.Status.APPROVED, actual_cost=Decimal("4000"),
        claimed_amount=Decimal("2000"), approved_amount=Decimal("2000"), leads=12,
        pipeline=Decimal("30000"),
    )  # fmt: skip
    claim.registrations.add(linked)
    MdfPayment.objects.create(
        request=request, partner=acme, amount=Decimal("2000"), currency="USD",
        paid_on=dt.date(2025, 4, 15), reference="PAY-1", recorded_by=ops,
    )  # fmt: skip


def _leads(acme, globex):
    Outcome = LeadOffer.Outcome
    offers = [
        (acme, "2025-03-01", "2025-03-02", Outcome.ACCEPTED),
        (acme, "2025-03-05", None, Outcome.RECALLED),
        (globex, "2025-08-01", "2025-08-05", Outcome.REJECTED),
    ]
    for partner, offered, responded, outcome in offers:
        lead = Lead.objects.create(company_name="Lead Co", country="US", partner=partner)
        LeadOffer.objects.create(
            lead=lead, partner=partner, offered_at=at(offered),
            accept_by=at(offered) + dt.timedelta(days=2), outcome=outcome,
            responded_at=at(responded) if responded else None,
        )  # fmt: skip
