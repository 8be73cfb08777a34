"""A real receiver on loopback follows a deal from submitted to won."""

import datetime as dt

from deals.models import DealRegistration
from deals.services import decisions, outcome, registration
from prm.webhooks import signing
from tests.deals.factories import DealFactory

Status = DealRegistration.Status


def test_a_deal_from_submitted_to_won_arrives_once_per_event_signed(
    receiver, endpoint_for, run_on_commit, acme, acme_admin, acme_rep, cam, globex, globex_admin
):
    """Every expected event arrives exactly once, in order, each with a valid signature; the
    other partner's endpoint hears nothing."""
    acme_endpoint = endpoint_for(
        receiver.url,
        ["deal.submitted", "deal.approved", "deal.won", "deal.lost"],
        partner=acme,
        actor=acme_admin,
    )
    globex_endpoint = endpoint_for(
        receiver.url + "/globex", ["deal.submitted", "deal.won"], partner=globex, actor=globex_admin
    )
    deal = DealFactory(partner=acme, registered_by=acme_rep, status=Status.DRAFT)

    with run_on_commit():
        registration.submit_registration(registration=deal, actor=acme_rep)
    with run_on_commit():
        decisions.approve_registration(registration=deal, actor=cam)
    with run_on_commit():
        outcome.record_outcome(
            registration=deal,
            actor=acme_rep,
            outcome="won",
            closed_amount="30000",
            closed_on=dt.date.today(),
        )

    assert [r["headers"][signing.EVENT_HEADER] for r in receiver.requests] == [
        "deal.submitted",
        "deal.approved",
        "deal.won",
    ]
    events = receiver.events()
    assert len({e["id"] for e in events}) == 3
    for request, event in zip(receiver.requests, events, strict=True):
        assert request["headers"][signing.ID_HEADER] == event["id"]
        assert signing.verify_signature(
            secret=acme_endpoint.secret,
            body=request["body"],
            timestamp=request["headers"][signing.TIMESTAMP_HEADER],
            signature_header=request["headers"][signing.SIGNATURE_HEADER],
        )
        assert event["data"]["object"]["id"] == deal.pk
    assert [e["data"]["object"]["status"] for e in events] == ["submitted", "approved", "won"]
    assert [r["path"] for r in receiver.requests] == ["/hooks"] * 3
    assert not globex_endpoint.deliveries.exists()
    assert acme_endpoint.deliveries.filter(status="succeeded").count() == 3
