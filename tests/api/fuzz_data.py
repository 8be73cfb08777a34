"""A few objects of each kind for the schema fuzz run, so that generated ids (small integers
come often) hit real rows and their answers are checked against the schema too."""

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from deals.models import DealConflict, DealRegistration
from tests.deals.conflict_factories import (
    AccountFactory,
    LeadFactory,
    LeadOfferFactory,
    OpportunityFactory,
    RegistrationFactory,
)
from tests.enablement.factories import (
    CertificationFactory,
    CourseFactory,
    PersonCertificationFactory,
    ReferenceFactory,
    TrackFactory,
)
from tests.enablement.factories_programs import AssetFactory, PlanFactory
from tests.mdf.fuzz_data import mdf_fuzz_data

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fuzz_data_set(personas) -> None:
    acme_rep, globex_admin = personas["acme_rep"], personas["globex_admin"]
    acme = acme_rep.memberships.get().partner
    globex = globex_admin.memberships.get().partner
    _webhook_endpoints(personas, acme)
    deals = []
    for n in range(3):
        for partner, user in ((acme, acme_rep), (globex, globex_admin)):
            deals.append(
                RegistrationFactory(
                    partner=partner,
                    registered_by=user,
                    customer_name=f"{partner.display_name} customer {n}",
                    contact_email="" if n else "buyer@customer.example",
                )
            )
    DealConflict.objects.create(
        registration=deals[0], existing_registration=deals[1], score=Decimal("0.91")
    )
    opportunity = OpportunityFactory(amount=Decimal("5000.00"))
    OpportunityFactory(account=opportunity.account)
    AccountFactory()
    LeadOfferFactory(lead=LeadFactory(partner=acme), partner=acme)
    LeadFactory(contact_email="")

    track = TrackFactory(name="Sell", role="sales")
    course = CourseFactory(track=track, code="pitch", title="Pitch")
    CourseFactory(track=TrackFactory(name="Run", role="technical", business_models=["msp"]))
    certification = CertificationFactory(course=course)
    PersonCertificationFactory(user=acme_rep, partner=acme, certification=certification)
    PersonCertificationFactory(
        user=globex_admin,
        partner=globex,
        earned_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2021, 1, 1),
    )
    ReferenceFactory(partner=acme)
    PlanFactory(partner=acme, created_by=acme_rep)
    AssetFactory()
    AssetFactory(
        external_url="",
        title="Price list",
        file=ContentFile(MINIMAL_PDF, name="prices.pdf"),
        original_filename="prices.pdf",
        content_type="application/pdf",
        size=len(MINIMAL_PDF),
    )
    assert DealRegistration.objects.count() == 6
    _sync(personas["ops"], acme, deals)
    _commissions(personas["ops"], deals[0], deals[1])
    mdf_fuzz_data(personas)

    # A finished tier review with a proposal per partner, one decided and applied.
    from scorecards.review import decisions as review_decisions
    from scorecards.review import selectors as review_selectors
    from scorecards.review import services as review_services

    quarter = review_selectors.last_closed_quarter(dt.date.today())
    review = review_services.start_review(quarter=quarter.label, actor=None, queue=False)
    review = review_services.run_review(review.pk)
    applied = review.proposals.order_by("pk").first()
    applied.decision = "approved"
    applied.save(update_fields=["decision"])
    review_decisions.apply_proposals(proposals=[applied], actor=None)

    # Scorecards of two quarters (the closed one final), one criterion rated.
    from partners.models import Partner
    from scorecards.cards import services as card_services

    partners = list(Partner.objects.order_by("pk"))
    card_services.compute_scorecards(partners, quarter)
    card_services.compute_scorecards(partners, card_services.current_quarter())
    card_services.rate_criterion(
        actor=personas["cam"],
        scorecard=acme.scorecards.get(quarter=quarter.label),
        criterion="customer_satisfaction",
        rating=4,
        note="Renewals on time",
    )


def _sync(ops, acme, deals) -> None:
    """External ids (short ones, which generated path parts hit), a routing rule and a rate."""
    from deals.models import Lead, LeadRoutingRule
    from partners.external_ids import set_partner_external_id
    from prm.currency.services import set_exchange_rate

    set_partner_external_id(partner=acme, actor=ops, external_id="0")
    DealRegistration.objects.filter(pk=deals[0].pk).update(external_id="0")
    DealRegistration.objects.filter(pk=deals[1].pk).update(external_id="A")
    Lead.objects.filter(pk=Lead.objects.order_by("pk").values("pk")[:1]).update(external_id="0")
    LeadRoutingRule.objects.create(name="Everywhere", priority=1)
    set_exchange_rate(actor=ops, currency="EUR", rate="1.08", effective_on="2025-01-01")


def _commissions(ops, acme_deal, globex_deal) -> None:
    """A plan, two won deals calculated, the older quarter approved and paid."""
    from deals.commissions import plans
    from deals.commissions.periods import period_of
    from deals.commissions.services import run_commission_calculation
    from deals.commissions.statements import approve_statement, record_payout, statement_totals
    from deals.models import CommissionRule, Statement

    plan = plans.create_plan(actor=ops, name="Fuzz plan", effective_from=dt.date(2020, 1, 1))
    for kind in CommissionRule.Kind.values:
        plans.save_rule(actor=ops, plan=plan, name=f"Pays {kind}", kind=kind, rate=Decimal("10"),
                        floor_rate=Decimal("5"))  # fmt: skip
    closed = [dt.date(2025, 2, 10), dt.date(2025, 5, 12)]
    for deal, day in zip((acme_deal, globex_deal), closed, strict=True):
        DealRegistration.objects.filter(pk=deal.pk).update(
            status=DealRegistration.Status.WON, closed_on=day, closed_amount=Decimal("12000")
        )
    for day in closed:
        run_commission_calculation(period=period_of(day).label, actor=ops)
    for statement in Statement.objects.filter(period=period_of(closed[0]).label):
        approve_statement(statement=statement, actor=ops, today=dt.date(2026, 1, 1))
        record_payout(statement=statement, actor=ops, amount=statement_totals(statement).payable,
                      paid_on=timezone.localdate(), external_reference="FUZZ-1")  # fmt: skip


def _webhook_endpoints(personas, acme) -> None:
    """Endpoints for every event, registered first, so the data below publishes deliveries."""
    from prm.webhooks.events import event_choices
    from prm.webhooks.services import create_endpoint

    everything = [name for name, _label in event_choices(for_partner=False)]
    partner_events = [name for name, _label in event_choices(for_partner=True)]
    create_endpoint(actor=personas["ops"], url="https://vendor.example/hooks",
                    event_types=everything)  # fmt: skip
    create_endpoint(actor=personas["acme_admin"], url="https://acme.example/hooks",
                    event_types=partner_events, partner=acme)  # fmt: skip
