"""Only program ops open and change the program configuration pages; partner admins, partner
reps and channel account managers get 403 on every one of them."""

import pytest
from django.urls import reverse

from deals.models import LeadRoutingRule
from enablement.models import OnboardingTemplate
from tests.enablement.factories import CertificationFactory, CourseFactory, TrackFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("program:index", None),
    ("program:tier_list", None),
    ("program:tier_create", None),
    ("program:tier_edit", "tier"),
    ("program:deal_settings", None),
    ("program:routing_rule_list", None),
    ("program:routing_rule_create", None),
    ("program:routing_rule_edit", "rule"),
    ("program:catalog", None),
    ("program:track_edit", "track"),
    ("program:course_edit", "course"),
    ("program:certification_edit", "certification"),
    ("program:agreement_list", None),
    ("program:onboarding_list", None),
    ("program:onboarding_edit", "checklist"),
    ("program:enablement_settings", None),
    ("program:team_list", None),
    ("program:team_edit", "team"),
]
POSTS = [
    ("program:tier_delete", "tier"),
    ("program:tier_preview", "tier"),
    ("program:routing_rule_delete", "rule"),
    ("program:onboarding_delete", "checklist"),
    ("program:deal_settings", None),
    ("program:agreement_list", None),
]


@pytest.fixture
def objects(tiers, team):
    course = CourseFactory(track=TrackFactory())
    return {
        "tier": tiers[0],
        "rule": LeadRoutingRule.objects.create(name="US resellers", countries=["US"]),
        "track": course.track,
        "course": course,
        "certification": CertificationFactory(),
        "checklist": OnboardingTemplate.objects.create(name="Default"),
        "team": team,
    }


def _url(name, key, objects):
    return reverse(name, args=[objects[key].pk]) if key else reverse(name)


@pytest.mark.parametrize(("name", "key"), PAGES)
def test_ops_open_every_page(client_for, ops, objects, name, key):
    response = client_for(ops).get(_url(name, key, objects))
    assert response.status_code == 200
    # Each page says what its settings do, in the shared layout.
    assert b"program-nav" in response.content


@pytest.mark.parametrize("who", ["acme_admin", "acme_rep", "globex_admin", "cam"])
@pytest.mark.parametrize(("name", "key"), PAGES)
def test_others_get_403(client_for, personas, objects, who, name, key):
    assert client_for(personas[who]).get(_url(name, key, objects)).status_code == 403


@pytest.mark.parametrize("who", ["acme_admin", "acme_rep", "cam"])
@pytest.mark.parametrize(("name", "key"), POSTS)
def test_others_cannot_change_anything(client_for, personas, objects, who, name, key):
    response = client_for(personas[who]).post(_url(name, key, objects), {"protection_days": 30})
    assert response.status_code == 403
    assert LeadRoutingRule.objects.filter(pk=objects["rule"].pk).exists()


def test_the_program_menu_is_shown_to_ops_only(client_for, ops, acme_admin, cam):
    assert b"/program/lead-routing/" in client_for(ops).get("/").content
    for user in (acme_admin, cam):
        assert b'href="/program/' not in client_for(user).get("/").content


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("program:index"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
