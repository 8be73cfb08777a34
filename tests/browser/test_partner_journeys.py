import re

import pytest
from django.core import mail

from partners.models import Agreement, Application, Partner
from partners.recruitment.services import submit_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application(db):
    return submit_application(
        legal_name="Fjord Data AS",
        display_name="Fjord Data",
        website="https://fjorddata.example",
        hq_country="NO",
        business_model="si",
        contact_name="Ingrid Berg",
        contact_email="ingrid@fjorddata.example",
        customer_count=60,
        technical_staff=18,
        executive_sponsor="Ingrid Berg, CEO",
    )


def test_a_cam_approves_an_applicant_who_joins_and_lands_on_the_partner_home(
    page, login, cam, tiers, application
):
    Agreement.objects.create(version="2026.1", title="Partner Program Agreement", body="Terms.")

    # The channel account manager scores the applicant and approves with a starting tier.
    login(cam)
    page.goto("/partners/applications/")
    page.get_by_role("link", name="Fjord Data").click()
    assert page.locator("[data-testid=application-review]").inner_text() == "Fjord Data"
    qualify = page.locator("[data-testid=qualify-form]")
    qualify.locator("input[name=scale][value='3']").check()
    qualify.locator("input[name=skill][value='4']").check()
    qualify.locator("input[name=will][value='5']").check()
    qualify.locator("input[name=opp_traits][value='vertical_expertise']").check()
    qualify.locator("input[name=willingness_to_engage][value='5']").check()
    qualify.locator("textarea[name=will_notes]").fill("The CEO sponsors the partnership.")
    qualify.get_by_role("button", name="Save assessment").click()
    assert "Assessment saved." in page.locator(".messages").inner_text()
    assert "Focus" in page.locator("[data-testid=qualifications]").inner_text()

    approve = page.locator("[data-testid=approve-form]")
    approve.locator("select[name=approve-tier]").select_option(label="Silver")
    approve.get_by_role("button", name="Approve and invite").click()
    assert page.locator("[data-testid=application-status]").inner_text() == "Approved"
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED

    # The applicant follows the link in the invitation email.
    invitation_mail = next(m for m in mail.outbox if m.to == ["ingrid@fjorddata.example"])
    path = re.search(r"(/partners/invitations/\S+/)", invitation_mail.body).group(1)
    page.context.clear_cookies()
    page.goto(path)
    assert "Join Fjord Data" in page.locator("[data-testid=invitation-accept]").inner_text()
    page.fill("input[name=full_name]", "Ingrid Berg")
    page.fill("input[name=password1]", "harbour-lantern-2026")
    page.fill("input[name=password2]", "harbour-lantern-2026")
    page.get_by_role("button", name="Create my account").click()

    assert page.locator("[data-testid=home-partner]").inner_text() == "Fjord Data"
    assert page.locator("[data-testid=whoami]").inner_text() == "Ingrid Berg"
    assert page.locator("[data-testid=partner-tier]").inner_text() == "Silver"

    # Accepting the agreement makes the partner active.
    page.locator("[data-testid=accept-agreement]").click()
    assert page.locator("[data-testid=partner-status]").inner_text() == "Active"
    assert Partner.objects.get(display_name="Fjord Data").status == Partner.Status.ACTIVE
