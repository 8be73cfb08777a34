"""Commission configuration through the API: plans and their rules (versioned once paid),
spiffs and rep territories. Program ops (a session, or a program-wide key with deals:write)
write through the portal's services; nobody else does, and a refusal changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from deals.commissions.repcredit.models import RepTerritory
from deals.models import CommissionPlan, CommissionRule, Spiff
from prm.models import AuditEvent
from tests.deals.api_support import error_of, key_client, session
from tests.deals.commissions.conftest import Q3, pay_everything, won_deal

PLANS = "/api/v1/commission-plans/"
SPIFFS = "/api/v1/commission-spiffs/"
TERRITORIES = "/api/v1/rep-territories/"
NOT_OPS = ["acme_admin", "acme_rep", "globex_admin", "distri_admin", "cam", "other_cam"]

RULE = {"name": "Referral fee", "kind": "one_time", "amount": "250.00", "floor_amount": "200"}
SPIFF = {
    "name": "Summer push",
    "starts_on": "2026-07-01",
    "ends_on": "2026-09-30",
    "threshold_amount": "5000",
    "min_deals": 2,
    "extra_rate": "2.5",
    "tie_policy": "share",
}


def _rules(plan) -> list[CommissionRule]:
    return list(CommissionRule.objects.filter(version__plan=plan).order_by("pk"))


class TestPlans:
    def test_ops_create_a_plan_with_its_first_version(self, ops):
        response = session(ops).post(
            PLANS, {"name": "Referral", "effective_from": "2026-01-01"}, format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["name"] == "Referral"
        assert [(v["number"], v["effective_from"], v["rules"]) for v in body["versions"]] == [
            (1, "2026-01-01", [])
        ]
        assert AuditEvent.objects.filter(verb="commission_plan_created", actor=ops).count() == 1

    def test_a_program_wide_key_creates_one_idempotently(self, ops):
        client = key_client(ops, "deals:read", "deals:write")
        body = {"name": "Keyed", "effective_from": "2026-01-01"}
        first = client.post(PLANS, body, format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
        again = client.post(PLANS, body, format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
        assert first.status_code == again.status_code == 201
        assert again["Idempotent-Replayed"] == "true"
        assert CommissionPlan.objects.filter(name="Keyed").count() == 1

    def test_a_duplicate_name_or_a_missing_day_is_a_400(self, ops, plan):
        client = session(ops)
        duplicate = client.post(
            PLANS, {"name": plan.name, "effective_from": "2026-01-01"}, format="json"
        )
        assert duplicate.status_code == 400
        assert "name" in error_of(duplicate)["details"]
        missing = client.post(PLANS, {"name": "No day"}, format="json")
        assert missing.status_code == 400
        assert "effective_from" in error_of(missing)["details"]
        assert CommissionPlan.objects.count() == 1

    @pytest.mark.parametrize("who", NOT_OPS)
    def test_nobody_else_creates_one(self, personas, who):
        response = session(personas[who]).post(
            PLANS, {"name": "Mine", "effective_from": "2026-01-01"}, format="json"
        )
        assert response.status_code == 403
        assert error_of(response)["code"]
        assert not CommissionPlan.objects.exists()

    def test_a_partner_bound_key_cannot_and_a_read_key_cannot(self, ops, acme):
        body = {"name": "Mine", "effective_from": "2026-01-01"}
        bound = key_client(ops, "deals:read", "deals:write", partner=acme)
        assert bound.post(PLANS, body, format="json").status_code == 403
        reader = key_client(ops, "deals:read")
        assert reader.post(PLANS, body, format="json").status_code == 403
        assert not CommissionPlan.objects.exists()


class TestRules:
    def test_add_edit_and_remove_a_rule_of_the_open_version(self, ops, plan):
        client = session(ops)
        added = client.post(f"{PLANS}{plan.pk}/rules/", RULE, format="json")
        assert added.status_code == 201, added.content
        rule = added.json()
        assert (rule["kind"], rule["amount"], rule["floor_amount"]) == (
            "one_time", "250.000", "200.000",
        )  # fmt: skip
        edited = client.patch(
            f"{PLANS}{plan.pk}/rules/{rule['id']}/", {"priority": 5}, format="json"
        )
        assert edited.status_code == 200, edited.content
        assert (edited.json()["priority"], edited.json()["amount"]) == (5, "250.000")
        removed = client.post(f"{PLANS}{plan.pk}/rules/{rule['id']}/remove/", {}, format="json")
        assert removed.status_code == 200
        assert removed.json()["versions"][0]["rules"] == []
        verbs = set(AuditEvent.objects.filter(actor=ops).values_list("verb", flat=True))
        assert {"commission_rule_saved", "commission_rule_removed"} <= verbs

    def test_a_rule_below_its_floor_is_a_400_and_nothing_is_saved(self, ops, plan):
        response = session(ops).post(
            f"{PLANS}{plan.pk}/rules/",
            {"name": "Too low", "kind": "margin", "rate": "5", "floor_rate": "8"},
            format="json",
        )
        assert response.status_code == 400
        assert "floor" in error_of(response)["message"], response.json()
        assert _rules(plan) == []

    def test_a_rule_needs_a_rate_or_a_fee_and_a_known_kind(self, ops, plan):
        client = session(ops)
        neither = client.post(
            f"{PLANS}{plan.pk}/rules/", {"name": "Nothing", "kind": "one_time"}, format="json"
        )
        assert neither.status_code == 400
        unknown = client.post(f"{PLANS}{plan.pk}/rules/", {**RULE, "kind": "bonus"}, format="json")
        assert unknown.status_code == 400
        assert "kind" in error_of(unknown)["details"]
        assert _rules(plan) == []

    def test_editing_a_version_with_paid_lines_opens_a_new_version(self, ops, acme, margin_rule):
        won_deal(acme, amount="1000")
        from deals.commissions.services import run_commission_calculation

        run_commission_calculation(period=Q3, actor=ops)
        pay_everything(Q3, ops)
        plan = margin_rule.version.plan
        url = f"{PLANS}{plan.pk}/rules/{margin_rule.pk}/"
        client = session(ops)
        too_early = client.patch(url, {"rate": "11", "effective_from": "2024-06-01"}, format="json")
        assert too_early.status_code == 400
        assert "must start after" in error_of(too_early)["message"]
        assert plan.versions.count() == 1
        response = client.patch(
            url,
            {"rate": "11", "effective_from": "2027-01-01", "notes": "More margin"},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["rate"] == "11.0000"
        versions = list(plan.versions.order_by("number"))
        assert [(v.number, v.effective_to) for v in versions] == [
            (1, dt.date(2026, 12, 31)), (2, None),
        ]  # fmt: skip
        assert response.json()["plan_version"] == versions[1].pk
        margin_rule.refresh_from_db()
        assert margin_rule.rate == Decimal("10"), "the paid version keeps its rule"

    def test_a_rule_with_lines_cannot_be_removed(self, ops, acme, margin_rule):
        from deals.commissions.services import run_commission_calculation

        won_deal(acme, amount="1000")
        run_commission_calculation(period=Q3, actor=ops)
        plan = margin_rule.version.plan
        response = session(ops).post(
            f"{PLANS}{plan.pk}/rules/{margin_rule.pk}/remove/", {}, format="json"
        )
        assert response.status_code == 400
        assert CommissionRule.objects.filter(pk=margin_rule.pk).exists()

    def test_a_rule_of_another_plan_or_an_old_version_is_a_404(self, ops, plan, margin_rule):
        other = session(ops).post(
            PLANS, {"name": "Other", "effective_from": "2026-01-01"}, format="json"
        )
        url = f"{PLANS}{other.json()['id']}/rules/{margin_rule.pk}/"
        response = session(ops).patch(url, {"priority": 3}, format="json")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        margin_rule.refresh_from_db()
        assert margin_rule.priority == 0

    @pytest.mark.parametrize("who", ["cam", "acme_admin"])
    def test_nobody_else_changes_rules(self, personas, who, plan, margin_rule):
        client = session(personas[who])
        assert client.post(f"{PLANS}{plan.pk}/rules/", RULE, format="json").status_code == 403
        url = f"{PLANS}{plan.pk}/rules/{margin_rule.pk}/"
        assert client.patch(url, {"rate": "1"}, format="json").status_code == 403
        assert client.post(f"{url}remove/", {}, format="json").status_code == 403
        assert [r.pk for r in _rules(plan)] == [margin_rule.pk]
        margin_rule.refresh_from_db()
        assert margin_rule.rate == Decimal("10")


class TestSpiffs:
    def test_ops_add_read_and_change_a_spiff(self, ops):
        client = session(ops)
        created = client.post(SPIFFS, SPIFF, format="json")
        assert created.status_code == 201, created.content
        spiff = created.json()
        assert (spiff["threshold_amount"], spiff["extra_rate"]) == ("5000.000", "2.5000")
        listed = client.get(SPIFFS).json()["results"]
        assert [row["name"] for row in listed] == ["Summer push"]
        edited = client.patch(f"{SPIFFS}{spiff['id']}/", {"min_deals": 3}, format="json")
        assert edited.status_code == 200
        assert (edited.json()["min_deals"], edited.json()["name"]) == (3, "Summer push")
        assert AuditEvent.objects.filter(verb="spiff_saved", actor=ops).count() == 2

    def test_a_spiff_ending_before_it_starts_is_a_400(self, ops):
        response = session(ops).post(SPIFFS, {**SPIFF, "ends_on": "2026-06-30"}, format="json")
        assert response.status_code == 400
        assert "ends on or after" in error_of(response)["message"]
        assert not Spiff.objects.exists()

    @pytest.mark.parametrize("who", NOT_OPS)
    def test_nobody_else_reads_or_writes_spiffs(self, personas, who, ops):
        spiff = session(ops).post(SPIFFS, SPIFF, format="json").json()
        client = session(personas[who])
        assert client.get(SPIFFS).status_code == 403
        assert client.post(SPIFFS, SPIFF, format="json").status_code == 403
        response = client.patch(f"{SPIFFS}{spiff['id']}/", {"min_deals": 9}, format="json")
        assert response.status_code == 403
        assert Spiff.objects.get().min_deals == 2


class TestRepTerritories:
    def test_ops_add_change_and_remove_a_territory(self, ops):
        client = session(ops)
        created = client.post(
            TERRITORIES,
            {"country": "de", "rep_name": "Dora Direct", "rep_email": "Dora@Vendor.example"},
            format="json",
        )
        assert created.status_code == 201, created.content
        row = created.json()
        assert (row["country"], row["region"], row["rep_email"]) == (
            "DE", "", "dora@vendor.example",
        )  # fmt: skip
        edited = client.patch(f"{TERRITORIES}{row['id']}/", {"rep_name": "Dora D."}, format="json")
        assert edited.status_code == 200
        assert (edited.json()["rep_name"], edited.json()["country"]) == ("Dora D.", "DE")
        assert client.delete(f"{TERRITORIES}{row['id']}/").status_code == 204
        assert not RepTerritory.objects.exists()
        verbs = list(AuditEvent.objects.filter(actor=ops).values_list("verb", flat=True))
        assert verbs.count("rep_territory_saved") == 2 and "rep_territory_removed" in verbs

    def test_an_unknown_country_or_neither_country_nor_region_is_a_400(self, ops):
        client = session(ops)
        unknown = client.post(
            TERRITORIES,
            {"country": "XX", "rep_name": "X", "rep_email": "x@vendor.example"},
            format="json",
        )
        assert unknown.status_code == 400
        assert "country" in error_of(unknown)["details"]
        neither = client.post(
            TERRITORIES, {"rep_name": "X", "rep_email": "x@vendor.example"}, format="json"
        )
        assert neither.status_code == 400
        assert not RepTerritory.objects.exists()

    @pytest.mark.parametrize("who", NOT_OPS)
    def test_nobody_else_touches_territories(self, personas, who):
        territory = RepTerritory.objects.create(
            region="EMEA", rep_name="Erin", rep_email="erin@vendor.example"
        )
        client = session(personas[who])
        body = {"country": "FR", "rep_name": "F", "rep_email": "f@vendor.example"}
        assert client.post(TERRITORIES, body, format="json").status_code == 403
        url = f"{TERRITORIES}{territory.pk}/"
        assert client.patch(url, {"rep_name": "Mallory"}, format="json").status_code == 403
        assert client.delete(url).status_code == 403
        assert RepTerritory.objects.get().rep_name == "Erin"
