"""Closing an approved registration as won (amounts kept for contribution margin) or lost (with
a reason): who may, what is refused, and what it closes with it."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from deals import services
from deals.exceptions import DealNotAllowed, InvalidDealData
from deals.models import DealRegistration, ExtensionRequest
from prm.audit import events_for
from prm.models import User
from tests.factories import UserFactory

from .factories import ExtensionRequestFactory

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status
TODAY = timezone.localdate


class TestOutcome:
    def test_a_won_deal_keeps_amounts_for_contribution_margin(self, deal_in, acme_rep):
        registration = services.record_outcome(
            registration=deal_in(Status.APPROVED, currency="JPY"),
            actor=acme_rep,
            outcome="won",
            closed_amount="1200000.4",
            closed_on=TODAY(),
            closed_products=["Platform", "Platform", " Support "],
            discount_amount="100000",
            cost_amount="250000",
        )
        registration.refresh_from_db()
        assert registration.status == Status.WON
        assert registration.closed_amount == Decimal("1200000")
        assert registration.closed_products == ["Platform", "Support"]
        assert (registration.discount_amount, registration.cost_amount) == (
            Decimal("100000"),
            Decimal("250000"),
        )
        event = events_for(registration).get(verb="deal.won")
        assert event.data["closed_amount"] == "1200000"

    @pytest.mark.parametrize(
        ("fields", "bad"),
        [
            ({"closed_on": dt.date(2026, 1, 1)}, {"closed_amount"}),
            ({"closed_amount": "100"}, {"closed_on"}),
            ({"closed_amount": "abc", "closed_on": dt.date(2026, 1, 1)}, {"closed_amount"}),
            ({"closed_amount": "-1", "closed_on": dt.date(2026, 1, 1)}, {"closed_amount"}),
            (
                {"closed_amount": "5", "closed_on": dt.date(2026, 1, 1), "cost_amount": "x"},
                {"cost_amount"},
            ),
            (  # a discount above what was sold, and a date in the future: both at once
                {
                    "closed_amount": "238000",
                    "closed_on": dt.date(2026, 3, 1),
                    "discount_amount": "500000",
                },
                {"discount_amount", "closed_on"},
            ),
        ],
    )
    def test_a_won_deal_needs_a_valid_amount_and_date(self, deal_in, acme_rep, fields, bad):
        registration = deal_in(Status.APPROVED)
        with (
            time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC)),
            pytest.raises(InvalidDealData) as caught,
        ):
            services.record_outcome(
                registration=registration, actor=acme_rep, outcome="won", **fields
            )
        assert set(caught.value.details) == bad
        registration.refresh_from_db()
        assert registration.status == Status.APPROVED

    def test_a_close_date_in_the_future_is_refused(self, deal_in, acme_rep):
        with pytest.raises(InvalidDealData) as caught:
            services.record_outcome(
                registration=deal_in(Status.APPROVED),
                actor=acme_rep,
                outcome="won",
                closed_amount="1",
                closed_on=TODAY() + dt.timedelta(days=1),
            )
        assert "future" in caught.value.details["closed_on"]

    def test_a_lost_deal_needs_a_reason(self, deal_in, acme_rep):
        with pytest.raises(InvalidDealData) as caught:
            services.record_outcome(
                registration=deal_in(Status.APPROVED), actor=acme_rep, outcome="lost"
            )
        assert "lost_reason" in caught.value.details

    def test_the_outcome_must_be_won_or_lost(self, deal_in, acme_rep):
        with pytest.raises(InvalidDealData):
            services.record_outcome(
                registration=deal_in(Status.APPROVED), actor=acme_rep, outcome="expired"
            )

    @pytest.mark.parametrize("who", ["acme_admin", "acme_rep", "distri_admin", "cam", "ops"])
    def test_the_partner_side_the_manager_and_ops_record_outcomes(self, deal_in, personas, who):
        registration = services.record_outcome(
            registration=deal_in(Status.APPROVED),
            actor=personas[who],
            outcome="lost",
            lost_reason="Went with a competitor.",
        )
        assert registration.status == Status.LOST

    def test_the_crm_pushes_outcomes_through_an_ops_service_account(self, deal_in):
        crm = UserFactory(
            email="crm@svc.example",
            internal_role=User.InternalRole.PROGRAM_OPS,
            is_service_account=True,
        )
        registration = services.record_outcome(
            registration=deal_in(Status.APPROVED),
            actor=crm,
            outcome="won",
            closed_amount="10",
            closed_on=TODAY(),
        )
        assert registration.status == Status.WON

    @pytest.mark.parametrize("who", ["globex_admin", "other_cam"])
    def test_outsiders_cannot_record_outcomes(self, deal_in, personas, who):
        with pytest.raises(DealNotAllowed):
            services.record_outcome(
                registration=deal_in(Status.APPROVED),
                actor=personas[who],
                outcome="lost",
                lost_reason="x",
            )

    def test_closing_a_deal_closes_its_pending_extension_request(self, deal_in, acme_rep):
        registration = deal_in(Status.APPROVED)
        extension = ExtensionRequestFactory(registration=registration)
        services.record_outcome(
            registration=registration, actor=acme_rep, outcome="lost", lost_reason="Budget."
        )
        extension.refresh_from_db()
        assert extension.status == ExtensionRequest.Status.REJECTED
        assert "closed as lost" in extension.decision_reason


def test_the_outcome_form_shows_every_problem_on_the_first_submit(deal_in, acme_rep, client_for):
    registration = deal_in(Status.APPROVED)
    response = client_for(acme_rep).post(
        f"/deals/{registration.pk}/outcome/",
        {
            "outcome": "won",
            "closed_amount": "1000",
            "closed_on": (TODAY() + dt.timedelta(days=30)).isoformat(),
            "discount_amount": "5000",
        },
    )
    assert response.status_code == 400
    errors = response.context["outcome_form"].errors
    assert errors["closed_on"] == ["The close date must not be in the future."]
    assert errors["discount_amount"] == ["The discount cannot be more than the closed amount."]
    registration.refresh_from_db()
    assert registration.status == Status.APPROVED
