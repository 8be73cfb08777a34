"""Running and paying commissions through the API: starting a calculation run and polling its
progress, per-deal overrides and their decision, approving statements one by one or in bulk and
recording payouts. The same services and rules as the portal's pages; a refusal changes
nothing."""

from decimal import Decimal

import pytest
from django.utils import timezone

from deals.commissions.statements import approve_statement
from deals.models import CommissionOverride, CommissionRun, Payout, Statement
from partners.models import CompensationPreference
from prm.models import AuditEvent
from tests.deals.api_support import error_of, key_client, session
from tests.deals.commissions.conftest import AFTER_HOLDS, Q3, won_deal

RUNS = "/api/v1/commission-runs/"
OVERRIDES = "/api/v1/commission-overrides/"
STATEMENTS = "/api/v1/commission-statements/"
NOT_OPS = ["acme_admin", "acme_rep", "globex_admin", "distri_admin", "cam", "other_cam"]


@pytest.fixture
def calculated(acme, globex, margin_rule, ops):
    """Q3 statements of Acme (100.00 payable once approved) and Globex."""
    from deals.commissions.services import run_commission_calculation

    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    won_deal(acme, amount="1000")
    won_deal(globex, amount="2000")
    run_commission_calculation(period=Q3, actor=ops)
    return {s.partner_id: s for s in Statement.objects.filter(period=Q3)}


class TestRuns:
    def test_ops_start_a_run_and_follow_its_progress(
        self, ops, acme, margin_rule, django_capture_on_commit_callbacks
    ):
        won_deal(acme, amount="1000")
        client = session(ops)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(RUNS, {"period": "2026-q3"}, format="json")
        assert response.status_code == 201, response.content
        started = response.json()
        assert (started["period"], started["status"]) == (Q3, "queued")
        detail = client.get(f"{RUNS}{started['id']}/").json()
        assert (detail["status"], detail["percent_done"], detail["lines_created"]) == (
            "done", 100, 1,
        )  # fmt: skip
        assert detail["rows_done"] == detail["rows_total"] == 1
        assert [row["id"] for row in client.get(RUNS).json()["results"]] == [started["id"]]
        assert AuditEvent.objects.filter(verb="commission_run_queued", actor=ops).exists()

    def test_a_program_wide_key_starts_one(self, ops):
        client = key_client(ops, "deals:read", "deals:write")
        assert client.post(RUNS, {"period": "FY2026-Q3"}, format="json").status_code == 201
        assert CommissionRun.objects.get().period == Q3

    def test_an_invalid_period_is_a_400(self, ops):
        response = session(ops).post(RUNS, {"period": "FY2026"}, format="json")
        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid_period"
        assert not CommissionRun.objects.exists()

    @pytest.mark.parametrize("who", NOT_OPS)
    def test_nobody_else_starts_or_reads_runs(self, personas, who, ops):
        CommissionRun.objects.create(period=Q3, requested_by=ops)
        client = session(personas[who])
        assert client.post(RUNS, {"period": Q3}, format="json").status_code == 403
        assert client.get(RUNS).status_code == 403
        assert CommissionRun.objects.count() == 1

    def test_a_partner_bound_key_cannot_start_one(self, ops, acme):
        client = key_client(ops, "deals:read", "deals:write", partner=acme)
        assert client.post(RUNS, {"period": Q3}, format="json").status_code == 403
        assert not CommissionRun.objects.exists()


