"""MDF objects for the API schema fuzz run: funds with a ledger, requests in several states, a
claim with a proof file, an extension and a payment, for Acme and Globex."""

from decimal import Decimal

from django.utils import timezone

from mdf.claims import payments
from mdf.claims import services as claims
from mdf.funds import services as funds
from mdf.requests import services as requests

from .conftest import pdf
from .factories import ActivityTypeFactory, request_values


def mdf_fuzz_data(personas) -> None:
    ops, cam, other_cam = personas["ops"], personas["cam"], personas["other_cam"]
    acme_rep, globex_admin = personas["acme_rep"], personas["globex_admin"]
    acme = acme_rep.memberships.get().partner
    globex = globex_admin.memberships.get().partner
    webinar = ActivityTypeFactory(name="Fuzz webinar")
    ActivityTypeFactory(name="Fuzz event", category="event", business_models=["msp"])
    for partner, user, manager in ((acme, acme_rep, cam), (globex, globex_admin, other_cam)):
        funds.allocate_funds(actor=ops, partner=partner, amount="50000.00", reason="Fuzz")
        requests.create_request(actor=user, partner=partner, **request_values(webinar))
        submitted = requests.create_request(
            actor=user, partner=partner, submit=True, **request_values(webinar)
        )
        approved = requests.approve_request(actor=manager, request=submitted)
        claim = claims.save_claim(
            actor=user, request=approved, actual_cost="2000", claimed_amount="1000"
        )
        claims.add_proof(actor=user, claim=claim, kind="invoice", upload=pdf())
        claims.request_extension(
            actor=user, request=approved, until=approved.claim_due_on.replace(year=2099),
            reason="Fuzz",
        )  # fmt: skip
    paid = requests.create_request(
        actor=acme_rep, partner=acme, submit=True, **request_values(webinar)
    )
    paid = requests.approve_request(actor=cam, request=paid)
    claim = claims.save_claim(
        actor=acme_rep, request=paid, actual_cost="2000", claimed_amount="1000"
    )
    claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
    paid = claims.submit_claim(actor=acme_rep, request=paid, today=paid.ends_on)
    paid = claims.approve_claim(actor=cam, request=paid)
    payments.record_payments(
        actor=ops,
        rows=[payments.PaymentRow(paid.pk, Decimal("1000.00"), timezone.localdate(), "FUZZ-1")],
    )
