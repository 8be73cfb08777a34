"""Internal rep credit: the territory table ops maintain, who gets the credit for a deal (CRM
opportunity owner, else country, else region), totals per rep in the program currency, the page
and its CSV export."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from deals.commissions.exceptions import CommissionError, CommissionNotAllowed
from deals.commissions.periods import commission_period, period_of
from deals.commissions.repcredit.models import RepTerritory
from deals.commissions.repcredit.regions import region_of
from deals.commissions.repcredit.selectors import rep_credit_report
from deals.commissions.repcredit.services import remove_territory, save_territory
from deals.models import DealConflict
from prm.models import AuditEvent
from tests.deals.conflict_factories import OpportunityFactory

from .conftest import Q3, rate, won_deal

NOT_OPS = ["acme_admin", "globex_admin", "distri_admin", "cam", "other_cam"]


@pytest.fixture
def territories(ops):
    return [
        save_territory(
            actor=ops, country="de", rep_name="Dora Deutsch", rep_email="Dora@V.example"
        ),
        save_territory(actor=ops, region="EMEA", rep_name="Emil Emea", rep_email="emil@v.example"),
        save_territory(actor=ops, region="NA", rep_name="Nina North", rep_email="nina@v.example"),
    ]


def test_regions_of_countries():
    assert [region_of(c) for c in ("US", "ca", "BR", "MX", "JP", "AU", "DE", "ZA", "AE")] == [
        "NA", "NA", "LATAM", "LATAM", "APAC", "APAC", "EMEA", "EMEA", "EMEA"
    ]  # fmt: skip


def test_territories_are_saved_cleaned_and_audited(territories, ops):
    dora = territories[0]
    assert (dora.country, dora.rep_email) == ("DE", "dora@v.example")
    assert AuditEvent.objects.filter(verb="rep_territory_saved", actor=ops).count() == 3
    save_territory(actor=ops, territory=dora, rep_name="Dora D", rep_email="dd@v.example",
                   country="DE", region="")  # fmt: skip
    event = AuditEvent.objects.filter(verb="rep_territory_saved").latest("id")
    assert event.data["before"]["rep_name"] == "Dora Deutsch"
    remove_territory(actor=ops, territory=dora)
    assert AuditEvent.objects.filter(verb="rep_territory_removed").exists()


def test_territory_refusals(territories, ops, cam):
    with pytest.raises(CommissionNotAllowed):
        save_territory(actor=cam, country="FR", rep_name="x", rep_email="x@v.example")
    with pytest.raises(CommissionError, match="country or a region"):
        save_territory(actor=ops, rep_name="x", rep_email="x@v.example")
    with pytest.raises(CommissionError, match="Unknown country"):
        save_territory(actor=ops, country="XX", rep_name="x", rep_email="x@v.example")
    with pytest.raises(CommissionError):
        save_territory(actor=ops, country="DE", rep_name="x", rep_email="x@v.example")
    assert RepTerritory.objects.count() == 3


def _link_opportunity(deal, owner, resolution=DealConflict.Resolution.OPEN, score="80"):
    return DealConflict.objects.create(
        registration=deal, existing_opportunity=OpportunityFactory(owner_email=owner),
        score=Decimal(score), resolution=resolution,
    )  # fmt: skip


def test_the_rep_is_the_crm_owner_else_the_country_else_the_region(acme, globex, territories, cam):
    rate("EUR", "1.10")
    crm = won_deal(acme, amount="1000", country="DE")
    _link_opportunity(crm, "cam@vendor.example")
    german = won_deal(globex, amount="2000", country="DE", currency="EUR")
    french = won_deal(globex, amount="100", country="FR")
    american = won_deal(acme, amount="300", country="US")
    japanese = won_deal(acme, amount="50", country="JP")
    won_deal(acme, amount="999", country="US", sourcing="influenced")
    won_deal(acme, amount="999", country="US", closed_on=dt.date(2026, 10, 1))
    report = rep_credit_report(commission_period(Q3))
    reps = {d.deal_id: (d.rep.email if d.rep else None, d.rep.source if d.rep else None)
            for d in report.deals}  # fmt: skip
    assert reps == {
        crm.pk: ("cam@vendor.example", "CRM opportunity owner"),
        german.pk: ("dora@v.example", "Country territory"),
        french.pk: ("emil@v.example", "Region territory"),
        american.pk: ("nina@v.example", "Region territory"),
        japanese.pk: (None, None),
    }
    totals = {t.email: (t.name, t.deals, t.total) for t in report.totals}
    assert totals == {
        "cam@vendor.example": ("Casey Manager", 1, Decimal("1000.00")),
        "dora@v.example": ("Dora Deutsch", 1, Decimal("2200.00")),
        "emil@v.example": ("Emil Emea", 1, Decimal("100.00")),
        "nina@v.example": ("Nina North", 1, Decimal("300.00")),
    }
    assert (report.unassigned.deals, report.unassigned.total) == (1, Decimal("50.00"))
    assert report.grand_total == Decimal("3650.00")


def test_an_opportunity_ruled_not_the_same_deal_gives_no_credit(acme, territories):
    deal = won_deal(acme, amount="1000", country="US")
    _link_opportunity(deal, "other@v.example", DealConflict.Resolution.NOT_A_CONFLICT)
    _link_opportunity(deal, "", score="99")
    [credited] = rep_credit_report(commission_period(Q3)).deals
    assert credited.rep.email == "nina@v.example"


def test_a_deal_matched_with_several_opportunities_is_credited_once(acme, territories):
    """The highest score wins, then the match recorded first; the deal counts once."""
    by_score = won_deal(acme, amount="100", country="US")
    _link_opportunity(by_score, "low@v.example", score="70")
    _link_opportunity(by_score, "high@v.example", score="90")
    tied = won_deal(acme, amount="10", country="US")
    _link_opportunity(tied, "first@v.example")
    _link_opportunity(tied, "second@v.example")
    report = rep_credit_report(commission_period(Q3))
    assert {d.deal_id: d.rep.email for d in report.deals} == {
        by_score.pk: "high@v.example",
        tied.pk: "first@v.example",
    }
    assert {t.email: (t.deals, t.total) for t in report.totals} == {
        "high@v.example": (1, Decimal("100.00")), "first@v.example": (1, Decimal("10.00"))
    }  # fmt: skip


def test_the_report_query_count_does_not_grow_with_deals(
    acme, territories, django_assert_num_queries
):
    for n in range(6):
        deal = won_deal(acme, amount="10", country=["DE", "US", "FR"][n % 3])
        _link_opportunity(deal, f"owner{n}@v.example")
    with django_assert_num_queries(4):
        report = rep_credit_report(commission_period(Q3))
    with django_assert_num_queries(0):
        assert len(report.deals) == 6
    with django_assert_num_queries(1):
        assert len(report.deals[2:5]) == 3
    with django_assert_num_queries(1):
        assert [d.rep.email for d in report.deals] == [f"owner{n}@v.example" for n in range(6)]


def test_the_deals_are_read_in_chunks_in_close_date_order(acme, territories, monkeypatch):
    from deals.commissions.repcredit.selectors import CreditedDeals

    monkeypatch.setattr(CreditedDeals, "CHUNK", 2)
    days = [dt.date(2026, 8, d) for d in (20, 3, 3, 9, 20)]
    deals = [won_deal(acme, amount="10", country="US", closed_on=day) for day in days]
    expected = [d.pk for d in sorted(deals, key=lambda d: (d.closed_on, d.pk))]
    report = rep_credit_report(commission_period(Q3))
    assert [d.deal_id for d in report.deals] == expected
    assert [d.deal_id for d in report.deals[1:4]] == expected[1:4]
    assert report.deals[4].deal_id == expected[4]


def test_totals_per_rep_equal_the_sum_of_each_deal_converted_on_mixed_currencies(
    acme, globex, territories
):
    """The totals come from amounts grouped per rep, currency and day before conversion; they
    equal converting every deal at its own day's rate and adding them up per rep."""
    rate("EUR", "1.0871")
    rate("EUR", "1.1034", day=dt.date(2026, 8, 15))
    rate("GBP", "1.2713")
    rate("GBP", "1.2650", day=dt.date(2026, 8, 1))
    rate("JPY", "0.006731")
    crm = won_deal(acme, amount="0.01", country="JP", currency="JPY")
    _link_opportunity(crm, "Cam@Vendor.example")
    _link_opportunity(won_deal(globex, amount="999.99", country="DE", currency="EUR"),
                      "cam@vendor.example")  # fmt: skip
    for n, (currency, country, day) in enumerate(
        [
            ("EUR", "DE", dt.date(2026, 7, 31)), ("EUR", "DE", dt.date(2026, 7, 31)),
            ("EUR", "DE", dt.date(2026, 8, 15)), ("EUR", "FR", dt.date(2026, 8, 15)),
            ("GBP", "FR", dt.date(2026, 7, 31)), ("GBP", "FR", dt.date(2026, 8, 1)),
            ("USD", "DE", dt.date(2026, 8, 1)), ("USD", "US", dt.date(2026, 9, 30)),
            ("JPY", "US", dt.date(2026, 9, 30)), ("JPY", "JP", dt.date(2026, 9, 30)),
            ("GBP", "JP", dt.date(2026, 7, 2)), ("EUR", "CA", dt.date(2026, 9, 1)),
        ]
    ):  # fmt: skip
        amount = f"{1234 + n * 977}.{(n * 37) % 100:02d}"
        won_deal([acme, globex][n % 2], amount=amount, country=country, currency=currency,
                 closed_on=day)  # fmt: skip
    report = rep_credit_report(commission_period(Q3))
    per_deal: dict[str, list[Decimal]] = {}
    for deal in report.deals:
        per_deal.setdefault(deal.rep.email if deal.rep else "", []).append(
            deal.amount * (_rate_on(deal) if deal.currency != "USD" else 1)
        )
    expected = {email: (len(v), sum(v, Decimal(0)).quantize(Decimal("0.01")))
                for email, v in per_deal.items()}  # fmt: skip
    totals = {t.email: (t.deals, t.total) for t in report.totals}
    totals[""] = (report.unassigned.deals, report.unassigned.total)
    assert totals == expected
    assert len(expected) == 5 and expected["cam@vendor.example"][0] == 2
    assert report.grand_total == sum((total for _n, total in expected.values()), Decimal(0))


