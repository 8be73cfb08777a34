"""Business-case pages: pick a model, enter figures, the white-labelled case, PDF, deal link."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from enablement.business_cases.services import build_business_case
from enablement.models import BusinessCase, BusinessCaseUsage
from tests.factories import MembershipFactory, PartnerFactory

from .factories_programs import PNG_BYTES, BusinessCaseModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roi(db):
    return BusinessCaseModelFactory()


@pytest.fixture
def case(roi, globex, globex_admin):
    return build_business_case(
        actor=globex_admin, partner=globex, model=roi, prospect_name="Front Range", inputs={}
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("globex_admin", 200),
        ("other_cam", 200),
        ("ops", 200),
        ("acme_admin", 404),
        ("distri_admin", 404),
        ("cam", 404),
    ],
)
@pytest.mark.parametrize("name", ["case_detail", "case_present", "case_pdf"])
def test_case_pages_are_scoped(client_for, personas, case, who, expected, name):
    response = client_for(personas[who]).get(reverse(f"enablement:{name}", args=[case.pk]))
    assert response.status_code == expected


def test_the_list_shows_the_partners_saved_cases(client_for, personas, case, acme):
    assert [c.pk for c in _listed(client_for(personas["globex_admin"]))] == [case.pk]
    assert _listed(client_for(personas["acme_admin"])) == []
    assert [c.pk for c in _listed(client_for(personas["other_cam"]))] == [case.pk]
    assert _listed(client_for(personas["cam"])) == []
    page = client_for(personas["acme_admin"]).get(reverse("enablement:case_list"))
    assert "No business cases yet." in page.content.decode()


def _listed(client):
    response = client.get(reverse("enablement:case_list"))
    assert response.status_code == 200
    return list(response.context["page_obj"])


def test_the_list_queries_do_not_grow_with_rows(
    client_for, roi, globex, globex_admin, django_assert_max_num_queries
):
    client = client_for(globex_admin)

    def grow(n):
        for index in range(n):
            build_business_case(
                actor=globex_admin, partner=globex, model=roi, prospect_name=f"P{index}", inputs={}
            )

    grow(2)
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("enablement:case_list"))
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("enablement:case_list"))


def test_models_offered_follow_the_business_model(client_for, roi, acme_admin, globex_admin, cam):
    page = client_for(globex_admin).get(reverse("enablement:case_model_pick"))
    assert list(page.context["models"]) == [roi]
    page = client_for(acme_admin).get(reverse("enablement:case_model_pick"))
    assert "No business-case model is published" in page.content.decode()
    assert client_for(cam).get(reverse("enablement:case_model_pick")).status_code == 403
    url = reverse("enablement:case_create", args=[roi.pk])
    assert client_for(acme_admin).get(url).status_code == 404


def test_building_a_case_from_the_page(client_for, roi, globex, globex_admin):
    client = client_for(globex_admin)
    url = reverse("enablement:case_create", args=[roi.pk])
    form = client.get(url).context["form"]
    assert form.fields["input_seats"].initial == "50"

    response = client.post(
        url,
        {
            "prospect_name": "Summit County Credit Union",
            "currency": "USD",
            "input_seats": "120",
            "input_current_cost_per_seat": "7.50",
            "input_incidents_per_year": "6",
            "input_hours_lost_per_incident": "12",
            "input_price_per_seat": "8.50",
            "input_onboarding_fee": "1500",
        },
    )

    case = BusinessCase.objects.get()
    assert response["Location"] == reverse("enablement:case_detail", args=[case.pk])
    assert (case.partner, case.deal_amount, case.currency) == (globex, 13740, "USD")
    page = client.get(response["Location"]).content.decode()
    assert "USD 13,740.00" in page and "84.2 %" in page and "6.5 months" in page


def test_bad_figures_are_form_errors(client_for, roi, globex_admin):
    response = client_for(globex_admin).post(
        reverse("enablement:case_create", args=[roi.pk]),
        {"prospect_name": "P", "currency": "USD", "input_seats": "0", "input_price_per_seat": "x"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "input_seats" in errors and "input_price_per_seat" in errors
    assert not BusinessCase.objects.exists()


def test_a_member_of_two_partners_chooses_which(client_for, roi, globex, globex_admin):
    other = PartnerFactory(business_model="msp")
    MembershipFactory(user=globex_admin, partner=other, role="admin")
    client = client_for(globex_admin)
    url = reverse("enablement:case_create", args=[roi.pk])
    assert set(client.get(url).context["form"].fields["partner"].queryset) == {globex, other}
    client.post(url, {"prospect_name": "P", "currency": "USD", "partner": other.pk})
    assert BusinessCase.objects.get().partner == other


def test_the_presented_case_carries_only_the_partners_branding(
    client_for, case, globex, globex_admin
):
    globex.logo.save("logo.png", ContentFile(PNG_BYTES), save=True)
    html = (
        client_for(globex_admin)
        .get(reverse("enablement:case_present", args=[case.pk]))
        .content.decode()
    )
    assert "Globex" in html and "data:image/png;base64," in html
    assert "Front Range" in html and "USD 6,900.00" in html
    assert "Partner Portal" not in html  # no vendor branding


def test_the_pdf_is_rendered_and_counted_for_the_partner(
    client_for, case, globex, globex_admin, ops
):
    response = client_for(globex_admin).get(reverse("enablement:case_pdf", args=[case.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert 'filename="business-case-front-range.pdf"' in response["Content-Disposition"]
    client_for(ops).get(reverse("enablement:case_pdf", args=[case.pk]))
    assert BusinessCaseUsage.objects.filter(action="pdf").count() == 1


def test_register_this_deal_hands_over_to_the_deal_form_and_counts(
    client_for, case, globex_admin, other_cam
):
    page = client_for(globex_admin).get(reverse("enablement:case_detail", args=[case.pk]))
    assert reverse("enablement:case_register_deal", args=[case.pk]) in page.content.decode()

    response = client_for(globex_admin).get(
        reverse("enablement:case_register_deal", args=[case.pk])
    )

    url = urlparse(response["Location"])
    assert url.path == "/deals/new/"
    assert parse_qs(url.query) == {
        "customer_name": ["Front Range"],
        "estimated_amount": ["6900.00"],
        "business_case": [str(case.pk)],
    }
    assert BusinessCaseUsage.objects.filter(action="deal_link").count() == 1
    url = reverse("enablement:case_register_deal", args=[case.pk])
    assert client_for(other_cam).get(url).status_code == 403
