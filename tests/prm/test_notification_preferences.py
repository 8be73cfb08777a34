"""The preferences page offers, grouped by area, only what the person's role can receive."""

import pytest

from prm.models import NotificationPreference
from prm.notifications import optional_kinds_for, save_notification_preferences

pytestmark = pytest.mark.django_db
PAGE = "/notifications/preferences/"


def kinds(user) -> set[str]:
    return {kind for group in optional_kinds_for(user).values() for kind, _label in group}


def test_partner_people_are_offered_partner_kinds_only(acme_rep):
    offered = kinds(acme_rep)
    assert {"deal_expiry_reminder", "mdf_allocated", "deal_outcome"} <= offered
    assert not offered & {"deal_submitted", "deal_sla_reminder", "mdf_request_submitted"}
    assert "partners.application_submitted" not in offered


def test_channel_managers_are_offered_review_kinds_only(cam):
    offered = kinds(cam)
    assert {"deal_submitted", "deal_sla_reminder", "partners.application_submitted"} <= offered
    assert "deal_outcome" in offered  # both sides hear about outcomes
    assert not offered & {"deal_expiry_reminder", "mdf_allocated"}


def test_the_page_groups_kinds_by_area(client_for, cam, acme_rep):
    response = client_for(cam).get(PAGE)
    areas = [str(area) for area, _rows in response.context["form"].groups]
    assert areas == sorted(areas) and {"Deals and leads", "Partners"} <= set(areas)
    body = response.content.decode()
    assert body.count('data-testid="preference-area"') == len(areas)
    assert "New deal registrations to review" in body
    body = client_for(acme_rep).get(PAGE).content.decode()
    assert "New deal registrations to review" not in body
    assert "Deal protection expiry reminders" in body
    assert "Partners</h2>" not in body  # no partner-side kind lives in that area


def test_a_kind_for_another_role_cannot_be_switched_off_by_posting_it(client_for, acme_rep):
    client_for(acme_rep).post(PAGE, {"deal_submitted__email": ""})
    assert not NotificationPreference.objects.filter(user=acme_rep, kind="deal_submitted").exists()
    saved = save_notification_preferences(
        user=acme_rep, choices={"deal_submitted": (False, False), "mdf_allocated": (False, True)}
    )
    assert [p.kind for p in saved] == ["mdf_allocated"]
