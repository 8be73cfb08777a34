"""Agreements and channel teams in the portal: a new agreement version makes every partner
accept again; each business model is served by one team; all of it audited."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import Agreement, AgreementAcceptance
from partners.program.services import ProgramConfigError, publish_agreement, save_channel_team
from partners.selectors import current_agreement, has_accepted_current_agreement
from prm.audit import events_for
from prm.models import ChannelTeam, Notification

pytestmark = pytest.mark.django_db


def test_publishing_a_new_version_requires_partners_to_accept_again(
    client_for, ops, acme, acme_admin, globex_admin
):
    first = Agreement.objects.create(
        version="1",
        title="Partner agreement",
        body="Terms",
        effective_at=timezone.now() - dt.timedelta(days=30),
    )
    AgreementAcceptance.objects.create(partner=acme, agreement=first, accepted_by=acme_admin)
    assert has_accepted_current_agreement(acme)
    response = client_for(ops).post(
        reverse("program:agreement_list"),
        {
            "version": "2",
            "title": "Partner agreement",
            "body": "New terms",
            "effective_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    assert current_agreement().version == "2"
    assert not has_accepted_current_agreement(acme)
    # Every partner admin is told in the portal.
    assert Notification.objects.filter(
        user=acme_admin, kind="partners.agreement_published"
    ).exists()
    assert Notification.objects.filter(user=globex_admin).exists()
    event = events_for(current_agreement()).get()
    assert event.data["changes"]["current version"] == {"before": "1", "after": "2"}


def test_a_version_scheduled_for_later_is_not_current_until_then(ops):
    publish_agreement(actor=ops, version="1", title="A", body="Terms")
    later = publish_agreement(
        actor=ops,
        version="2",
        title="A",
        body="Terms",
        effective_at=timezone.now() + dt.timedelta(days=10),
    )
    assert current_agreement().version == "1"
    assert later.effective_at > timezone.now()


def test_a_version_older_than_the_latest_or_a_reused_one_is_refused(client_for, ops):
    publish_agreement(actor=ops, version="1", title="A", body="Terms")
    response = client_for(ops).post(
        reverse("program:agreement_list"),
        {"version": "1", "title": "A", "body": "Again", "effective_at": "2020-01-01T00:00"},
    )
    errors = response.context["form"].errors
    assert "must take effect after version 1" in str(errors["effective_at"])
    assert "version" in errors
    assert Agreement.objects.count() == 1


def test_ops_set_the_business_models_a_team_serves(client_for, ops, team, cam):
    response = client_for(ops).post(
        reverse("program:team_edit", args=[team.pk]),
        {
            "name": "Resale team",
            "segment": "Resellers",
            "lead": cam.pk,
            "business_models": ["reseller", "distributor"],
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.business_models == ["reseller", "distributor"]
    changes = events_for(team).get().data["changes"]
    assert changes["business_models"] == {"before": [], "after": ["reseller", "distributor"]}
    assert changes["lead"] == {"before": "Lee Lead", "after": "Casey Manager"}


def test_a_business_model_is_served_by_one_team(client_for, ops, team):
    save_channel_team(actor=ops, team=team, name=team.name, business_models=["msp"])
    response = client_for(ops).post(
        reverse("program:team_create"), {"name": "Managed", "business_models": ["msp", "mssp"]}
    )
    assert response.status_code == 200
    assert "already served" in str(response.context["form"].errors["business_models"])
    assert not ChannelTeam.objects.filter(name="Managed").exists()


def test_a_partner_user_cannot_lead_a_team(ops, acme_admin):
    with pytest.raises(ProgramConfigError) as caught:
        save_channel_team(actor=ops, name="Odd", lead=acme_admin)
    assert "lead" in caught.value.details


def test_the_team_list_names_business_models_nobody_serves(client_for, ops, team):
    save_channel_team(actor=ops, team=team, name=team.name, business_models=["msp"])
    content = client_for(ops).get(reverse("program:team_list")).content.decode()
    assert "No team serves" in content and "Reseller (VAR)" in content
