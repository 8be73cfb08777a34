"""MDF pages: every page for every persona. A partner user sees only their own organisation's
funds, requests, claims and proof (another partner's answer 404), and reaches no vendor page;
a channel account manager reaches only their partners'; the ops pages are for program ops."""

import datetime as dt

import pytest
from django.urls import reverse

from mdf.claims import selectors as claim_selectors
from mdf.claims import services as claims

pytestmark = pytest.mark.django_db
EVERYONE = ["acme_admin", "acme_rep", "distri_admin", "globex_admin", "cam", "other_cam", "ops"]
ACME_SIDE = {"acme_admin", "acme_rep"}
ACME_SCOPE = ACME_SIDE | {"cam", "ops"}
INTERNAL = {"cam", "other_cam", "ops"}
PARTNER_USERS = {"acme_admin", "acme_rep", "distri_admin", "globex_admin"}


def _expect(allowed: set[str]):
    return [(who, 200 if who in allowed else 404) for who in EVERYONE]


@pytest.mark.parametrize(("who", "status"), _expect(ACME_SCOPE))
def test_request_page(client_for, personas, make_request, who, status):
    fund_request = make_request()
    response = client_for(personas[who]).get(fund_request.get_absolute_url())
    assert response.status_code == status


@pytest.mark.parametrize(("who", "status"), _expect(ACME_SIDE))
def test_edit_page(client_for, personas, make_request, who, status):
    fund_request = make_request(submit=False)
    url = reverse("mdf:request_edit", args=[fund_request.pk])
    assert client_for(personas[who]).get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), _expect({"cam", "ops"}))
def test_decision_page(client_for, personas, make_request, who, status):
    url = reverse("mdf:request_decide", args=[make_request().pk])
    assert client_for(personas[who]).get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), _expect(ACME_SIDE))
def test_claim_page(client_for, personas, approved_request, who, status):
    url = reverse("mdf:claim_form", args=[approved_request.pk])
    assert client_for(personas[who]).get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), _expect({"cam", "ops"}))
def test_claim_review_page(client_for, personas, claimed_request, who, status):
    url = reverse("mdf:claim_review", args=[claimed_request.pk])
    assert client_for(personas[who]).get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), _expect(ACME_SCOPE))
