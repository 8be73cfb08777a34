"""The conflict comparison page: who reaches it, what it shows, and the decision form."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.conflicts import record_conflicts
from deals.models import DealConflict
from prm.audit import events_for

from .conflict_factories import AccountFactory, OpportunityFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(acme, acme_rep, globex):
    RegistrationFactory(
        partner=globex,
        customer_name="Initech LLC",
        customer_domain="initech.com",
        contact_email="it@initech.com",
        country="US",
        status="approved",
        first_submitted_at=timezone.now() - dt.timedelta(days=20),
    )
    new = RegistrationFactory(
        partner=acme,
        registered_by=acme_rep,
        customer_name="Initech Inc.",
        customer_domain="initech.com",
        country="US",
    )
    record_conflicts(registration=new)
    return new


def test_cam_sees_both_registrations_side_by_side(client_for, cam, claim):
    response = client_for(cam).get(reverse("deals:conflict_compare", args=[claim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Initech Inc.",
        "Initech LLC",
        "Globex",
        "Acme",
        "Same website domain: initech.com",
    ):
        assert text in html
    assert "Record the decision" in html
    assert "first registered, first protected" in html.lower()


@pytest.mark.parametrize(
    "who", ["acme_admin", "acme_rep", "globex_admin", "distri_admin", "other_cam"]
)
def test_everyone_else_gets_404(client_for, personas, claim, who):
    client = client_for(personas[who])
    assert client.get(reverse("deals:conflict_compare", args=[claim.pk])).status_code == 404
    conflict = claim.conflicts.get()
    response = client.post(
        reverse("deals:conflict_resolve", args=[conflict.pk]),
        {
            f"conflict-{conflict.pk}-resolution": "not_a_conflict",
            f"conflict-{conflict.pk}-reason": "x",
        },
    )
    assert response.status_code == 404
    conflict.refresh_from_db()
    assert conflict.resolution == "open"


def test_anonymous_is_sent_to_login(client, claim):
    response = client.get(reverse("deals:conflict_compare", args=[claim.pk]))
    assert response.status_code == 302


def test_resolving_records_the_decision(client_for, ops, claim):
    conflict = claim.conflicts.get()
    client = client_for(ops)
    response = client.post(
        reverse("deals:conflict_resolve", args=[conflict.pk]),
        {
            f"conflict-{conflict.pk}-resolution": "first_registered",
            f"conflict-{conflict.pk}-reason": "Globex registered three weeks earlier",
        },
    )
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.resolution == DealConflict.Resolution.FIRST_REGISTERED_WINS
    assert events_for(conflict).get().reason == "Globex registered three weeks earlier"
    page = client.get(response.url).content.decode()
    assert "Globex registered three weeks earlier" in page
    assert "Record the decision" not in page


def test_a_missing_reason_is_a_form_error(client_for, cam, claim):
    conflict = claim.conflicts.get()
    response = client_for(cam).post(
        reverse("deals:conflict_resolve", args=[conflict.pk]),
        {f"conflict-{conflict.pk}-resolution": "first_registered"},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.resolution == "open"


def test_vendor_opportunity_conflicts_offer_their_own_choices(client_for, ops, acme):
    account = AccountFactory(name="Vandelay", domain="vandelay.com")
    OpportunityFactory(account=account, name="Vandelay expansion")
    new = RegistrationFactory(
        partner=acme, customer_name="Vandelay", customer_domain="vandelay.com"
    )
    record_conflicts(registration=new)
    html = client_for(ops).get(reverse("deals:conflict_compare", args=[new.pk])).content.decode()
    assert "Vendor&#x27;s own sales team" in html or "Vendor's own sales team" in html
    assert "vendor_opportunity" in html
    assert 'value="first_registered"' not in html


def test_page_queries_do_not_grow_with_conflicts(
    client_for, cam, acme, globex, django_assert_max_num_queries
):
    new = RegistrationFactory(partner=acme, customer_name="Wayne Enterprises", country="US")

    def add(n):
        for _ in range(n):
            RegistrationFactory(partner=globex, customer_name="Wayne Enterprises", country="US")
        record_conflicts(registration=new)

    client = client_for(cam)
    add(2)
    url = reverse("deals:conflict_compare", args=[new.pk])
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    add(8)
    assert new.conflicts.count() == 10
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_no_decision_is_preselected_and_submitting_none_is_refused(client_for, ops, claim):
    conflict = claim.conflicts.get()
    html = client_for(ops).get(reverse("deals:conflict_compare", args=[claim.pk])).content.decode()
    assert f'name="conflict-{conflict.pk}-resolution"' in html
    assert 'type="radio"' in html and "checked" not in html
    response = client_for(ops).post(
        reverse("deals:conflict_resolve", args=[conflict.pk]),
        {f"conflict-{conflict.pk}-resolution": "", f"conflict-{conflict.pk}-reason": ""},
    )
    assert response.status_code == 400
    body = response.content.decode()
    # Every error at once: the missing decision and the missing reason.
    assert "Choose a decision." in body and "This field is required." in body
    conflict.refresh_from_db()
    assert conflict.resolution == "open"