def _rate_on(deal) -> Decimal:
    from prm.currency.models import ExchangeRate

    return (
        ExchangeRate.objects.filter(currency=deal.currency, effective_on__lte=deal.closed_on)
        .latest("effective_on")
        .rate
    )


@pytest.mark.parametrize("persona", NOT_OPS)
def test_rep_credit_pages_are_ops_only(territories, personas, persona, client_for):
    client = client_for(personas[persona])
    for url in (
        reverse("deals:rep_credit_report"),
        reverse("deals:rep_credit_csv"),
        reverse("deals:rep_territory_list"),
        reverse("deals:rep_territory_edit", args=[territories[0].pk]),
    ):
        assert client.get(url).status_code == 404, url
    remove = reverse("deals:rep_territory_remove", args=[territories[0].pk])
    assert client.post(remove).status_code == 404
    add = client.post(reverse("deals:rep_territory_list"),
                      {"country": "FR", "rep_name": "x", "rep_email": "x@v.example"})  # fmt: skip
    assert add.status_code == 404 and RepTerritory.objects.count() == 3


def test_ops_add_edit_and_remove_territories_on_the_page(territories, ops, client_for):
    client = client_for(ops)
    url = reverse("deals:rep_territory_list")
    added = client.post(url, {"country": "fr", "region": "", "rep_name": "Fay",
                              "rep_email": "fay@v.example"})  # fmt: skip
    assert added.status_code == 302 and RepTerritory.objects.filter(country="FR").exists()
    taken = client.post(url, {"country": "FR", "rep_name": "Fay", "rep_email": "f@v.example"})
    assert taken.status_code == 400 and taken.context["form"].errors
    unknown = client.post(url, {"country": "QQ", "rep_name": "Q", "rep_email": "q@v.example"})
    assert unknown.context["form"].errors["country"] == ["Unknown country code."]
    edit = reverse("deals:rep_territory_edit", args=[territories[1].pk])
    client.post(
        edit, {"country": "", "region": "EMEA", "rep_name": "Emma", "rep_email": "emma@v.example"}
    )
    assert RepTerritory.objects.get(pk=territories[1].pk).rep_name == "Emma"
    client.post(reverse("deals:rep_territory_remove", args=[territories[2].pk]))
    assert not RepTerritory.objects.filter(pk=territories[2].pk).exists()


