"""Program operations' MDF pages: the activity menu, the program settings, discretionary
allocations, payments in bulk (all or nothing, each bad row named) and the program view with
its charts and CSV export."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mdf.claims import services as claims
from mdf.funds.selectors import partner_balance
from mdf.models import ActivityType, FundRequest, MdfPayment, MdfSettings, ProofKind
from mdf.requests import services as requests
from prm.audit import events_for

from .conftest import pdf

pytestmark = pytest.mark.django_db
Status = FundRequest.Status


class TestActivityMenu:
    def test_ops_add_an_activity_type(self, client_for, ops):
        data = {
            "name": "Trade show booth",
            "category": "event",
            "max_vendor_share": "60",
            "required_proof": ["invoice", "attendee_list"],
            "business_models": ["reseller", "msp"],
            "position": "3",
            "is_active": "on",
        }
        response = client_for(ops).post(reverse("mdf:activity_type_create"), data)
        assert response.status_code == 302
        activity = ActivityType.objects.get(name="Trade show booth")
        assert activity.required_proof == ["invoice", "attendee_list"]
        assert activity.business_models == ["reseller", "msp"]
        assert activity.max_vendor_share == Decimal("60")
        assert events_for(activity).filter(verb="mdf.activity_type_created").exists()

    def test_a_duplicate_name_and_a_bad_share_are_shown_on_their_fields(
        self, client_for, ops, webinar
    ):
        data = {"name": "webinar", "category": "webinar", "max_vendor_share": "50", "position": 0}
        response = client_for(ops).post(reverse("mdf:activity_type_create"), data)
        assert "exists" in response.context["form"].errors["name"][0]
        data.update(name="Podcast", max_vendor_share="150")
        response = client_for(ops).post(reverse("mdf:activity_type_create"), data)
        assert response.context["form"].errors["max_vendor_share"]
        assert not ActivityType.objects.filter(name="Podcast").exists()

    def test_edit_and_withdraw(self, client_for, ops, webinar):
        client = client_for(ops)
        page = client.get(reverse("mdf:activity_type_edit", args=[webinar.pk]))
        assert page.context["form"].initial["name"] == "Webinar"
        data = {
            "name": "Webinar series",
            "category": "webinar",
            "max_vendor_share": "40",
            "required_proof": ["invoice", "lead_list"],
            "position": "1",
            "is_active": "on",
        }
        client.post(reverse("mdf:activity_type_edit", args=[webinar.pk]), data)
        webinar.refresh_from_db()
        assert (webinar.name, webinar.max_vendor_share) == ("Webinar series", Decimal("40"))
        client.post(reverse("mdf:activity_type_toggle", args=[webinar.pk]))
        webinar.refresh_from_db()
        assert not webinar.is_active

    def test_a_withdrawn_activity_leaves_the_partners_menu(
        self, client_for, ops, acme_rep, funded_acme, webinar
    ):
        client_for(ops).post(reverse("mdf:activity_type_toggle", args=[webinar.pk]))
        page = client_for(acme_rep).get(reverse("mdf:request_create"))
        assert webinar not in page.context["form"].fields["activity_type"].queryset


class TestSettings:
    def test_ops_change_the_settings_audited(self, client_for, ops):
        form = client_for(ops).get(reverse("mdf:settings")).context["form"]
        data = {name: form[name].value() or "" for name in form.fields}
        data.update(claim_window_days="45", carry_over="days", carry_over_days="15")
        response = client_for(ops).post(reverse("mdf:settings"), data)
        assert response.status_code == 302
        program = MdfSettings.current()
        assert (program.claim_window_days, program.carry_over_days) == (45, 15)
        assert events_for(program).filter(verb="mdf.settings_changed").exists()

    def test_an_out_of_range_value_is_refused(self, client_for, ops):
        form = client_for(ops).get(reverse("mdf:settings")).context["form"]
        data = {name: form[name].value() or "" for name in form.fields}
        data.update(claim_window_days="0")
        response = client_for(ops).post(reverse("mdf:settings"), data)
        assert response.context["form"].errors["claim_window_days"]
        assert MdfSettings.current().claim_window_days == 60


class TestAllocation:
    def test_search_then_allocate_with_a_reason(self, client_for, ops, mdf_acme):
        client = client_for(ops)
        found = client.get(reverse("mdf:allocation"), {"q": "acm"})
        assert mdf_acme in found.context["matches"]
        url = reverse("mdf:allocation") + f"?partner={mdf_acme.pk}"
        refused = client.post(url, {"amount": "2500"})
        assert refused.status_code == 400 and refused.context["form"].errors["reason"]
        client.post(url, {"amount": "2,500.00", "reason": "Co-marketing launch"})
        assert partner_balance(mdf_acme).total.available == Decimal("2500.00")


@pytest.fixture
def payable(make_request, cam, acme_rep):
    """Two requests whose claims are approved (900 and 400), waiting for payment."""
    rows = []
    for title, claimed in (("Webinar A", "900.00"), ("Webinar B", "400.00")):
        fund_request = requests.approve_request(actor=cam, request=make_request(title=title))
        claim = claims.save_claim(
            actor=acme_rep, request=fund_request, actual_cost="1800", claimed_amount=claimed
        )
        claims.add_proof(actor=acme_rep, claim=claim, kind=ProofKind.INVOICE, upload=pdf())
        claims.submit_claim(actor=acme_rep, request=fund_request, today=fund_request.ends_on)
        rows.append(claims.approve_claim(actor=cam, request=fund_request))
    return rows


class TestPayments:
    def test_the_page_lists_approved_claims_with_their_amounts(self, client_for, ops, payable):
        html = client_for(ops).get(reverse("mdf:payments")).content.decode()
        assert f'name="amount-{payable[0].pk}" value="900.00"' in html
        assert "Webinar B" in html
        # Paid on starts at today, as a payout's day does.
        assert f'name="paid_on" value="{timezone.localdate().isoformat()}"' in html

    def test_a_bad_row_records_nothing_and_is_named(self, client_for, ops, payable):
        first, second = payable
        data = {
            "pay": [first.pk, second.pk],
            f"amount-{first.pk}": "900.00",
            f"amount-{second.pk}": "450.00",
            "paid_on": dt.date.today().isoformat(),
            "reference": "BATCH-7",
        }
        response = client_for(ops).post(reverse("mdf:payments"), data)
        assert response.status_code == 400
        assert not MdfPayment.objects.exists()
        rows = {row["request"].pk: row for row in response.context["rows"]}
        assert "Pay exactly the approved" in rows[second.pk]["error"]
        assert rows[first.pk]["error"] == "" and rows[first.pk]["ticked"]
        assert rows[second.pk]["amount"] == "450.00"  # what was typed stays to be corrected

    def test_ticked_rows_are_paid_and_the_balance_moves(
        self, client_for, ops, payable, funded_acme
    ):
        first, second = payable
        data = {
            "pay": [first.pk, second.pk],
            f"amount-{first.pk}": "900.00",
            f"amount-{second.pk}": "400.00",
            f"reference-{second.pk}": "WIRE-2",
            "paid_on": dt.date.today().isoformat(),
            "reference": "BATCH-7",
        }
        response = client_for(ops).post(reverse("mdf:payments"), data)
        assert response.status_code == 302
        references = dict(MdfPayment.objects.values_list("request_id", "reference"))
        assert references == {first.pk: "BATCH-7", second.pk: "WIRE-2"}
        total = partner_balance(funded_acme).total
        assert (total.paid, total.committed) == (Decimal("1300.00"), Decimal("0"))

    def test_nothing_ticked(self, client_for, ops, payable):
        data = {"paid_on": dt.date.today().isoformat(), "reference": "X"}
        response = client_for(ops).post(reverse("mdf:payments"), data)
        assert "Tick at least one" in str(response.context["form"].non_field_errors())

    def test_an_unreadable_amount_is_named_on_its_row(self, client_for, ops, payable):
        first = payable[0]
        data = {"pay": [first.pk], f"amount-{first.pk}": "lots", "paid_on": "2026-01-05"}
        response = client_for(ops).post(reverse("mdf:payments"), data)
        rows = {row["request"].pk: row for row in response.context["rows"]}
        assert rows[first.pk]["error"] and not MdfPayment.objects.exists()


class TestProgramView:
    def test_charts_are_svg_with_a_table_under_each(self, client_for, ops, payable):
        html = client_for(ops).get(reverse("mdf:program")).content.decode()
        for key in ("utilization", "decide", "pay", "return"):
            assert f'data-testid="table-{key}"' in html
        assert 'data-testid="chart-utilization"' in html and 'class="bar"' in html
        assert "style=" not in html

    @pytest.mark.parametrize("by", ["tier", "business_model", "activity_type"])
    def test_every_dimension_renders(self, client_for, ops, payable, by):
        response = client_for(ops).get(reverse("mdf:program"), {"by": by})
        assert response.status_code == 200 and response.context["dimension"] == by

    def test_the_export_is_streamed_and_formula_safe(self, client_for, ops, payable):
        ActivityType.objects.filter(pk=payable[0].activity_type_id).update(
            name='=HYPERLINK("http://x")'
        )
        response = client_for(ops).get(reverse("mdf:program_export"))
        assert response.streaming
        assert response["Content-Disposition"].startswith('attachment; filename="mdf-program-')
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][:4] == ["dimension", "group", "credited", "committed"]
        by_activity = [row for row in rows[1:] if row[0] == "activity_type"]
        assert by_activity and by_activity[0][1].startswith("'=HYPERLINK")
        tier_rows = [row for row in rows[1:] if row[0] == "tier"]
        paid = sum(Decimal(row[4]) for row in tier_rows)
        assert paid == Decimal("0")  # approved, not paid yet
        assert sum(Decimal(row[3]) for row in tier_rows) == Decimal("1300.00")


def test_a_cams_program_view_and_export_cover_only_their_partners(
    client_for, cam, other_cam, funded_acme
):
    mine = client_for(cam).get(reverse("mdf:program"))
    assert mine.context["total"].credited == Decimal("5000.00")
    theirs = client_for(other_cam).get(reverse("mdf:program"))
    assert theirs.context["total"].credited == Decimal("0")
    export = client_for(other_cam).get(reverse("mdf:program_export"))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert all(Decimal(row[2] or 0) == 0 for row in rows[1:])
