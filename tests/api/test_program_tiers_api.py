"""Tiers with their requirements, agreement versions and channel teams through the API: program
ops change them through the Program area's services (the same refusals and messages as the
portal, one audit row with the before and after); nobody else does, and a partner-bound key
never does."""

from decimal import Decimal

import pytest

from partners.models import Agreement, Tier, TierRequirement
from partners.program.services import publish_agreement
from prm.models import AuditEvent, ChannelTeam
from tests.factories import PartnerFactory, TierRequirementFactory

from .assertions import error_of

pytestmark = pytest.mark.django_db

TIERS, AGREEMENTS, TEAMS = "/api/v1/tiers/", "/api/v1/agreements/", "/api/v1/channel-teams/"
SALES = TierRequirement.Metric.CERTIFIED_SALES
REVENUE = TierRequirement.Metric.SOURCED_REVENUE

PLATINUM = {
    "name": "Platinum",
    "rank": 9,
    "benefits": ["Named partner manager", "Joint marketing"],
    "mdf_accrual_rate": "0.0400",
    "commission_multiplier": "1.250",
    "requirements": [
        {"metric": SALES, "threshold": "5", "weight": 3, "position": 0},
        {"metric": REVENUE, "threshold": "250000.00", "weight": 1, "position": 1},
    ],
}


def _audit(verb):
    return AuditEvent.objects.filter(verb=verb).order_by("-id").first()


