"""Configuration integrations need, through the portal's services: the MDF activity menu and
settings, exchange rates, lead routing rules. Program ops write; nobody else does."""

import pytest

from deals.models import LeadRoutingRule
from mdf.models import ActivityType, MdfSettings
from prm.currency.models import ExchangeRate
from prm.models import AuditEvent
from tests.deals.api_support import error_of, key_client, session

pytestmark = pytest.mark.django_db

ACTIVITY = {
    "name": "Roadshow",
    "category": "event",
    "max_vendor_share": "50",
    "required_proof": ["invoice"],
}


@pytest.fixture
def activity_body():
    from mdf.models import ActivityType as Model

    category = Model.Category.values[0]
    return {**ACTIVITY, "category": category}


class TestActivityTypes:
    def test_ops_add_edit_and_toggle(self, ops, activity_body):
        client = session(ops)
        created = client.post("/api/v1/mdf/activity-types/", activity_body, format="json")
        assert created.status_code == 201, created.json()
        pk = created.json()["id"]
        edited = client.patch(
            f"/api/v1/mdf/activity-types/{pk}/", {"description": "Cities"}, format="json"
        )
        assert edited.status_code == 200
        assert edited.json()["description"] == "Cities"
        assert edited.json()["is_active"] is True  # untouched by a partial edit
        toggled = client.post(f"/api/v1/mdf/activity-types/{pk}/toggle/")
        assert toggled.json()["is_active"] is False
        assert AuditEvent.objects.filter(verb="mdf.activity_type_created").count() == 1

    def test_duplicate_name_is_a_400(self, ops, activity_body):
        client = session(ops)
        client.post("/api/v1/mdf/activity-types/", activity_body, format="json")
        response = client.post("/api/v1/mdf/activity-types/", activity_body, format="json")
        assert response.status_code == 400
        assert ActivityType.objects.filter(name="Roadshow").count() == 1

    @pytest.mark.parametrize("who", ["cam", "acme_admin", "globex_admin"])
    def test_others_cannot_write(self, personas, who, activity_body):
        response = session(personas[who]).post(
            "/api/v1/mdf/activity-types/", activity_body, format="json"
        )
        assert response.status_code == 403
        assert not ActivityType.objects.filter(name="Roadshow").exists()


class TestMdfSettings:
    def test_ops_read_and_change(self, ops):
        client = session(ops)
        current = client.get("/api/v1/mdf/settings/")
        assert current.status_code == 200
        assert current["ETag"]
        response = client.put("/api/v1/mdf/settings/", {"decision_days": 7}, format="json")
        assert response.status_code == 200, response.json()
        assert MdfSettings.current().decision_days == 7
        assert AuditEvent.objects.filter(verb="mdf.settings_changed").exists()

    def test_stale_etag_is_refused(self, ops):
        client = session(ops)
        client.put("/api/v1/mdf/settings/", {"decision_days": 6}, format="json")
        etag = client.get("/api/v1/mdf/settings/")["ETag"]
        import datetime as dt

        import time_machine
        from django.utils import timezone

        with time_machine.travel(timezone.now() + dt.timedelta(seconds=3)):
            client.put("/api/v1/mdf/settings/", {"decision_days": 8}, format="json")
        stale = client.put(
            "/api/v1/mdf/settings/", {"decision_days": 9}, format="json", HTTP_IF_MATCH=etag
        )
        assert stale.status_code == 412
        assert MdfSettings.current().decision_days == 8

    def test_invalid_value_is_a_400(self, ops):
        response = session(ops).put("/api/v1/mdf/settings/", {"decision_days": -1}, format="json")
        assert response.status_code == 400

    @pytest.mark.parametrize("who", ["cam", "acme_admin"])
    def test_others_are_refused(self, personas, who):
        client = session(personas[who])
        assert client.get("/api/v1/mdf/settings/").status_code == 403
        assert client.put("/api/v1/mdf/settings/", {"decision_days": 1}).status_code == 403


