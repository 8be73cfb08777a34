"""The partner and application lists: sorting, filters, export with the page's tenancy, and
moving partners to another channel account manager in bulk."""

import csv
import io

import pytest
from django.urls import reverse

from partners.models import Application, Partner
from prm.audit import events_for
from prm.models import Notification
from tests.factories import ApplicationFactory, PartnerFactory, UserFactory

LIST = reverse("partners:partner_list")
REASSIGN = reverse("partners:partner_bulk_reassign")
APPLICATIONS = reverse("partners:application_list")


def names(response) -> list[str]:
    return [p.display_name for p in response.context["page_obj"]]


def exported(client, url, params) -> list[dict]:
    response = client.get(url, {**params, "export": "csv"})
    assert response.status_code == 200 and response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


class TestPartnerList:
    def test_sorts_by_tier_both_ways(self, client_for, ops, acme, globex, distri):
        client = client_for(ops)
        # Acme is Registered (rank 1), Distri Silver (2), Globex Gold (3).
        assert names(client.get(LIST, {"sort": "tier"})) == ["Acme", "Distri", "Globex"]
        assert names(client.get(LIST, {"sort": "-tier"})) == ["Globex", "Distri", "Acme"]

    def test_an_unset_filter_reads_any(self, client_for, ops, acme):
        form = client_for(ops).get(LIST).context["filter_form"]

        for name in ("status", "business_model", "tier", "distributor"):
            assert list(form.fields[name].choices)[0] == ("", "Any"), name
        assert "---------" not in form.as_p()

    def test_an_unknown_choice_is_an_error(self, client_for, ops, acme):
        response = client_for(ops).get(LIST, {"business_model": "pirate"})
        assert "business_model" in response.context["filter_form"].errors
        assert names(response) == []

    def test_the_export_is_the_filtered_list_and_follows_the_cams_scope(
        self, client_for, cam, ops, acme, globex, distri
    ):
        PartnerFactory(display_name="@SUM(A1)", channel_manager=cam)
        rows = exported(client_for(cam), LIST, {"sort": "name"})
        assert [r["Partner"] for r in rows] == ["'@SUM(A1)", "Acme", "Distri"]
        assert [r["Partner"] for r in exported(client_for(ops), LIST, {"q": "glob"})] == ["Globex"]

    def test_a_distributor_filters_its_resellers_and_not_others(
        self, client_for, distri_admin, acme, globex, distri
    ):
        client = client_for(distri_admin)
        assert names(client.get(LIST, {"distributor": distri.pk})) == ["Acme"]
        refused = client.get(LIST, {"distributor": globex.pk})
        assert "distributor" in refused.context["filter_form"].errors


class TestBulkReassign:
    @pytest.fixture
    def new_cam(self, db):
        return UserFactory(email="new.cam@vendor.example", full_name="Nia New", internal_role="cam")

    def test_ops_move_partners_and_each_move_is_audited_and_announced(
        self, client_for, ops, acme, globex, new_cam
    ):
        response = client_for(ops).post(
            REASSIGN,
            {"ids": [acme.pk, globex.pk], "channel_manager": new_cam.pk, "reason": "Territory"},
        )
        result = response.context["result"]
        assert len(result.succeeded) == 2 and not result.failed
        for partner in (acme, globex):
            partner.refresh_from_db()
            assert partner.channel_manager == new_cam
            event = events_for(partner).get(verb="partner.channel_manager_changed")
            assert event.actor == ops and event.reason == "Territory"
            assert event.data["after"] == new_cam.pk
        assert Notification.objects.filter(user=new_cam, kind="partner_assigned").count() == 2

    def test_refused_rows_are_reported_and_leave_the_partner_as_it_was(
        self, client_for, ops, cam, acme, globex, new_cam
    ):
        terminated = PartnerFactory(
            display_name="Gone", status=Partner.Status.TERMINATED, channel_manager=cam
        )
        already = PartnerFactory(display_name="Already", channel_manager=new_cam)
        response = client_for(ops).post(
            REASSIGN,
            {"ids": [acme.pk, terminated.pk, already.pk, 999999], "channel_manager": new_cam.pk},
        )
        rows = response.context["result"].rows
        assert [row.ok for row in rows] == [True, False, False, False]
        assert "terminated" in rows[1].message
        assert "already manages" in rows[2].message
        assert rows[3].message == "Not in your scope."
        terminated.refresh_from_db()
        assert terminated.channel_manager == cam
        assert not events_for(terminated).filter(verb="partner.channel_manager_changed").exists()

    def test_only_ops_reassign(self, client_for, cam, acme, new_cam):
        response = client_for(cam).post(REASSIGN, {"ids": [acme.pk], "channel_manager": new_cam.pk})
        assert response.status_code == 403
        acme.refresh_from_db()
        assert acme.channel_manager == cam

    def test_the_target_must_be_a_channel_account_manager(self, client_for, ops, acme):
        response = client_for(ops).post(REASSIGN, {"ids": [acme.pk], "channel_manager": ops.pk})
        assert response.status_code == 400
        assert "channel_manager" in response.context["reassign_form"].errors


class TestApplicationList:
    def test_opens_on_waiting_applications_and_sorts_filters_exports(
        self, client_for, ops, cam, other_cam
    ):
        waiting = ApplicationFactory(customer_count=10)
        bigger = ApplicationFactory(customer_count=900)
        declined = ApplicationFactory(status=Application.Status.DECLINED)
        theirs = ApplicationFactory(
            customer_count=0,
            partner=PartnerFactory(
                channel_manager=other_cam, status=Partner.Status.APPLIED, activated_at=None
            ),
        )
        client = client_for(ops)
        opened = [a.pk for a in client.get(APPLICATIONS).context["page_obj"]]
        assert declined.pk not in opened and waiting.pk in opened
        rows = exported(client, APPLICATIONS, {"status": "submitted", "sort": "-customers"})
        assert [int(r["ID"]) for r in rows] == [bigger.pk, waiting.pk, theirs.pk]
        cam_ids = {int(r["ID"]) for r in exported(client_for(cam), APPLICATIONS, {"status": ""})}
        assert theirs.pk not in cam_ids and waiting.pk in cam_ids
        bad = client.get(APPLICATIONS, {"status": "pending-ish"})
        assert list(bad.context["page_obj"]) == []
