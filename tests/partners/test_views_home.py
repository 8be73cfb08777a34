"""What each persona finds on its home page."""

from django.urls import reverse

from partners.models import Agreement, BusinessModel, Partner
from partners.recruitment.services import submit_application
from tests.factories import (
    ApplicationFactory,
    PartnerFactory,
    QualificationFactory,
    TierRequirementFactory,
)

HOME = reverse("home")


def test_partner_home_shows_tier_benefits_team_and_what_the_next_tier_needs(
    client_for, acme_admin, acme_rep, tiers
):
    tiers[0].benefits = ["Deal registration"]
    tiers[0].save()
    TierRequirementFactory(tier=tiers[1], metric="certified_technical", threshold=2)
    response = client_for(acme_admin).get(HOME)
    body = response.content.decode()
    assert response.context["next_tier"] == tiers[1]
    assert "Deal registration" in body
    assert "Certified technical people" in body
    assert "rex@acme.example" in body
    assert 'data-testid="agreement-banner"' not in body
    # Reps and admins alike go from the thresholds to their own progress against them.
    for user in (acme_admin, acme_rep):
        page = client_for(user).get(HOME).content.decode()
        assert f'href="{reverse("enablement:standing")}" data-testid="standing-link"' in page
        assert client_for(user).get(reverse("enablement:standing")).status_code == 200


def test_partner_home_in_the_top_tier_says_so(client_for, globex_admin):
    body = client_for(globex_admin).get(HOME).content.decode()
    assert "You are in the highest tier." in body


def test_onboarding_partner_home_shows_the_agreement(client_for, acme_admin, acme):
    Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.ONBOARDING)
    Agreement.objects.create(version="1", title="Program terms", body="Term one.")
    body = client_for(acme_admin).get(HOME).content.decode()
    assert "One step left: accept the partner agreement" in body
    assert "Term one." in body


def test_cam_home_counts_by_status_orders_the_focus_list_and_links_applications(
    client_for, cam, acme, distri
):
    QualificationFactory(partner=acme, assessed_by=cam, scale=5, skill=5, will=5)
    QualificationFactory(partner=distri, assessed_by=cam, scale=1, skill=2, will=2)
    PartnerFactory(channel_manager=cam, status=Partner.Status.SUSPENDED, display_name="Paused")
    application = ApplicationFactory(partner__display_name="Newcomer")
    response = client_for(cam).get(HOME)
    body = response.content.decode()
    counts = {bar.key: bar.count for bar in response.context["by_status"]}
    assert counts["active"] == 2
    assert counts["suspended"] == 1
    assert response.context["partner_count"] == 3
    assert [p.display_name for p in response.context["focus"]] == ["Acme", "Distri", "Paused"]
    assert f'href="{acme.get_absolute_url()}"' in body
    assert f'href="{application.get_absolute_url()}"' in body
    assert response.context["application_count"] == 1


def test_cam_home_does_not_count_another_cams_partners(client_for, cam, acme, distri, globex):
    response = client_for(cam).get(HOME)
    assert "Globex" not in response.content.decode()
    assert response.context["partner_count"] == 2  # Acme and Distri


def test_ops_home_shows_the_program_by_model_and_status_and_applications(
    client_for, ops, acme, globex, distri, tiers
):
    TierRequirementFactory(tier=tiers[1], metric="certified_sales", threshold=2)
    application = submit_application(
        legal_name="Zed Ltd",
        display_name="Zed",
        hq_country="GB",
        business_model="isv",
        contact_name="Zoe",
        contact_email="zoe@zed.example",
    )
    response = client_for(ops).get(HOME)
    body = response.content.decode()
    models = {bar.key: bar.count for bar in response.context["by_business_model"]}
    assert models[BusinessModel.RESELLER] == 1
    assert models[BusinessModel.MSP] == 1
    assert models[BusinessModel.DISTRIBUTOR] == 1
    assert models[BusinessModel.ISV] == 1
    statuses = {bar.key: bar.count for bar in response.context["by_status"]}
    assert (statuses["active"], statuses["applied"]) == (3, 1)
    top = max(response.context["by_status"], key=lambda bar: bar.count)
    assert top.percent == 100
    assert "Certified sales people ≥ 2" in body
    assert f'href="{application.get_absolute_url()}"' in body
    figures = {str(f.label): f.value for g in response.context["health"] for f in g.figures}
    assert figures["Applications waiting"] == 1
