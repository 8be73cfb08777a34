"""The portal's bulk actions in the API: deciding several registrations with one reason,
offering several leads to a partner, moving several partners to another channel account
manager. Each runs the portal's per-row service (each row in a savepoint of its own) and answers
one row per id: what was done, or why it was refused; a refused row leaves nothing behind."""

import pytest

from deals.models import DealRegistration, Lead
from partners.models import Partner
from prm.audit import events_for
from tests.deals.api_support import error_of, key_client, session
from tests.deals.conflict_factories import LeadFactory
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, UserFactory

Status = DealRegistration.Status
DECIDE = "/api/v1/registrations/bulk-decide/"
OFFER = "/api/v1/leads/bulk-offer/"
REASSIGN = "/api/v1/partners/bulk-reassign/"


def outcomes(response) -> list[tuple[int, bool, str]]:
    assert response.status_code == 200, response.content
    body = response.json()
    rows = [(row["id"], row["ok"], row["message"]) for row in body["results"]]
    assert body["succeeded"] == sum(ok for _id, ok, _m in rows)
    assert body["failed"] == len(rows) - body["succeeded"]
    return rows


@pytest.fixture
def deal_in(acme, acme_rep):
    def make(status, **fields):
        return DealFactory(partner=acme, registered_by=acme_rep, status=status, **fields)

    return make


class TestBulkDecision:
    def test_a_cam_rejects_several_with_one_reason_and_refusals_are_reported(
        self, cam, deal_in, globex, globex_admin
    ):
        fine = deal_in(Status.SUBMITTED)
        decided = deal_in(Status.APPROVED)
        theirs = DealFactory(partner=globex, registered_by=globex_admin, status=Status.SUBMITTED)
        response = session(cam).post(
            DECIDE,
            {"decision": "reject", "reason": "Duplicate opportunity",
             "registrations": [fine.pk, decided.pk, theirs.pk]},
            format="json",
        )  # fmt: skip
        rows = outcomes(response)
        assert [(pk, ok) for pk, ok, _m in rows] == [
            (fine.pk, True), (decided.pk, False), (theirs.pk, False),
        ]  # fmt: skip
        assert rows[2][2] == "Not in your scope."
        assert theirs.customer_name not in response.json()["results"][2]["label"]
        for deal in (fine, decided, theirs):
            deal.refresh_from_db()
        assert (fine.status, fine.decision_reason) == (Status.REJECTED, "Duplicate opportunity")
        assert [e.verb for e in events_for(fine)][-1] == "deal.rejected"
        assert (decided.status, theirs.status) == (Status.APPROVED, Status.SUBMITTED)

    def test_a_program_wide_key_approves_several(self, ops, deal_in):
        deals = [deal_in(Status.SUBMITTED) for _ in range(2)]
        client = key_client(ops, "deals:read", "deals:write")
        rows = outcomes(
            client.post(
                DECIDE,
                {"decision": "approve", "registrations": [d.pk for d in deals]},
                format="json",
            )  # fmt: skip
        )
        assert [ok for _pk, ok, _m in rows] == [True, True]
        assert set(DealRegistration.objects.values_list("status", flat=True)) == {Status.APPROVED}

    def test_a_rejection_without_a_reason_decides_nothing(self, cam, deal_in):
        deal = deal_in(Status.SUBMITTED)
        response = session(cam).post(
            DECIDE, {"decision": "reject", "registrations": [deal.pk]}, format="json"
        )
        assert response.status_code == 400
        assert "reason" in error_of(response)["details"]
        deal.refresh_from_db()
        assert deal.status == Status.SUBMITTED

    def test_an_empty_or_unknown_decision_is_a_400(self, cam, deal_in):
        deal = deal_in(Status.SUBMITTED)
        client = session(cam)
        empty = client.post(DECIDE, {"decision": "approve", "registrations": []}, format="json")
        assert "registrations" in error_of(empty)["details"]
        odd = client.post(DECIDE, {"decision": "maybe", "registrations": [deal.pk]}, format="json")
        assert odd.status_code == 400 and "decision" in error_of(odd)["details"]
        deal.refresh_from_db()
        assert deal.status == Status.SUBMITTED

    @pytest.mark.parametrize("who", ["acme_admin", "acme_rep", "globex_admin"])
    def test_partners_cannot_decide(self, personas, who, deal_in, ops, acme):
        deal = deal_in(Status.SUBMITTED)
        body = {"decision": "approve", "registrations": [deal.pk]}
        assert session(personas[who]).post(DECIDE, body, format="json").status_code == 403
        bound = key_client(ops, "deals:read", "deals:write", partner=acme)
        assert bound.post(DECIDE, body, format="json").status_code == 403
        deal.refresh_from_db()
        assert deal.status == Status.SUBMITTED


