"""The vendor's customer accounts and opportunities: upserts by CRM id, rights, audit, scope."""

import datetime as dt
from decimal import Decimal

import pytest

from deals.accounts.selectors import accounts_visible_to, opportunities_visible_to
from deals.accounts.services import (
    InvalidAccountData,
    UnknownAccount,
    upsert_account,
    upsert_opportunity,
)
from deals.models import CustomerAccount, Opportunity
from prm.audit import events_for
from prm.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db


def test_upsert_creates_then_updates_with_normalized_fields(ops):
    account, created = upsert_account(
        crm_id="A-1", name="Umbrella Corp.", domain="https://www.eu.umbrella.co.uk", actor=ops
    )
    assert created
    assert (account.normalized_name, account.domain) == ("umbrella", "umbrella.co.uk")
    again, created = upsert_account(
        crm_id="A-1", name="Umbrella Corporation", country="gb", actor=ops
    )
    assert not created and again.pk == account.pk
    again.refresh_from_db()
    assert (again.name, again.country, again.domain) == ("Umbrella Corporation", "GB", "")
    verbs = [e.verb for e in events_for(account).order_by("id")]
    assert verbs == ["created", "updated"]
    assert events_for(account).get(verb="updated").data["changes"]["country"] == ["", "GB"]


def test_an_unchanged_upsert_writes_no_audit_row(ops):
    upsert_account(crm_id="A-1", name="Umbrella", actor=ops)
    upsert_account(crm_id="A-1", name="Umbrella", actor=ops)
    assert events_for(CustomerAccount.objects.get()).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"crm_id": "", "name": "X"}, "crm_id"),
        ({"crm_id": "A", "name": ""}, "name"),
        ({"crm_id": "A", "name": "X", "country": "ZZ"}, "country"),
        ({"crm_id": "A", "name": "X", "domain": "not a domain"}, "domain"),
    ],
)
def test_bad_account_data_names_the_field(ops, fields, field):
    with pytest.raises(InvalidAccountData) as error:
        upsert_account(actor=ops, **fields)
    assert field in error.value.details
    assert not CustomerAccount.objects.exists()


@pytest.mark.parametrize("who", ["cam", "acme_admin", "distri_admin"])
def test_only_ops_write_accounts(personas, who):
    with pytest.raises(PermissionDenied):
        upsert_account(crm_id="A-1", name="Umbrella", actor=personas[who])
    with pytest.raises(PermissionDenied):
        upsert_opportunity(
            crm_id="O-1", account_crm_id="A-1", name="x", stage="open", actor=personas[who]
        )


def test_opportunity_upsert_audits_stage_changes(ops):
    upsert_account(crm_id="A-1", name="Umbrella", actor=ops)
    opportunity, created = upsert_opportunity(
        crm_id="O-1",
        account_crm_id="A-1",
        name="Umbrella platform",
        stage="open",
        amount="125000.5",
        currency="eur",
        owner_email="Seller@Vendor.example",
        expected_close_date="2026-09-30",
        actor=ops,
    )
    assert created
    assert opportunity.amount == Decimal("125000.50")
    assert opportunity.currency == "EUR"
    assert opportunity.owner_email == "seller@vendor.example"
    assert opportunity.expected_close_date == dt.date(2026, 9, 30)
    upsert_opportunity(
        crm_id="O-1", account_crm_id="A-1", name="Umbrella platform", stage="won",
        amount="125000.50", currency="EUR", owner_email="seller@vendor.example",
        expected_close_date=dt.date(2026, 9, 30), actor=ops,
    )  # fmt: skip
    moved = events_for(opportunity).get(verb="stage_changed")
    assert (moved.from_state, moved.to_state, moved.actor) == ("open", "won", ops)
    assert Opportunity.objects.get().stage == "won"


def test_opportunity_needs_a_known_account(ops):
    with pytest.raises(UnknownAccount):
        upsert_opportunity(crm_id="O-1", account_crm_id="nope", name="x", stage="open", actor=ops)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"stage": "maybe"}, "stage"),
        ({"amount": "lots"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "1e20"}, "amount"),
        ({"currency": "XXX"}, "currency"),
        ({"owner_email": "nobody"}, "owner_email"),
        ({"expected_close_date": "2026-13-45"}, "expected_close_date"),
    ],
)
def test_bad_opportunity_data_names_the_field(ops, fields, field):
    upsert_account(crm_id="A-1", name="Umbrella", actor=ops)
    values = {"name": "Deal", "stage": "open", **fields}
    with pytest.raises(InvalidAccountData) as error:
        upsert_opportunity(crm_id="O-1", account_crm_id="A-1", actor=ops, **values)
    assert field in error.value.details


def test_partners_never_see_vendor_accounts(personas, ops):
    upsert_account(crm_id="A-1", name="Umbrella", actor=ops)
    upsert_opportunity(crm_id="O-1", account_crm_id="A-1", name="x", stage="open", actor=ops)
    for who in ("acme_admin", "acme_rep", "globex_admin", "distri_admin"):
        assert not accounts_visible_to(personas[who]).exists()
        assert not opportunities_visible_to(personas[who]).exists()
    for who in ("cam", "other_cam", "ops"):
        assert accounts_visible_to(personas[who]).count() == 1
        assert opportunities_visible_to(personas[who]).count() == 1
