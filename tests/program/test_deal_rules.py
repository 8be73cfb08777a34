"""The deal rules page: ops change the protection window and the rest, audited with before and
after; combinations that cannot work are refused with a message on the field."""

import pytest
from django.urls import reverse

from deals.models import DealProgramSettings
from prm.audit import events_for

pytestmark = pytest.mark.django_db

URL = reverse("program:deal_settings")
VALID = {
    "protection_days": 60,
    "expiry_reminder_days": 14,
    "extension_policy": "once",
    "extension_days": 30,
    "max_resubmissions": 2,
    "approval_sla_business_days": 2,
    "sla_reminder_hours": 8,
    "lead_accept_hours": 48,
}


def test_the_page_says_what_each_setting_does(client_for, ops):
    content = client_for(ops).get(URL).content.decode()
    assert "How long an approved registration protects" in content
    assert "Hours a partner has to accept an offered lead" in content


def test_ops_change_the_protection_window_and_the_history_shows_before_and_after(client_for, ops):
    client = client_for(ops)
    response = client.post(URL, VALID)
    assert response.status_code == 302
    program = DealProgramSettings.current()
    assert program.protection_days == 60
    event = events_for(program).get()
    assert event.actor == ops
    assert event.data["changes"] == {"protection_days": {"before": 90, "after": 60}}
    page = client.get(URL).content.decode()
    assert "protection_days" in page and "ops@vendor.example" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"expiry_reminder_days": 60}, "expiry_reminder_days", "before the protection window"),
        ({"protection_days": 0}, "extension_policy", "nothing to extend"),
        ({"sla_reminder_hours": 48}, "sla_reminder_hours", "before the SLA is due"),
        ({"approval_sla_business_days": 0}, "approval_sla_business_days", ""),
    ],
)
def test_invalid_combinations_are_refused_with_a_clear_message(
    client_for, ops, changes, field, message
):
    response = client_for(ops).post(URL, {**VALID, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert DealProgramSettings.current().protection_days == 90
    assert not events_for(DealProgramSettings.current()).exists()
