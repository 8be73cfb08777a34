"""The recruitment journey through the portal, end to end: apply → review and qualify →
approve → invitation email → accept → agreement → active."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from partners.models import Agreement, Application, Partner, PartnerMembership
from prm.models import AuditEvent

PASSWORD = "harbour-lantern-2026"


def test_an_applicant_becomes_an_active_partner(
    db, cam, ops, tiers, client_for, django_capture_on_commit_callbacks
):
    Agreement.objects.create(version="2026.1", title="Partner Program Agreement", body="Terms.")

    # 1. A company applies on the public form.
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(
            reverse("partners:apply"),
            {
                "legal_name": "Fjord Data AS",
                "display_name": "Fjord Data",
                "website": "https://fjorddata.example",
                "hq_country": "NO",
                "regions_served": ["EMEA"],
                "business_model": "si",
                "compensation_preference": "margin",
                "customer_count": "60",
                "technical_staff": "18",
                "executive_sponsor": "Ingrid Berg, CEO",
                "contact_name": "Ingrid Berg",
                "contact_email": "ingrid@fjorddata.example",
            },
        )
    application = Application.objects.get()
    assert mail.outbox[-1].to == [ops.email]

    # 2. A channel account manager finds it, scores it and approves it.
    reviewer = client_for(cam)
    waiting = reviewer.get(reverse("partners:application_list")).context["page_obj"]
    assert list(waiting) == [application]
    review = reverse("partners:application_review", args=[application.pk])
    reviewer.post(
        review,
        {
            "action": "qualify",
            "scale": "3",
            "skill": "4",
            "will": "5",
            "willingness_to_engage": "5",
            "opp_traits": ["vertical_expertise"],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(review, {"action": "approve", "approve-tier": tiers[0].pk})
    partner = Partner.objects.get(pk=application.partner_id)
    assert partner.status == Partner.Status.ONBOARDING
    assert partner.channel_manager == cam

    # 3. The invitation email carries the link.
    invitation_mail = mail.outbox[-1]
    assert invitation_mail.to == ["ingrid@fjorddata.example"]
    link = re.search(r"https?://\S+(/partners/invitations/\S+/)", invitation_mail.body).group(1)

    # 4. The applicant accepts, is signed in and lands on the partner home with the agreement.
    applicant = Client()
    response = applicant.post(
        link, {"full_name": "Ingrid Berg", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response["Location"] == reverse("home")
    home = applicant.get(reverse("home"))
    assert b'data-testid="home-partner"' in home.content
    assert b'data-testid="accept-agreement"' in home.content
    assert PartnerMembership.objects.get(partner=partner).role == "admin"

    # 5. Accepting the agreement makes the partner active.
    applicant.post(reverse("partners:agreement_accept", args=[partner.pk]))
    partner.refresh_from_db()
    assert partner.status == Partner.Status.ACTIVE
    assert b'data-testid="agreement-banner"' not in applicant.get(reverse("home")).content

    # Every step left an audit row.
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "partner.applied",
        "partner.qualified",
        "application.approved",
        "partner.status_changed",
        "partner.tier_changed",
        "partner.user_invited",
        "partner.user_joined",
        "partner.agreement_accepted",
    } <= verbs

    # And the new admin can sign in with the chosen password later.
    assert Client().login(email="ingrid@fjorddata.example", password=PASSWORD)
