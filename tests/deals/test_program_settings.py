"""Program-wide deal rules change through one service: ops only, validated, audited."""

import pytest

from deals.models import DealProgramSettings
from deals.services import update_program_settings
from prm.audit import events_for
from prm.exceptions import DomainError, PermissionDenied

pytestmark = pytest.mark.django_db


def test_ops_change_the_rules_and_the_change_is_audited(ops):
    program = update_program_settings(actor=ops, protection_days=60, lead_accept_hours=48)
    assert DealProgramSettings.current().protection_days == 60
    event = events_for(program).get()
    # Only what changed is recorded; lead_accept_hours already was 48.
    assert (event.actor, event.verb, event.data) == (
        ops,
        "deal_settings.changed",
        {"changes": {"protection_days": {"before": 90, "after": 60}}},
    )


def test_saving_the_same_values_writes_no_audit_row(ops):
    program = update_program_settings(actor=ops, protection_days=90)
    assert not events_for(program).exists()


@pytest.mark.parametrize("who", ["cam", "acme_admin"])
def test_only_ops_change_the_rules(personas, who):
    with pytest.raises(PermissionDenied):
        update_program_settings(actor=personas[who], protection_days=30)
    assert DealProgramSettings.current().protection_days == 90


def test_invalid_and_unknown_settings_are_refused(ops):
    with pytest.raises(DomainError) as caught:
        update_program_settings(actor=ops, approval_sla_business_days=0)
    assert "approval_sla_business_days" in caught.value.details
    with pytest.raises(DomainError, match="Unknown setting"):
        update_program_settings(actor=ops, coffee_breaks=3)
    assert DealProgramSettings.current().approval_sla_business_days == 2