class TestOverrides:
    @pytest.fixture
    def deal(self, acme, margin_rule):
        return won_deal(acme, amount="10000")

    def test_the_deals_cam_sets_one_at_or_above_the_floor(self, cam, deal):
        response = session(cam).post(
            OVERRIDES, {"deal": deal.pk, "rate": "9", "reason": "Strategic"}, format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["status"], body["rate"], body["below_floor"]) == ("approved", "9.0000", False)
        assert AuditEvent.objects.filter(verb="commission_override_set", actor=cam).exists()

    def test_below_the_floor_it_waits_for_ops_who_decide_with_a_reason(self, cam, ops, deal):
        created = session(cam).post(
            OVERRIDES, {"deal": deal.pk, "rate": "5", "reason": "Price match"}, format="json"
        )
        assert created.json()["status"] == "pending"
        pk = created.json()["id"]
        assert (
            session(cam)
            .post(f"{OVERRIDES}{pk}/decide/", {"approve": True, "reason": "ok"}, format="json")
            .status_code
            == 403
        )
        unexplained = session(ops).post(
            f"{OVERRIDES}{pk}/decide/", {"approve": True, "reason": "  "}, format="json"
        )
        assert unexplained.status_code == 400
        assert CommissionOverride.objects.get().status == "pending"
        decided = session(ops).post(
            f"{OVERRIDES}{pk}/decide/", {"approve": False, "reason": "No"}, format="json"
        )
        assert decided.status_code == 200
        assert (decided.json()["status"], decided.json()["decision_reason"]) == ("rejected", "No")
        assert AuditEvent.objects.filter(verb="commission_override_decided", actor=ops).exists()
        again = session(ops).post(
            f"{OVERRIDES}{pk}/decide/", {"approve": True, "reason": "Yes"}, format="json"
        )
        assert again.status_code == 400
        assert CommissionOverride.objects.get().status == "rejected"

    def test_a_fee_for_a_percentage_rule_or_no_reason_is_a_400(self, cam, deal):
        client = session(cam)
        fee = client.post(
            OVERRIDES, {"deal": deal.pk, "amount": "50", "reason": "x"}, format="json"
        )
        assert fee.status_code == 400
        assert "percentage rule" in error_of(fee)["message"]
        unexplained = client.post(OVERRIDES, {"deal": deal.pk, "rate": "9"}, format="json")
        assert unexplained.status_code == 400
        assert "reason" in error_of(unexplained)["details"]
        assert not CommissionOverride.objects.exists()

    def test_a_deal_no_rule_pays_has_nothing_to_override(self, cam, acme, plan):
        deal = won_deal(acme, amount="10000")
        response = session(cam).post(
            OVERRIDES, {"deal": deal.pk, "rate": "9", "reason": "x"}, format="json"
        )
        assert response.status_code == 400
        assert error_of(response)["code"] == "no_commission_rule"

    @pytest.mark.parametrize("who", ["acme_admin", "acme_rep", "globex_admin", "other_cam"])
    def test_nobody_else_sets_one_on_the_deal(self, personas, who, deal):
        response = session(personas[who]).post(
            OVERRIDES, {"deal": deal.pk, "rate": "5", "reason": "x"}, format="json"
        )
        assert response.status_code in {403, 404}
        assert not CommissionOverride.objects.exists()

    def test_a_cam_sees_only_the_overrides_of_their_partners(self, cam, other_cam, ops, deal):
        session(cam).post(OVERRIDES, {"deal": deal.pk, "rate": "9", "reason": "x"}, format="json")
        assert len(session(cam).get(OVERRIDES).json()["results"]) == 1
        assert session(other_cam).get(OVERRIDES).json()["results"] == []
        pk = CommissionOverride.objects.get().pk
        assert session(other_cam).get(f"{OVERRIDES}{pk}/").status_code == 404


