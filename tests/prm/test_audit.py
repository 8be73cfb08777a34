import pytest

from partners.services import change_partner_status
from prm.audit import events_for
from prm.exceptions import InvalidTransition


def test_a_status_change_leaves_an_audit_row(acme, ops):
    change_partner_status(partner=acme, actor=ops, to="suspended", reason="Unpaid invoices")
    event = events_for(acme).get()
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        ops,
        "active",
        "suspended",
        "Unpaid invoices",
    )


def test_audit_rows_are_append_only(acme, ops):
    change_partner_status(partner=acme, actor=ops, to="suspended")
    event = events_for(acme).get()
    event.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_a_terminated_partner_cannot_be_reactivated(acme, ops):
    change_partner_status(partner=acme, actor=ops, to="terminated")
    with pytest.raises(InvalidTransition, match="terminated → active"):
        change_partner_status(partner=acme, actor=ops, to="active")
    assert events_for(acme).count() == 1


def test_request_id_is_recorded(client, ops, acme):
    client.force_login(ops)
    response = client.get("/", HTTP_X_REQUEST_ID="req-123")
    assert response["X-Request-ID"] == "req-123"