class TestBulkOffer:
    def test_ops_offer_several_and_see_which_were_refused(self, ops, acme):
        fresh = [LeadFactory(company_name=f"Fresh {n}") for n in range(2)]
        closed = LeadFactory(company_name="Closed Co", status=Lead.Status.CLOSED)
        rows = outcomes(
            session(ops).post(
                OFFER,
                {"partner": acme.pk, "leads": [fresh[0].pk, closed.pk, fresh[1].pk]},
                format="json",
            )
        )
        assert [ok for _pk, ok, _m in rows] == [True, False, True]
        for lead in fresh:
            lead.refresh_from_db()
            assert (lead.status, lead.partner) == (Lead.Status.OFFERED, acme)
            assert [e.verb for e in events_for(lead)][-1] == "lead.offered"
        closed.refresh_from_db()
        assert (closed.status, closed.partner) == (Lead.Status.CLOSED, None)

    def test_a_cam_offers_only_to_their_own_partners(self, cam, globex, acme):
        lead = LeadFactory(created_by=cam)
        response = session(cam).post(
            OFFER, {"partner": globex.pk, "leads": [lead.pk]}, format="json"
        )
        assert response.status_code == 400
        assert "partner" in error_of(response)["details"]
        lead.refresh_from_db()
        assert lead.status == Lead.Status.NEW
        mine = session(cam).post(OFFER, {"partner": acme.pk, "leads": [lead.pk]}, format="json")
        assert [ok for _pk, ok, _m in outcomes(mine)] == [True]

    def test_leads_outside_the_cams_scope_are_refused_rows(self, cam, other_cam, acme):
        theirs = LeadFactory(created_by=other_cam, company_name="Secret Co")
        response = session(cam).post(
            OFFER, {"partner": acme.pk, "leads": [theirs.pk]}, format="json"
        )
        assert outcomes(response) == [(theirs.pk, False, "Not in your scope.")]
        assert "Secret" not in response.json()["results"][0]["label"]
        theirs.refresh_from_db()
        assert theirs.status == Lead.Status.NEW

    def test_partners_cannot_offer(self, acme_admin, acme):
        lead = LeadFactory()
        response = session(acme_admin).post(
            OFFER, {"partner": acme.pk, "leads": [lead.pk]}, format="json"
        )
        assert response.status_code == 403
        lead.refresh_from_db()
        assert lead.status == Lead.Status.NEW


class TestBulkReassign:
    @pytest.fixture
    def new_cam(self, db):
        return UserFactory(email="new.cam@vendor.example", full_name="Nia New", internal_role="cam")

    def test_ops_move_partners_and_refusals_leave_them_as_they_were(self, ops, cam, acme, new_cam):
        terminated = PartnerFactory(
            display_name="Gone", status=Partner.Status.TERMINATED, channel_manager=cam
        )
        client = key_client(ops, "partners:read", "partners:write")
        rows = outcomes(
            client.post(
                REASSIGN,
                {
                    "channel_manager": new_cam.pk,
                    "reason": "Territory",
                    "partners": [acme.pk, terminated.pk, 999999],
                },
                format="json",
            )  # fmt: skip
        )
        assert [(pk, ok) for pk, ok, _m in rows] == [
            (acme.pk, True), (terminated.pk, False), (999999, False),
        ]  # fmt: skip
        assert "terminated" in rows[1][2]
        acme.refresh_from_db(), terminated.refresh_from_db()
        assert (acme.channel_manager, terminated.channel_manager) == (new_cam, cam)
        event = events_for(acme).get(verb="partner.channel_manager_changed")
        assert event.reason == "Territory" and event.data["after"] == new_cam.pk

    def test_the_target_must_be_a_channel_account_manager(self, ops, acme, cam):
        response = session(ops).post(
            REASSIGN, {"channel_manager": ops.pk, "partners": [acme.pk]}, format="json"
        )
        assert response.status_code == 400
        assert "channel_manager" in error_of(response)["details"]
        acme.refresh_from_db()
        assert acme.channel_manager == cam

    @pytest.mark.parametrize("who", ["cam", "acme_admin", "globex_admin"])
    def test_only_ops_reassign(self, personas, who, acme, cam, new_cam):
        response = session(personas[who]).post(
            REASSIGN, {"channel_manager": new_cam.pk, "partners": [acme.pk]}, format="json"
        )
        assert response.status_code == 403
        acme.refresh_from_db()
        assert acme.channel_manager == cam