class TestStatements:
    def test_ops_approve_one(self, calculated, acme, ops):
        statement = calculated[acme.pk]
        response = session(ops).post(f"{STATEMENTS}{statement.pk}/approve/")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "approved"
        assert response.json()["totals"]["earned"] == "100.00"
        assert AuditEvent.objects.filter(verb="statement_approved", actor=ops).count() == 1
        again = session(ops).post(f"{STATEMENTS}{statement.pk}/approve/")
        assert again.status_code == 409
        assert error_of(again)["code"] == "invalid_transition"

    @pytest.mark.parametrize("who", NOT_OPS)
    def test_nobody_else_approves(self, calculated, acme, personas, who):
        statement = calculated[acme.pk]
        response = session(personas[who]).post(f"{STATEMENTS}{statement.pk}/approve/")
        assert response.status_code in {403, 404}
        assert Statement.objects.get(pk=statement.pk).status == "draft"

    def test_a_partner_bound_key_cannot_approve_its_own(self, calculated, acme, ops):
        client = key_client(ops, "deals:read", "deals:write", partner=acme)
        statement = calculated[acme.pk]
        assert client.get(f"{STATEMENTS}{statement.pk}/").status_code == 200
        assert client.post(f"{STATEMENTS}{statement.pk}/approve/").status_code == 403
        assert Statement.objects.get(pk=statement.pk).status == "draft"

    def test_bulk_approval_reports_each_statement(self, calculated, acme, globex, ops):
        already = approve_statement(statement=calculated[globex.pk], actor=ops)
        draft = calculated[acme.pk]
        response = session(ops).post(
            f"{STATEMENTS}bulk-approve/",
            {"statements": [draft.pk, already.pk, 999999, draft.pk]},
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["succeeded"], body["failed"]) == (1, 2)
        outcome = {row["id"]: (row["ok"], row["message"]) for row in body["results"]}
        assert outcome[draft.pk] == (True, "Approved")
        assert outcome[already.pk][0] is False and "approved" in outcome[already.pk][1]
        assert outcome[999999] == (False, "Not in your scope.")
        assert Statement.objects.get(pk=draft.pk).status == "approved"
        assert AuditEvent.objects.filter(verb="statement_approved").count() == 2

    def test_bulk_approval_needs_ids_and_ops(self, calculated, acme, cam, ops):
        assert (
            session(cam)
            .post(
                f"{STATEMENTS}bulk-approve/",
                {"statements": [calculated[acme.pk].pk]},
                format="json",
            )
            .status_code
            == 403
        )
        empty = session(ops).post(f"{STATEMENTS}bulk-approve/", {"statements": []}, format="json")
        assert empty.status_code == 400
        assert "statements" in error_of(empty)["details"]
        assert not Statement.objects.filter(status="approved").exists()

    def _approved(self, statement, ops):
        return approve_statement(statement=statement, actor=ops, today=AFTER_HOLDS)

    def test_ops_record_a_payout(self, calculated, acme, ops):
        statement = self._approved(calculated[acme.pk], ops)
        response = session(ops).post(
            f"{STATEMENTS}{statement.pk}/payout/",
            {"amount": "100.00", "paid_on": str(timezone.localdate()),
             "external_reference": "WIRE-7"},
            format="json",
        )  # fmt: skip
        assert response.status_code == 201, response.content
        assert (response.json()["amount"], response.json()["external_reference"]) == (
            "100.00", "WIRE-7",
        )  # fmt: skip
        assert Payout.objects.get().amount == Decimal("100")
        assert Statement.objects.get(pk=statement.pk).status == "paid"
        assert AuditEvent.objects.filter(verb="payout_recorded", actor=ops).exists()

    def test_a_payout_that_does_not_match_or_lies_ahead_is_refused(self, calculated, acme, ops):
        statement = self._approved(calculated[acme.pk], ops)
        client = session(ops)
        url = f"{STATEMENTS}{statement.pk}/payout/"
        today = str(timezone.localdate())
        mismatch = client.post(
            url, {"amount": "99.99", "paid_on": today, "external_reference": "W"}, format="json"
        )
        assert mismatch.status_code == 409
        assert error_of(mismatch)["details"]["payable"] == "100.00"
        ahead = client.post(
            url,
            {"amount": "100", "paid_on": "2099-01-01", "external_reference": "W"},
            format="json",
        )
        assert ahead.status_code == 400
        assert "not ahead" in str(error_of(ahead)["details"]["paid_on"])
        assert not Payout.objects.exists()
        assert Statement.objects.get(pk=statement.pk).status == "approved"

    @pytest.mark.parametrize("who", NOT_OPS)
    def test_nobody_else_records_a_payout(self, calculated, acme, ops, personas, who):
        statement = self._approved(calculated[acme.pk], ops)
        response = session(personas[who]).post(
            f"{STATEMENTS}{statement.pk}/payout/",
            {"amount": "100", "paid_on": str(timezone.localdate()), "external_reference": "W"},
            format="json",
        )
        assert response.status_code in {403, 404}
        assert not Payout.objects.exists()
