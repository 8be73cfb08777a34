"""Reads: tenancy of funds and requests for every persona, the decision queue with due times,
what is missing, and the program figures for ops."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.models import DealRegistration
from mdf.claims import services as claims
from mdf.claims.payments import PaymentRow, record_payments
from mdf.funds.selectors import funds_visible_to, partner_balance
from mdf.program.selectors import CSV_HEADER, csv_values, program_figures, program_totals
from mdf.requests import selectors
from tests.deals.conflict_factories import RegistrationFactory

from .conftest import today


def test_funds_are_visible_to_the_partner_its_cam_and_ops_only(funded_acme, personas):
    visible = {name for name, user in personas.items() if funds_visible_to(user).exists()}
    assert visible == {"acme_admin", "acme_rep", "cam", "ops"}


def test_what_is_missing_lists_the_claim_and_its_proof(approved_request):
    missing = selectors.what_is_missing(approved_request)
    assert any("Claim after the activity" in item for item in missing.items)
    assert any("invoice" in item for item in missing.items)


def test_the_decision_queue_shows_due_times_to_the_right_reviewers(make_request, cam, other_cam):
    request = make_request()
    assert list(selectors.decision_queue(cam)) == [request]
    assert not selectors.decision_queue(other_cam).exists()
    assert request.decision_due_at > request.submitted_at
    assert not selectors.is_overdue(request)


def test_the_partner_balance_takes_a_fixed_number_of_queries(funded_acme, make_request, cam):
    with CaptureQueriesContext(connection) as few:
        partner_balance(funded_acme)
    for _ in range(3):
        from mdf.requests import services as requests

        requests.approve_request(actor=cam, request=make_request())
    with CaptureQueriesContext(connection) as many:
        partner_balance(funded_acme)
    assert len(many) == len(few)


def test_only_funds_open_today_can_be_requested(funded_acme, client_for, acme_admin):
    fund = funded_acme.mdf_funds.get()
    assert partner_balance(funded_acme).requestable == Decimal("5000.00")
    # The day after its last usable day, before the nightly expiry has moved the money on,
    # the fund still shows its balance, but nothing of it can be requested.
    after = partner_balance(funded_acme, today=fund.expires_on + dt.timedelta(days=1))
    assert after.total.available == Decimal("5000.00")
    assert after.requestable == Decimal("0")
    body = client_for(acme_admin).get("/mdf/").content.decode()
    assert "5,000.00" in body


def test_program_figures_show_utilization_time_and_return_per_dollar(
    claimed_request, cam, ops, acme_rep
):
    deal = RegistrationFactory(
        partner=claimed_request.partner, status=DealRegistration.Status.WON,
        closed_amount=Decimal("27000.00"), closed_on=today(),
    )  # fmt: skip
    claim = claimed_request.claim
    claim.registrations.add(deal)
    claims.approve_claim(actor=cam, request=claimed_request)
    record_payments(
        actor=ops, rows=[PaymentRow(claimed_request.pk, Decimal("900.00"), today(), "W")]
    )
    rows = program_figures(ops, dimension="tier")
    row = next(r for r in rows if r.label == claimed_request.partner.tier.name)
    assert (row.credited, row.paid) == (Decimal("5000.00"), Decimal("900.00"))
    assert row.utilization == Decimal("18.0")
    assert row.won_per_dollar == Decimal("30.00")
    assert row.pipeline_per_dollar == Decimal("46.67")
    assert row.decide_hours is not None and row.pay_days is not None
    assert program_totals(rows).paid == Decimal("900.00")
    assert dict(zip(CSV_HEADER, csv_values(row), strict=True))["won_per_dollar"] == Decimal("30.00")
    by_activity = program_figures(ops, dimension="activity_type")
    assert by_activity[0].label == "Webinar" and by_activity[0].paid == Decimal("900.00")
    assert program_figures(acme_rep) == []


def test_a_deal_linked_by_several_claims_counts_once_in_the_return(
    claimed_request, make_request, cam, ops, acme_rep
):
    from mdf.models import ProofKind
    from mdf.requests import services as requests
    from tests.mdf.conftest import pdf
    from tests.mdf.factories import ActivityTypeFactory

    deal = RegistrationFactory(
        partner=claimed_request.partner, status=DealRegistration.Status.WON,
        closed_amount=Decimal("27000.00"), closed_on=today(),
    )  # fmt: skip
    claimed_request.claim.registrations.add(deal)
    claims.approve_claim(actor=cam, request=claimed_request)
    event = ActivityTypeFactory(name="Event", required_proof=[ProofKind.INVOICE])
    second = requests.approve_request(actor=cam, request=make_request(activity_type=event))
    claim = claims.save_claim(
        actor=acme_rep, request=second, actual_cost="1800.00", claimed_amount="900.00",
        leads=1, pipeline="1000.00",
    )  # fmt: skip
    claims.add_proof(actor=acme_rep, claim=claim, kind=ProofKind.INVOICE, upload=pdf())
    claims.submit_claim(actor=acme_rep, request=second, today=second.ends_on + dt.timedelta(days=1))
    claim.registrations.add(deal)
    claims.approve_claim(actor=cam, request=second)

    by_tier = program_figures(ops, dimension="tier")
    assert [r.won for r in by_tier if r.won] == [Decimal("27000.00")]
    assert program_totals(by_tier).won == Decimal("27000.00")
    # Each activity helped close it; the program won it once.
    by_activity = program_figures(ops, dimension="activity_type")
    assert sorted((r.label, r.won) for r in by_activity) == [
        ("Event", Decimal("27000.00")),
        ("Webinar", Decimal("27000.00")),
    ]
    assert program_totals(by_activity).won == Decimal("27000.00")