def test_the_report_page_and_csv(acme, territories, ops, client_for):
    won_deal(acme, amount="300", country="US", customer_name="=cmd")
    client = client_for(ops)
    page = client.get(reverse("deals:rep_credit_report"), {"period": Q3})
    assert page.status_code == 200 and "Nina North" in page.content.decode()
    response = client.get(reverse("deals:rep_credit_csv"), {"period": Q3})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][7] == "amount_usd"
    assert rows[1][2] == "'=cmd" and rows[1][7] == "300.00" and rows[1][8] == "nina@v.example"


def test_a_missing_rate_is_named_on_the_page(acme, territories, ops, client_for):
    won_deal(acme, amount="300", country="US", currency="GBP")
    response = client_for(ops).get(reverse("deals:rep_credit_report"), {"period": Q3})
    assert response.status_code == 409
    assert "No exchange rate from GBP" in response.content.decode()


def test_a_bad_period_is_a_form_error(ops, client_for):
    response = client_for(ops).get(reverse("deals:rep_credit_report"), {"period": "nope"})
    assert response.status_code == 400 and response.context["form"].errors["period"]


def test_the_report_defaults_to_the_current_quarter(ops, client_for):
    response = client_for(ops).get(reverse("deals:rep_credit_report"))
    assert response.status_code == 200
    assert response.context["report"].period == period_of(dt.date.today())