class TestExchangeRates:
    def test_ops_enter_and_import(self, ops):
        client = session(ops)
        response = client.post(
            "/api/v1/exchange-rates/",
            {"currency": "EUR", "rate": "1.08", "effective_on": "2026-01-01"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        csv = "currency,rate,effective_on\nGBP,1.27,2026-01-01\nXXX,1,2026-01-01\n"
        report = client.post("/api/v1/exchange-rates/import/", {"csv": csv}, format="json")
        assert report.status_code == 200
        assert report.json()["created"] == 1
        assert report.json()["errors"][0]["line"] == 3
        assert set(ExchangeRate.objects.values_list("currency", flat=True)) == {"EUR", "GBP"}
        listed = client.get("/api/v1/exchange-rates/").json()
        assert listed["count"] == 2

    def test_bad_rate_is_a_400(self, ops):
        response = session(ops).post(
            "/api/v1/exchange-rates/",
            {"currency": "EUR", "rate": "-1", "effective_on": "2026-01-01"},
            format="json",
        )
        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid_exchange_rate"

    @pytest.mark.parametrize("who", ["cam", "acme_admin", "globex_admin"])
    def test_others_are_refused(self, personas, who):
        client = session(personas[who])
        assert client.get("/api/v1/exchange-rates/").status_code == 403

    def test_key_needs_the_program_scope(self, ops):
        assert key_client(ops, "deals:read").get("/api/v1/exchange-rates/").status_code == 403
        assert key_client(ops, "program:read").get("/api/v1/exchange-rates/").status_code == 200


class TestRoutingRules:
    def test_ops_create_and_retire(self, ops):
        client = session(ops)
        created = client.post(
            "/api/v1/lead-routing-rules/",
            {"name": "DACH MSPs", "countries": ["de", "AT"], "business_models": ["msp"]},
            format="json",
        )
        assert created.status_code == 201, created.json()
        assert sorted(created.json()["countries"]) == ["AT", "DE"]
        pk = created.json()["id"]
        retired = client.patch(
            f"/api/v1/lead-routing-rules/{pk}/", {"is_active": False}, format="json"
        )
        assert retired.json()["is_active"] is False
        assert AuditEvent.objects.filter(verb="routing_rule.changed").exists()

    def test_the_api_and_the_program_area_share_one_rule_check(self, ops, acme, globex):
        """Target partners the rule's own criteria exclude are refused, as in the portal."""
        client = session(ops)
        response = client.post(
            "/api/v1/lead-routing-rules/",
            {"name": "MSPs only", "business_models": ["msp"], "partners": [acme.pk]},
            format="json",
        )
        assert response.status_code == 400
        assert "partners" in error_of(response)["details"]
        rule = client.post(
            "/api/v1/lead-routing-rules/",
            {"name": "Globex", "business_models": [globex.business_model], "partners": [globex.pk]},
            format="json",
        )
        assert rule.status_code == 201, rule.json()
        assert rule.json()["partners"] == [globex.pk]

    def test_ops_remove_a_rule_and_the_removal_is_audited(self, ops, cam):
        rule = LeadRoutingRule.objects.create(name="Old")
        assert session(cam).delete(f"/api/v1/lead-routing-rules/{rule.pk}/").status_code == 403
        assert session(ops).delete(f"/api/v1/lead-routing-rules/{rule.pk}/").status_code == 204
        assert not LeadRoutingRule.objects.filter(pk=rule.pk).exists()
        assert AuditEvent.objects.filter(verb="routing_rule.deleted").exists()

    def test_unknown_country_is_a_400(self, ops):
        response = session(ops).post(
            "/api/v1/lead-routing-rules/", {"name": "X", "countries": ["ZZ"]}, format="json"
        )
        assert response.status_code == 400
        assert "countries" in error_of(response)["details"]
        assert not LeadRoutingRule.objects.exists()

    def test_cam_reads_partners_cannot(self, cam, acme_admin, globex_admin):
        LeadRoutingRule.objects.create(name="All")
        assert session(cam).get("/api/v1/lead-routing-rules/").status_code == 200
        assert session(cam).post("/api/v1/lead-routing-rules/", {"name": "Y"}).status_code == 403
        for partner_user in (acme_admin, globex_admin):
            assert session(partner_user).get("/api/v1/lead-routing-rules/").status_code == 403


class TestPartnerQualification:
    BODY = {"scale": 4, "skill": 3, "will": 5, "willingness_to_engage": 4}

    def test_cam_qualifies_own_partner_only(self, cam, other_cam, acme, globex):
        from partners.models import Qualification

        client = session(cam)
        response = client.post(f"/api/v1/partners/{acme.pk}/qualify/", self.BODY, format="json")
        assert response.status_code == 201, response.json()
        assert client.post(f"/api/v1/partners/{globex.pk}/qualify/", self.BODY).status_code in (
            403,
            404,
        )
        assert Qualification.objects.filter(partner=acme).count() == 1
        assert not Qualification.objects.filter(partner=globex).exists()

    def test_partners_cannot_qualify_themselves(self, acme_admin, acme):
        response = session(acme_admin).post(
            f"/api/v1/partners/{acme.pk}/qualify/", self.BODY, format="json"
        )
        assert response.status_code == 403


class TestTierReviews:
    def test_ops_start_then_bulk_approve(
        self, ops, acme, globex, django_capture_on_commit_callbacks
    ):
        import datetime as dt

        from scorecards.models import TierProposal
        from scorecards.review import selectors as review_selectors

        quarter = review_selectors.last_closed_quarter(dt.date.today()).label
        client = session(ops)
        with django_capture_on_commit_callbacks(execute=True):  # the queued run
            started = client.post("/api/v1/tier-reviews/", {"quarter": quarter}, format="json")
        assert started.status_code == 201, started.json()
        review_id = started.json()["id"]
        ids = list(TierProposal.objects.filter(review_id=review_id).values_list("pk", flat=True))
        assert ids
        response = client.post(
            f"/api/v1/tier-reviews/{review_id}/bulk/",
            {"op": "approve", "proposals": ids},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["count"] == len(ids)
        assert set(TierProposal.objects.filter(pk__in=ids).values_list("decision", flat=True)) == {
            "approved"
        }

    def test_foreign_ids_refuse_the_whole_selection(
        self, ops, acme, django_capture_on_commit_callbacks
    ):
        import datetime as dt

        from scorecards.models import TierProposal
        from scorecards.review import selectors as review_selectors

        quarter = review_selectors.last_closed_quarter(dt.date.today()).label
        client = session(ops)
        with django_capture_on_commit_callbacks(execute=True):
            review_id = client.post("/api/v1/tier-reviews/", {"quarter": quarter}).json()["id"]
        ids = list(TierProposal.objects.filter(review_id=review_id).values_list("pk", flat=True))
        response = client.post(
            f"/api/v1/tier-reviews/{review_id}/bulk/",
            {"op": "approve", "proposals": [*ids, 999999]},
            format="json",
        )
        assert response.status_code == 400
        assert ids
        assert not TierProposal.objects.filter(pk__in=ids, decision="approved").exists()

    @pytest.mark.parametrize("who", ["cam", "acme_admin"])
    def test_others_cannot_start(self, personas, who):
        response = session(personas[who]).post("/api/v1/tier-reviews/", {"quarter": "2025-Q4"})
        assert response.status_code in (403, 404)
