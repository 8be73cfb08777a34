"""Program configuration by ops: settings and the activity menu, audited; refused to others."""

from decimal import Decimal

import pytest

from mdf.exceptions import InvalidMdfData, MdfNotAllowed
from mdf.funds import services as funds
from mdf.models import MdfSettings
from mdf.requests import selectors
from mdf.requests import services as requests
from prm.models import AuditEvent


def test_ops_change_the_settings_with_an_audit_row(ops):
    program = funds.update_settings(actor=ops, carry_over="next_period", carry_over_cap="500")
    assert (program.carry_over, program.carry_over_cap) == ("next_period", Decimal("500"))
    event = AuditEvent.objects.get(verb="mdf.settings_changed")
    assert event.data["before"]["carry_over"] == "none"
    assert event.data["after"]["carry_over"] == "next_period"


def test_nobody_else_changes_the_settings(cam, acme_admin):
    for user in (cam, acme_admin):
        with pytest.raises(MdfNotAllowed):
            funds.update_settings(actor=user, claim_window_days=5)
    assert MdfSettings.current().claim_window_days == 60


def test_unknown_or_invalid_settings_are_refused(ops):
    with pytest.raises(InvalidMdfData):
        funds.update_settings(actor=ops, balance=1)
    with pytest.raises(Exception, match="claim_window_days"):
        funds.update_settings(actor=ops, claim_window_days=0)


def test_ops_build_the_activity_menu_by_business_model(ops, acme, globex, cam):
    training = requests.create_activity_type(
        actor=ops, name="Certification fees", category="training", max_vendor_share="100",
        required_proof=["invoice"], business_models=["msp"],
    )  # fmt: skip
    assert training in selectors.activity_types_for(globex)  # an MSP
    assert training not in selectors.activity_types_for(acme)  # a reseller
    with pytest.raises(MdfNotAllowed):
        requests.create_activity_type(actor=cam, name="X", category="event",
                                      max_vendor_share="50", required_proof=[])  # fmt: skip
    with pytest.raises(InvalidMdfData):
        requests.create_activity_type(
            actor=ops, name="Y", category="event", max_vendor_share="150",
            required_proof=["selfie"],
        )  # fmt: skip
    requests.update_activity_type(actor=ops, activity_type=training, is_active=False)
    assert training not in selectors.activity_types_for(globex)
    assert AuditEvent.objects.filter(verb="mdf.activity_type_changed").exists()


def test_an_allocation_needs_a_reason_and_ops(ops, cam, mdf_acme):
    with pytest.raises(InvalidMdfData):
        funds.allocate_funds(actor=ops, partner=mdf_acme, amount="10", reason=" ")
    with pytest.raises(MdfNotAllowed):
        funds.allocate_funds(actor=cam, partner=mdf_acme, amount="10", reason="Event")
    entry = funds.allocate_funds(actor=ops, partner=mdf_acme, amount="10", reason="Event")
    assert (entry.kind, entry.reason, entry.actor) == ("allocation", "Event", ops)
    assert AuditEvent.objects.get(verb="mdf.allocated").reason == "Event"