def test_proof_download(client_for, personas, claimed_request, who, status):
    proof = claim_selectors.claim_of(claimed_request).proof_files.get()
    response = client_for(personas[who]).get(reverse("mdf:proof_download", args=[proof.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(("who", "status"), _expect(ACME_SCOPE))
def test_fund_page(client_for, personas, funded_acme, who, status):
    fund = funded_acme.mdf_funds.get()
    response = client_for(personas[who]).get(reverse("mdf:fund_detail", args=[fund.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(("who", "status"), _expect(ACME_SCOPE))
def test_balance_of_a_named_partner(client_for, personas, funded_acme, who, status):
    """Internal users name the partner; a partner user naming another organisation gets 404."""
    url = reverse("mdf:home") + f"?partner={funded_acme.pk}"
    assert client_for(personas[who]).get(url).status_code == status


@pytest.mark.parametrize(
    "name", ["queue", "claim_queue", "extension_queue", "program", "program_export"]
)
@pytest.mark.parametrize(("who", "status"), _expect(INTERNAL))
def test_vendor_pages(client_for, personas, name, who, status):
    assert client_for(personas[who]).get(reverse(f"mdf:{name}")).status_code == status


@pytest.mark.parametrize(
    "name", ["activity_types", "activity_type_create", "settings", "allocation", "payments"]
)
@pytest.mark.parametrize(("who", "status"), _expect({"ops"}))
def test_ops_pages(client_for, personas, name, who, status):
    assert client_for(personas[who]).get(reverse(f"mdf:{name}")).status_code == status


@pytest.mark.parametrize(("who", "status"), _expect({"ops"}))
def test_activity_type_edit_page(client_for, personas, webinar, who, status):
    url = reverse("mdf:activity_type_edit", args=[webinar.pk])
    assert client_for(personas[who]).get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), _expect(PARTNER_USERS))
def test_request_form(client_for, personas, webinar, who, status):
    response = client_for(personas[who]).get(reverse("mdf:request_create"))
    assert response.status_code == status


@pytest.mark.parametrize("who", sorted(PARTNER_USERS))
def test_partner_home(client_for, personas, who):
    assert client_for(personas[who]).get(reverse("mdf:home")).status_code == 200


@pytest.mark.parametrize(("who", "status"), _expect(PARTNER_USERS | INTERNAL))
def test_request_list(client_for, personas, who, status):
    assert client_for(personas[who]).get(reverse("mdf:request_list")).status_code == status


def test_internal_users_without_a_partner_land_on_the_queue(client_for, cam):
    response = client_for(cam).get(reverse("mdf:home"))
    assert response.status_code == 302 and response["Location"] == reverse("mdf:queue")


class TestOtherPartnersActions:
    """Another partner's user (and another partner's CAM) can act on nothing of Acme's."""

    @pytest.mark.parametrize("who", ["globex_admin", "other_cam", "distri_admin"])
    def test_posts_answer_404_and_change_nothing(
        self, client_for, personas, make_request, approved_request, who
    ):
        draft = make_request(submit=False, title="Draft")
        client = client_for(personas[who])
        posts = [
            reverse("mdf:request_submit", args=[draft.pk]),
            reverse("mdf:request_cancel", args=[approved_request.pk]),
            reverse("mdf:extension_request", args=[approved_request.pk]),
            reverse("mdf:claim_form", args=[approved_request.pk]),
        ]
        for url in posts:
            assert client.post(url, {"reason": "x"}).status_code == 404, url
        draft.refresh_from_db()
        approved_request.refresh_from_db()
        assert (draft.status, approved_request.status) == ("draft", "approved")

    def test_another_cam_cannot_decide_an_extension(
        self, client_for, other_cam, approved_request, acme_rep
    ):
        extension = claims.request_extension(
            actor=acme_rep,
            request=approved_request,
            until=approved_request.claim_due_on + dt.timedelta(days=30),
            reason="Venue moved",
        )
        url = reverse("mdf:extension_decide", args=[extension.pk])
        response = client_for(other_cam).post(url, {"approve": "1"})
        assert response.status_code == 404
        extension.refresh_from_db()
        assert extension.status == "pending"


class TestQueryCounts:
    """List pages read a fixed number of queries whatever the number of rows."""

    @pytest.mark.parametrize("who", ["acme_rep", "cam", "ops"])
    def test_request_list(
        self, client_for, personas, make_request, who, django_assert_max_num_queries
    ):
        make_request()
        client = client_for(personas[who])
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("mdf:request_list"))
        for n in range(4):
            make_request(title=f"Webinar {n}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("mdf:request_list"))

    def test_partner_home(self, client_for, acme_rep, make_request, django_assert_max_num_queries):
        make_request()
        client = client_for(acme_rep)
        with django_assert_max_num_queries(25) as few:
            client.get(reverse("mdf:home"))
        for n in range(4):
            make_request(title=f"Webinar {n}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("mdf:home"))

    def test_payments_and_claim_queue(
        self, client_for, ops, cam, acme_rep, make_request, django_assert_max_num_queries
    ):
        from mdf.requests import services as requests

        from .conftest import pdf

        def approved_claim(title):
            small = make_request(
                title=title, planned_cost="800", partner_contribution="400", requested_amount="400"
            )
            fund_request = requests.approve_request(actor=cam, request=small)
            claim = claims.save_claim(
                actor=acme_rep, request=fund_request, actual_cost="800", claimed_amount="300"
            )
            claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
            return claims.submit_claim(
                actor=acme_rep, request=fund_request, today=fund_request.ends_on
            )

        approved_claim("First")
        claims.approve_claim(actor=cam, request=approved_claim("Second"))
        client = client_for(ops)
        with django_assert_max_num_queries(25) as few:
            client.get(reverse("mdf:claim_queue"))
        with django_assert_max_num_queries(25) as few_payments:
            client.get(reverse("mdf:payments"))
        for n in range(3):
            approved_claim(f"Waiting {n}")
            claims.approve_claim(actor=cam, request=approved_claim(f"Approved {n}"))
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("mdf:claim_queue"))
        with django_assert_max_num_queries(len(few_payments.captured_queries)):
            client.get(reverse("mdf:payments"))


def test_the_request_list_narrows_to_one_partner_within_the_users_scope(
    client_for, ops, acme, globex, acme_rep, make_request
):
    make_request(title="Acme webinar")

    def titles(user, partner):
        page = client_for(user).get(reverse("mdf:request_list"), {"partner": partner.pk})
        return [r.title for r in page.context["page_obj"]]

    assert titles(ops, acme) == ["Acme webinar"]
    assert titles(ops, globex) == []
    assert titles(acme_rep, globex) == []  # another partner's id shows nothing of it, or of Acme
    page = client_for(ops).get(reverse("mdf:request_list"), {"partner": acme.pk, "status": "draft"})
    assert f'type="hidden" name="partner" value="{acme.pk}"' in page.content.decode()
