"""Ops pages for plans, rules (with the match preview and versioning) and spiffs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from deals.commissions.services import run_commission_calculation
from deals.models import CommissionPlan, CommissionPlanVersion, CommissionRule, Spiff
from prm.models import AuditEvent

from .conftest import IN_Q3, Q3, pay_everything, won_deal

NOT_OPS = ["acme_admin", "globex_admin", "distri_admin", "cam"]

RULE = {
    "name": "Partner-led margin",
    "business_model": "",
    "tier": "",
    "engagement": "partner_led",
    "sourcing": "",
    "product_line": "",
    "kind": "margin",
    "rate": "12",
    "amount": "",
    "currency": "USD",
    "periods": "4",
    "floor_rate": "9",
    "floor_amount": "0",
    "priority": "0",
    "notes": "",
}


@pytest.mark.parametrize("persona", NOT_OPS)
def test_plan_and_spiff_pages_are_ops_only(personas, persona, client_for, plan, margin_rule):
    spiff = Spiff.objects.create(name="Push", starts_on=IN_Q3, ends_on=IN_Q3, extra_rate=2)
    client = client_for(personas[persona])
    urls = [
        reverse("deals:commission_plan_list"),
        reverse("deals:commission_plan_create"),
        reverse("deals:commission_plan_detail", args=[plan.pk]),
        reverse("deals:commission_rule_add", args=[plan.pk]),
        reverse("deals:commission_rule_edit", args=[plan.pk, margin_rule.pk]),
        reverse("deals:commission_spiff_list"),
        reverse("deals:commission_spiff_create"),
        reverse("deals:commission_spiff_detail", args=[spiff.pk]),
        reverse("deals:commission_spiff_edit", args=[spiff.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, RULE).status_code == 404, url
    remove = reverse("deals:commission_rule_remove", args=[plan.pk, margin_rule.pk])
    assert client.post(remove).status_code == 404
    assert CommissionRule.objects.filter(pk=margin_rule.pk).exists()


def test_ops_create_a_plan(ops, client_for):
    client = client_for(ops)
    response = client.post(
        reverse("deals:commission_plan_create"),
        {"name": " Partner\u200b plan ", "description": "", "effective_from": "2026-01-01"},
    )
    plan = CommissionPlan.objects.get()
    assert response["Location"] == reverse("deals:commission_plan_detail", args=[plan.pk])
    assert plan.name == "Partner plan" and plan.versions.get().number == 1
    assert AuditEvent.objects.filter(verb="commission_plan_created", actor=ops).exists()
    duplicate = client.post(
        reverse("deals:commission_plan_create"),
        {"name": "Partner plan", "effective_from": "2026-01-01"},
    )
    assert duplicate.status_code == 200 and CommissionPlan.objects.count() == 1
    assert duplicate.context["form"].errors


def test_the_preview_counts_recent_deals_the_rule_would_select_without_saving(
    acme, globex, plan, ops, client_for
):
    globex.compensation_preference = "residual"
    globex.save()
    today = dt.date.today()
    led = [won_deal(acme, closed_on=today - dt.timedelta(days=n), engagement="partner_led")
           for n in range(3)]  # fmt: skip
    won_deal(acme, closed_on=today, engagement="vendor_assisted")
    won_deal(acme, closed_on=today - dt.timedelta(days=400), engagement="partner_led")
    won_deal(globex, closed_on=today, engagement="partner_led")  # residual partner
    response = client_for(ops).post(
        reverse("deals:commission_rule_add", args=[plan.pk]), {**RULE, "preview": "1"}
    )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.count == 3
    assert [deal.pk for deal in preview.sample] == [deal.pk for deal in led]
    assert not CommissionRule.objects.exists()


def test_the_preview_matches_product_lines(acme, plan, ops, client_for):
    won_deal(acme, closed_on=dt.date.today(), product_lines=["Cloud", "Edge"])
    won_deal(acme, closed_on=dt.date.today(), product_lines=["Edge"])
    won_deal(acme, closed_on=dt.date.today(), product_lines=["Cloud"])
    form = {**RULE, "engagement": "", "product_line": "Cloud", "preview": "1"}
    response = client_for(ops).post(reverse("deals:commission_rule_add", args=[plan.pk]), form)
    assert response.context["preview"].count == 2


def test_save_a_rule_and_see_its_floor(plan, ops, client_for):
    client = client_for(ops)
    response = client.post(reverse("deals:commission_rule_add", args=[plan.pk]), RULE)
    assert response.status_code == 302
    rule = CommissionRule.objects.get()
    assert (rule.rate, rule.floor_rate, rule.engagement) == (Decimal(12), Decimal(9), "partner_led")
    assert AuditEvent.objects.filter(verb="commission_rule_saved", actor=ops).exists()
    page = client.get(reverse("deals:commission_plan_detail", args=[plan.pk])).content.decode()
    assert "floor 9 %" in page and "Partner-led margin" in page


def test_a_flat_fee_and_its_floor_read_as_money(plan, ops, client_for):
    client = client_for(ops)
    fee = {**RULE, "name": "Referral fee", "kind": "one_time", "rate": "", "amount": "1500",
           "floor_rate": "0", "floor_amount": "1250"}  # fmt: skip
    response = client.post(reverse("deals:commission_rule_add", args=[plan.pk]), fee)
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(reverse("deals:commission_plan_detail", args=[plan.pk])).content.decode()
    assert "USD 1,500.00" in page and "floor USD 1,250.00" in page


def test_rule_errors_come_back_on_the_form(plan, ops, client_for):
    url = reverse("deals:commission_rule_add", args=[plan.pk])
    client = client_for(ops)
    below = client.post(url, {**RULE, "rate": "5"})
    assert below.status_code == 400
    assert below.context["form"].errors["rate"] == ["The rate is below the rule's floor."]
    both = client.post(url, {**RULE, "amount": "100"})
    assert "Give a rate or a flat fee" in both.content.decode()
    flat_margin = client.post(url, {**RULE, "rate": "", "amount": "100"})
    assert "Only one-time referral fees can be flat." in flat_margin.content.decode()
    residual = client.post(url, {**RULE, "kind": "residual", "periods": ""})
    assert residual.context["form"].errors["periods"] == [
        "Give the quarters a residual commission is paid for."
    ]
    assert not CommissionRule.objects.exists()


def test_only_a_residual_rule_needs_its_periods(plan, ops, client_for):
    fee = {**RULE, "name": "Referral fee", "kind": "one_time", "periods": ""}
    response = client_for(ops).post(reverse("deals:commission_rule_add", args=[plan.pk]), fee)
    assert response.status_code == 302, response.context["form"].errors
    assert CommissionRule.objects.get().kind == "one_time"


def test_editing_a_plan_with_paid_lines_creates_a_new_version_and_shows_the_diff(
    acme, plan, margin_rule, ops, client_for
):
    won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    client = client_for(ops)
    url = reverse("deals:commission_rule_edit", args=[plan.pk, margin_rule.pk])
    form_page = client.get(url)
    assert "saving creates version 2" in form_page.content.decode()
    data = {**RULE, "name": margin_rule.name, "engagement": "", "rate": "11", "floor_rate": "8"}
    missing = client.post(url, data)
    assert missing.status_code == 400 and set(missing.context["form"].errors) == {
        "effective_from", "notes"
    }  # fmt: skip
    saved = client.post(url, {**data, "effective_from": "2027-01-01", "notes": "Q1 uplift"})
    assert saved.status_code == 302
    v1, v2 = CommissionPlanVersion.objects.filter(plan=plan).order_by("number")
    assert v1.effective_to == dt.date(2026, 12, 31) and v2.effective_from == dt.date(2027, 1, 1)
    assert CommissionRule.objects.get(pk=margin_rule.pk).rate == Decimal(10), "paid rule kept"
    assert v2.rules.get().rate == Decimal(11)
    page = client.get(reverse("deals:commission_plan_detail", args=[plan.pk])).content.decode()
    assert "Q1 uplift" in page
    assert "rate 10.0000 → 11.0000" in page and "floor_rate 8.0000 → 8.0000" not in page


def test_remove_a_rule(plan, margin_rule, ops, client_for):
    response = client_for(ops).post(
        reverse("deals:commission_rule_remove", args=[plan.pk, margin_rule.pk])
    )
    assert response.status_code == 302 and not CommissionRule.objects.exists()
    assert AuditEvent.objects.filter(verb="commission_rule_removed").exists()


def test_a_rule_with_lines_cannot_be_removed(acme, plan, margin_rule, ops, client_for):
    won_deal(acme)
    run_commission_calculation(period=Q3, actor=ops)
    response = client_for(ops).post(
        reverse("deals:commission_rule_remove", args=[plan.pk, margin_rule.pk]), follow=True
    )
    assert "it cannot be removed" in response.content.decode()
    assert CommissionRule.objects.filter(pk=margin_rule.pk).exists()


def test_a_rule_of_another_plan_is_not_found(plan, margin_rule, ops, client_for):
    from deals.commissions.plans import create_plan

    other = create_plan(actor=ops, name="Other", effective_from=dt.date(2025, 1, 1))
    url = reverse("deals:commission_rule_edit", args=[other.pk, margin_rule.pk])
    assert client_for(ops).get(url).status_code == 404


SPIFF = {
    "name": "Q3 push",
    "starts_on": "2026-07-01",
    "ends_on": "2026-09-30",
    "threshold_amount": "25000",
    "min_deals": "1",
    "extra_rate": "5",
    "tie_policy": "nobody",
}


def test_create_and_edit_a_spiff(ops, client_for):
    client = client_for(ops)
    response = client.post(reverse("deals:commission_spiff_create"), SPIFF)
    spiff = Spiff.objects.get()
    assert response["Location"] == reverse("deals:commission_spiff_detail", args=[spiff.pk])
    assert (spiff.threshold_amount, spiff.tie_policy) == (Decimal(25000), "nobody")
    client.post(
        reverse("deals:commission_spiff_edit", args=[spiff.pk]), {**SPIFF, "extra_rate": "6"}
    )
    assert Spiff.objects.get().extra_rate == Decimal(6)
    assert AuditEvent.objects.filter(verb="spiff_saved", actor=ops).count() == 2


def test_spiff_errors_are_form_errors(ops, client_for):
    response = client_for(ops).post(
        reverse("deals:commission_spiff_create"),
        {**SPIFF, "ends_on": "2026-06-30", "min_deals": "0", "tie_policy": "coin"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"ends_on", "min_deals", "tie_policy"}
    assert not Spiff.objects.exists()


@pytest.mark.parametrize(
    ("rate", "message"),
    [("5000", "At most 100 %."), ("-1", "At least 0 %."), ("2.12345", "At most 4 decimals.")],
)
def test_a_spiffs_extra_is_a_percentage_said_once(ops, client_for, rate, message):
    response = client_for(ops).post(
        reverse("deals:commission_spiff_create"), {**SPIFF, "extra_rate": rate}
    )
    assert response.context["form"].errors["extra_rate"] == [message]
    assert not Spiff.objects.exists()


def test_a_spiffs_threshold_reads_as_money(ops, client_for, settings):
    settings.PRM_DEFAULT_CURRENCY = "USD"
    client = client_for(ops)
    client.post(reverse("deals:commission_spiff_create"), SPIFF)
    assert "USD 25,000.00" in client.get(reverse("deals:commission_spiff_list")).content.decode()
    detail = client.get(reverse("deals:commission_spiff_detail", args=[Spiff.objects.get().pk]))
    assert "at least USD 25,000.00" in detail.content.decode()


def test_the_spiff_standing_shows_counts_ties_and_winners(acme, globex, ops, client_for):
    spiff = Spiff.objects.create(
        name="Push", starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30),
        threshold_amount=Decimal(25000), extra_rate=Decimal(5),
        tie_policy=Spiff.TiePolicy.FIRST_TO_REACH,
    )  # fmt: skip
    won_deal(acme, amount="30000", closed_on=dt.date(2026, 7, 5))
    won_deal(globex, amount="30000", closed_on=dt.date(2026, 7, 9))
    won_deal(globex, amount="100", closed_on=dt.date(2026, 7, 9))  # below the threshold
    response = client_for(ops).get(reverse("deals:commission_spiff_detail", args=[spiff.pk]))
    rows = response.context["rows"]
    assert rows == [("Acme", 1, True, True), ("Globex", 1, False, True)]
    assert "2 partners are tied at the top." in response.content.decode()


def test_a_flat_referral_fee_rule_and_its_floor(plan, ops, client_for):
    url = reverse("deals:commission_rule_add", args=[plan.pk])
    flat = {**RULE, "kind": "one_time", "rate": "", "floor_rate": "0", "amount": "500"}
    client = client_for(ops)
    below = client.post(url, {**flat, "floor_amount": "600"})
    assert below.context["form"].errors["amount"] == ["The fee is below the rule's floor."]
    assert client.post(url, {**flat, "floor_amount": ""}).status_code == 302
    rule = CommissionRule.objects.get()
    assert (rule.amount, rule.floor_amount, rule.rate) == (Decimal(500), Decimal(0), None)