class TestTierWrites:
    def test_ops_add_a_tier_with_its_requirements(self, session_for, ops, tiers):
        response = session_for(ops).post(TIERS, PLATINUM, format="json")

        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["name"], body["rank"], body["commission_multiplier"]) == (
            "Platinum",
            9,
            "1.250",
        )
        assert [(r["metric"], r["threshold"], r["weight"]) for r in body["requirements"]] == [
            (SALES, "5.00", 3),
            (REVENUE, "250000.00", 1),
        ]
        tier = Tier.objects.get(name="Platinum")
        assert tier.benefits == ["Named partner manager", "Joint marketing"]
        event = _audit("tier.created")
        assert event.actor == ops and event.object_id == str(tier.pk)
        assert event.data["changes"]["name"] == {"before": None, "after": "Platinum"}

    def test_a_change_keeps_the_requirements_it_does_not_send(self, session_for, ops, tiers):
        silver = tiers[1]
        TierRequirementFactory(tier=silver, metric=SALES, threshold=2, weight=2)

        response = session_for(ops).patch(
            f"{TIERS}{silver.pk}/", {"description": "For committed partners"}, format="json"
        )

        assert response.status_code == 200, response.json()
        assert [(r["metric"], r["weight"]) for r in response.json()["requirements"]] == [(SALES, 2)]
        changes = _audit("tier.changed").data["changes"]
        assert changes == {"description": {"before": "", "after": "For committed partners"}}

    def test_requirements_sent_replace_the_list_with_before_and_after(
        self, session_for, ops, tiers
    ):
        silver = tiers[1]
        TierRequirementFactory(tier=silver, metric=SALES, threshold=2)
        rows = [{"metric": REVENUE, "threshold": "1000", "weight": 4, "position": 2}]

        response = session_for(ops).patch(
            f"{TIERS}{silver.pk}/", {"requirements": rows}, format="json"
        )

        assert response.status_code == 200, response.json()
        assert list(silver.requirements.values_list("metric", "threshold", "weight")) == [
            (REVENUE, Decimal("1000.00"), 4)
        ]
        changes = _audit("tier.changed").data["changes"]["requirements"]
        assert changes["before"] == ["certified_sales ≥ 2 (weight 1, order 0)"]
        assert changes["after"] == ["sourced_revenue ≥ 1000 (weight 4, order 2)"]

    def test_a_repeated_create_with_one_idempotency_key_adds_one_tier(
        self, session_for, ops, tiers
    ):
        client = session_for(ops)
        first = client.post(TIERS, PLATINUM, format="json", HTTP_IDEMPOTENCY_KEY="tier-9")
        again = client.post(TIERS, PLATINUM, format="json", HTTP_IDEMPOTENCY_KEY="tier-9")

        assert (first.status_code, again.status_code) == (201, 201)
        assert again["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert Tier.objects.filter(name="Platinum").count() == 1
        assert AuditEvent.objects.filter(verb="tier.created").count() == 1

    def test_a_lower_rate_than_a_lower_tier_is_refused_with_the_portal_message(
        self, session_for, ops, tiers
    ):
        cheap = {**PLATINUM, "mdf_accrual_rate": "0.0100"}

        response = session_for(ops).post(TIERS, cheap, format="json")

        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "invalid_configuration"
        assert error["message"] == "The tier cannot be saved."
        assert error["details"]["mdf_accrual_rate"] == (
            "The MDF accrual rate cannot be lower than that of Gold (0.02), a lower tier."
        )
        assert not Tier.objects.filter(name="Platinum").exists()

    def test_a_repeated_metric_and_a_fractional_count_are_refused(self, session_for, ops, tiers):
        silver = tiers[1]
        TierRequirementFactory(tier=silver, metric=SALES, threshold=1)
        client = session_for(ops)
        twice = [{"metric": SALES, "threshold": "1"}, {"metric": SALES, "threshold": "2"}]

        repeated = client.patch(f"{TIERS}{silver.pk}/", {"requirements": twice}, format="json")
        fraction = client.patch(
            f"{TIERS}{silver.pk}/",
            {"requirements": [{"metric": SALES, "threshold": "1.5"}]},
            format="json",
        )

        assert error_of(repeated)["details"]["requirements"] == (
            "Each metric may appear once per tier; repeated: Certified sales people."
        )
        assert "counts whole numbers" in error_of(fraction)["details"]["requirements"]
        assert list(silver.requirements.values_list("threshold", flat=True)) == [Decimal("1.00")]
        assert not AuditEvent.objects.filter(verb="tier.changed").exists()

    def test_a_taken_rank_and_a_row_without_a_metric_are_400(self, session_for, ops, tiers):
        client = session_for(ops)
        taken = client.post(TIERS, {**PLATINUM, "rank": tiers[2].rank}, format="json")
        no_metric = client.post(
            TIERS, {**PLATINUM, "requirements": [{"threshold": "1"}]}, format="json"
        )

        assert "rank" in error_of(taken)["details"]
        assert error_of(no_metric)["details"]["requirements"]["0"]["metric"]
        assert not Tier.objects.filter(name="Platinum").exists()

    def test_ops_remove_an_unused_tier_but_not_a_held_one(self, session_for, ops, tiers):
        client = session_for(ops)
        PartnerFactory(tier=tiers[0])

        held = client.delete(f"{TIERS}{tiers[0].pk}/")
        unused = client.delete(f"{TIERS}{tiers[2].pk}/")

        assert held.status_code == 400
        assert error_of(held)["message"] == (
            "Partners are in this tier; move them before removing it."
        )
        assert unused.status_code == 204
        assert not Tier.objects.filter(pk=tiers[2].pk).exists()
        assert _audit("tier.deleted").data["changes"]["name"]["before"] == "Gold"

    @pytest.mark.parametrize("who", ["acme_admin", "globex_admin", "cam"])
    def test_nobody_else_changes_tiers(self, who, personas, session_for, tiers):
        client = session_for(personas[who])
        silver = tiers[1]

        assert client.post(TIERS, PLATINUM, format="json").status_code == 403
        assert client.patch(f"{TIERS}{silver.pk}/", {"name": "Mine"}).status_code == 403
        assert client.delete(f"{TIERS}{silver.pk}/").status_code == 403
        assert Tier.objects.get(pk=silver.pk).name == "Silver"
        assert Tier.objects.count() == 3

    def test_a_key_writes_tiers_with_the_program_scope(self, key_client, tiers):
        partners_only = key_client("partners:read", "partners:write")
        program = key_client("partners:read", "program:write")

        refused = partners_only.post(TIERS, PLATINUM, format="json")
        created = program.post(TIERS, PLATINUM, format="json")

        assert refused.status_code == 403
        assert error_of(refused)["message"] == "This API key lacks the scope program:write."
        assert created.status_code == 201
        # Reading the ladder still needs only the partners scope every integration has.
        assert key_client("partners:read").get(TIERS).json()["count"] == 4

    def test_a_partner_bound_key_cannot_change_tiers(self, key_client, acme, tiers):
        client = key_client("partners:read", "program:write", partner=acme)
        response = client.patch(f"{TIERS}{tiers[0].pk}/", {"name": "Mine"}, format="json")
        assert response.status_code == 403
        assert Tier.objects.get(pk=tiers[0].pk).name == "Registered"


class TestAgreements:
    def test_ops_publish_a_new_version_with_audit(self, session_for, ops, acme_admin):
        response = session_for(ops).post(
            AGREEMENTS,
            {"version": "2027.1", "title": "Partner agreement", "body": "Terms."},
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert response.json()["version"] == "2027.1"
        agreement = Agreement.objects.get(version="2027.1")
        event = _audit("agreement.published")
        assert event.object_id == str(agreement.pk)
        assert event.data["changes"]["current version"] == {"before": None, "after": "2027.1"}
        listed = session_for(ops).get(AGREEMENTS).json()["results"]
        assert [row["version"] for row in listed] == ["2027.1"]

    def test_a_version_taking_effect_before_the_current_one_is_refused(self, session_for, ops):
        publish_agreement(actor=ops, version="2026.1", title="Agreement", body="Terms.")

        response = session_for(ops).post(
            AGREEMENTS,
            {"version": "2025.9", "title": "Old", "body": "x", "effective_at": "2020-01-01T00:00Z"},
            format="json",
        )

        assert response.status_code == 400
        error = error_of(response)
        assert error["message"] == "The agreement cannot be published."
        assert error["details"]["effective_at"].startswith(
            "A new version must take effect after version 2026.1"
        )
        assert not Agreement.objects.filter(version="2025.9").exists()

    def test_a_missing_body_is_400(self, session_for, ops):
        response = session_for(ops).post(AGREEMENTS, {"version": "1", "title": "T"}, format="json")
        assert response.status_code == 400
        assert "body" in error_of(response)["details"]

    @pytest.mark.parametrize("who", ["acme_admin", "cam"])
    def test_only_ops_publish(self, who, personas, session_for):
        body = {"version": "9", "title": "Mine", "body": "x"}
        assert session_for(personas[who]).post(AGREEMENTS, body).status_code == 403
        assert not Agreement.objects.exists()

    def test_partners_do_not_read_the_versions_here(
        self, session_for, acme_admin, key_client, acme
    ):
        assert session_for(acme_admin).get(AGREEMENTS).status_code == 403
        bound = key_client("program:read", "program:write", partner=acme)
        assert bound.get(AGREEMENTS).status_code == 403
        assert bound.post(AGREEMENTS, {"version": "9", "title": "x", "body": "x"}).status_code == (
            403
        )


class TestChannelTeams:
    def test_ops_add_and_change_a_team_with_before_and_after(self, session_for, ops, cam):
        client = session_for(ops)
        created = client.post(
            TEAMS,
            {"name": "ISV alliances", "business_models": ["isv"], "lead": cam.pk},
            format="json",
        )
        assert created.status_code == 201, created.json()
        assert created.json()["lead"]["email"] == cam.email
        pk = created.json()["id"]

        changed = client.patch(f"{TEAMS}{pk}/", {"segment": "ISVs"}, format="json")

        assert changed.status_code == 200
        assert changed.json()["business_models"] == ["isv"]  # untouched by the change
        assert ChannelTeam.objects.get(pk=pk).segment == "ISVs"
        assert _audit("channel_team.changed").data["changes"] == {
            "segment": {"before": "", "after": "ISVs"}
        }

    def test_a_repeated_create_with_one_idempotency_key_adds_one_team(self, session_for, ops):
        client = session_for(ops)
        for _attempt in range(2):
            response = client.post(
                TEAMS, {"name": "MSP team"}, format="json", HTTP_IDEMPOTENCY_KEY="team-1"
            )
            assert response.status_code == 201
        assert ChannelTeam.objects.filter(name="MSP team").count() == 1

    def test_a_model_served_by_another_team_is_refused(self, session_for, ops, team):
        team.business_models = ["msp"]
        team.save()
        taken = "msp"

        response = session_for(ops).post(
            TEAMS, {"name": "Second", "business_models": [taken]}, format="json"
        )

        assert response.status_code == 400
        assert error_of(response)["details"]["business_models"].startswith(
            "Each business model is served by one team; already served:"
        )
        assert not ChannelTeam.objects.filter(name="Second").exists()

    def test_a_partner_user_cannot_lead_a_team(self, session_for, ops, acme_rep):
        response = session_for(ops).post(TEAMS, {"name": "Odd", "lead": acme_rep.pk}, format="json")
        assert error_of(response)["details"]["lead"] == (
            "The team lead must be a member of the vendor's staff."
        )

    def test_staff_read_teams_and_only_ops_change_them(self, session_for, cam, team, acme_admin):
        assert session_for(cam).get(TEAMS).status_code == 200
        assert session_for(acme_admin).get(TEAMS).status_code == 403
        for who in (cam, acme_admin):
            response = session_for(who).patch(f"{TEAMS}{team.pk}/", {"name": "Mine"})
            assert response.status_code == 403
        assert ChannelTeam.objects.get(pk=team.pk).name == team.name


def test_listing_agreements_and_teams_costs_the_same_queries_for_more_rows(
    session_for, ops, django_assert_max_num_queries
):
    client = session_for(ops)
    publish_agreement(actor=ops, version="1", title="Agreement", body="Terms.")
    ChannelTeam.objects.create(name="First", lead=ops)
    with django_assert_max_num_queries(12) as few:
        client.get(AGREEMENTS)
        client.get(TEAMS)
    baseline = len(few)
    for n in range(2, 8):
        publish_agreement(actor=ops, version=str(n), title="Agreement", body="Terms.")
        ChannelTeam.objects.create(name=f"Team {n}", lead=ops)
    with django_assert_max_num_queries(baseline):
        assert client.get(AGREEMENTS).json()["count"] == 7
        assert client.get(TEAMS).json()["count"] == 7
