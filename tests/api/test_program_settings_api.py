"""The deal rules and the enablement settings through the API: one record each, read and
changed (PATCH: the fields sent) by program ops through the Program area's services, with the
portal's refusals and one audit row holding the before and after."""

import pytest

from deals.models import DealProgramSettings
from enablement.models import EnablementSettings
from prm.audit import events_for
from tests.enablement.factories import CertificationFactory

from .assertions import error_of

pytestmark = pytest.mark.django_db

DEAL_SETTINGS, ENABLEMENT_SETTINGS = "/api/v1/deal-settings/", "/api/v1/enablement-settings/"


class TestDealSettings:
    def test_ops_read_and_change_the_deal_rules_with_before_and_after(self, session_for, ops):
        client = session_for(ops)
        assert client.get(DEAL_SETTINGS).json()["protection_days"] == 90

        response = client.patch(
            DEAL_SETTINGS, {"protection_days": 60, "lead_accept_hours": 24}, format="json"
        )

        assert response.status_code == 200, response.json()
        assert (response.json()["protection_days"], response.json()["extension_days"]) == (60, 30)
        program = DealProgramSettings.current()
        assert (program.protection_days, program.lead_accept_hours) == (60, 24)
        event = events_for(program).get()
        assert (event.verb, event.actor) == ("deal_settings.changed", ops)
        assert event.data["changes"] == {
            "lead_accept_hours": {"before": 48, "after": 24},
            "protection_days": {"before": 90, "after": 60},
        }

    def test_a_combination_that_cannot_work_is_refused_with_the_portal_message(
        self, session_for, ops
    ):
        response = session_for(ops).patch(
            DEAL_SETTINGS, {"protection_days": 30, "expiry_reminder_days": 30}, format="json"
        )

        assert response.status_code == 400
        error = error_of(response)
        assert error["details"]["expiry_reminder_days"] == [
            "The reminder must come before the protection window ends (less than 30 days)."
        ]
        assert DealProgramSettings.current().protection_days == 90
        assert not events_for(DealProgramSettings.current()).exists()

    def test_a_protection_window_off_the_menu_is_400(self, session_for, ops):
        response = session_for(ops).patch(DEAL_SETTINGS, {"protection_days": 45}, format="json")
        assert response.status_code == 400
        assert "protection_days" in error_of(response)["details"]

    @pytest.mark.parametrize("who", ["acme_admin", "cam"])
    def test_only_ops_read_and_change_them(self, who, personas, session_for):
        client = session_for(personas[who])
        assert client.get(DEAL_SETTINGS).status_code == 403
        assert client.patch(DEAL_SETTINGS, {"protection_days": 30}).status_code == 403
        assert DealProgramSettings.current().protection_days == 90

    def test_keys_need_the_program_scope_and_no_partner(self, key_client, acme):
        assert key_client("deals:read", "deals:write").get(DEAL_SETTINGS).status_code == 403
        bound = key_client("program:read", "program:write", partner=acme)
        assert bound.patch(DEAL_SETTINGS, {"protection_days": 30}).status_code == 403
        program = key_client("program:read", "program:write")
        assert program.patch(DEAL_SETTINGS, {"protection_days": 60}).status_code == 200
        assert DealProgramSettings.current().protection_days == 60


class TestEnablementSettings:
    def test_ops_change_the_expiry_warning_with_before_and_after(self, session_for, ops):
        response = session_for(ops).patch(
            ENABLEMENT_SETTINGS, {"expiry_warning_days": 30}, format="json"
        )

        assert response.status_code == 200, response.json()
        assert response.json() == {"expiry_warning_days": 30}
        event = events_for(EnablementSettings.current()).get()
        assert event.actor == ops
        assert event.data["changes"] == {"expiry_warning_days": {"before": 60, "after": 30}}

    def test_a_warning_as_long_as_a_certification_is_refused(self, session_for, ops):
        CertificationFactory(name="Short", validity_months=2)

        response = session_for(ops).patch(
            ENABLEMENT_SETTINGS, {"expiry_warning_days": 90}, format="json"
        )

        assert response.status_code == 400
        assert error_of(response)["message"] == (
            "“Short” is valid for 2 months: warn fewer than 56 days ahead."
        )
        assert EnablementSettings.current().expiry_warning_days == 60

    def test_an_empty_change_changes_nothing(self, session_for, ops):
        response = session_for(ops).patch(ENABLEMENT_SETTINGS, {}, format="json")
        assert response.json() == {"expiry_warning_days": 60}
        assert not events_for(EnablementSettings.current()).exists()

    @pytest.mark.parametrize("who", ["acme_admin", "cam"])
    def test_only_ops_change_them(self, who, personas, session_for, key_client, acme):
        client = session_for(personas[who])
        assert client.patch(ENABLEMENT_SETTINGS, {"expiry_warning_days": 10}).status_code == 403
        bound = key_client("program:read", "program:write", partner=acme)
        assert bound.patch(ENABLEMENT_SETTINGS, {"expiry_warning_days": 10}).status_code == 403
        assert EnablementSettings.current().expiry_warning_days == 60
