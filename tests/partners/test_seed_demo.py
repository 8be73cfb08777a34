"""``manage.py seed_demo``: a realistic program, idempotent, with working demo accounts."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client

from partners.demo_data import DEMO_PASSWORD
from partners.models import (
    Agreement,
    Application,
    BusinessModel,
    Partner,
    PartnerMembership,
    Qualification,
    Region,
    Tier,
    TierHistory,
)
from prm.models import ChannelTeam, User

# One test process seeds once for the whole module.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo")]

HOMES = {
    "ops@demo.example": "home-ops",
    "admin@demo.example": "home-ops",
    "cam@demo.example": "home-cam",
    "cam2@demo.example": "home-cam",
    "admin@northwind.example": "home-partner",
    "rep@northwind.example": "home-partner",
    "admin@bluepeak.example": "home-partner",
    "admin@continental.example": "home-partner",
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (it is the slow part), inside a transaction rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_running_it_twice_creates_nothing_new(seeded):
    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before


def test_it_prints_a_summary_the_login_url_and_the_demo_accounts(seeded, settings):
    assert "Demo program ready" in seeded
    assert f"{settings.PRM_SITE_URL}/accounts/login/" in seeded
    assert DEMO_PASSWORD in seeded
    for email in HOMES:
        assert email in seeded


@pytest.mark.parametrize(("email", "marker"), HOMES.items())
def test_the_demo_accounts_sign_in_and_reach_their_home_page(seeded, email, marker):
    client = Client()
    assert client.login(email=email, password=DEMO_PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    assert f'data-testid="{marker}"'.encode() in response.content


def test_the_people_and_teams_are_as_documented(seeded):
    casey = User.objects.get(email="cam@demo.example")
    priya = User.objects.get(email="cam2@demo.example")
    admin = User.objects.get(email="admin@demo.example")
    assert (casey.full_name, casey.internal_role) == ("Casey Morgan", "cam")
    assert (priya.full_name, priya.internal_role) == ("Priya Shah", "cam")
    assert admin.is_superuser and admin.is_staff and admin.is_program_ops
    assert User.objects.get(email="ops@demo.example").internal_role == "ops"
    teams = set(ChannelTeam.objects.values_list("name", flat=True))
    assert {"Resale & distribution", "Managed services", "Alliances & SI"} <= teams
    assert ChannelTeam.objects.get(name="Resale & distribution").lead == casey
    assert not ChannelTeam.objects.filter(lead__isnull=True).exists()


def test_the_named_partners_are_as_documented(seeded):
    northwind = Partner.objects.get(display_name="Northwind Systems")
    bluepeak = Partner.objects.get(display_name="BluePeak Managed IT")
    continental = Partner.objects.get(display_name="Continental Distribution")
    assert (northwind.business_model, northwind.tier.name) == (BusinessModel.RESELLER, "Gold")
    assert northwind.parent_distributor == continental
    assert northwind.channel_manager.email == "cam@demo.example"
    assert continental.channel_manager.email == "cam@demo.example"
    assert continental.business_model == BusinessModel.DISTRIBUTOR
    assert continental.resellers.count() >= 5
    assert (bluepeak.business_model, bluepeak.tier.name) == (BusinessModel.MSP, "Silver")
    assert bluepeak.channel_manager.email == "cam2@demo.example"

    def role(email, partner):
        return PartnerMembership.objects.get(user__email=email, partner=partner).role

    assert role("admin@northwind.example", northwind) == "admin"
    assert role("rep@northwind.example", northwind) == "rep"
    assert role("admin@bluepeak.example", bluepeak) == "admin"
    assert role("admin@continental.example", continental) == "admin"


def test_casey_is_assigned_most_partners(seeded):
    per_cam = {
        email: Partner.objects.filter(channel_manager__email=email).count()
        for email in ("cam@demo.example", "cam2@demo.example", "cam3@demo.example")
    }
    assert max(per_cam, key=per_cam.get) == "cam@demo.example"


def test_the_program_is_broad_and_realistic(seeded):
    assert list(Tier.objects.values_list("rank", "name")) == [
        (1, "Registered"),
        (2, "Silver"),
        (3, "Gold"),
        (4, "Platinum"),
    ]
    platinum = Tier.objects.get(name="Platinum")
    metrics = set(platinum.requirements.values_list("metric", flat=True))
    assert {"specialty_certifications", "reference_implementations", "sourced_revenue"} <= metrics
    assert platinum.requirements.get(metric="reference_implementations").threshold == 2
    assert Agreement.objects.exists()

    members = Partner.objects.exclude(status__in=["applied", "terminated"])
    assert members.count() >= 40
    assert set(members.values_list("business_model", flat=True)) == set(BusinessModel.values)
    assert members.values("hq_country").distinct().count() >= 20
    regions = {r for p in members for r in p.regions_served}
    assert regions == set(Region.values)
    statuses = dict(members.order_by().values_list("status").annotate(n=Count("pk")))
    assert statuses["active"] > statuses["onboarding"] > 0
    assert statuses["suspended"] > 0
    for partner in members.prefetch_related("offices", "memberships"):
        assert partner.offices.exists(), partner
        assert len(partner.memberships.all()) >= 2, partner
        assert partner.memberships.filter(role="admin").exists(), partner
    assert TierHistory.objects.values("partner").distinct().count() == members.count()
    assert Qualification.objects.values("partner").distinct().count() == members.count()
    assert Application.objects.filter(status="submitted").count() >= 6


def test_demo_staff_sign_in_with_a_code_from_the_published_secret(seeded, settings):
    from django.core.cache import cache

    from partners.demo_data import DEMO_TOTP_SECRET
    from tests.security.mfa_helpers import totp_code

    settings.PRM_ENFORCE_MFA = True
    cache.clear()
    assert DEMO_TOTP_SECRET in seeded
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "cam3@demo.example", "password": DEMO_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(DEMO_TOTP_SECRET)})
    assert client.get("/").status_code == 200


def test_rep_territories_cover_every_region_so_the_rep_credit_report_credits_every_deal(seeded):
    from deals.commissions.repcredit.models import RepTerritory

    regions = set(RepTerritory.objects.filter(country="").values_list("region", flat=True))
    assert regions == set(Region.values)
    assert RepTerritory.objects.exclude(country="").exists()


def test_a_new_demo_lead_routes_without_hand_work(seeded):
    from deals.leads.services import create_lead, route_lead
    from deals.models import LeadRoutingRule

    assert LeadRoutingRule.objects.filter(is_active=True).count() >= 3
    ops = User.objects.get(email="ops@demo.example")
    lead = create_lead(actor=ops, company_name="Ridgeway Clinics", country="US", region="NA")
    offer = route_lead(lead=lead, actor=ops)
    assert offer is not None
    assert offer.partner.status == Partner.Status.ACTIVE
    # Every business model is served by one of the demo teams.
    served = [m for team in ChannelTeam.objects.all() for m in team.business_models]
    assert sorted(served) == sorted(BusinessModel.values)


def test_the_demo_has_leads_at_every_step_for_ops_and_the_partners(seeded):
    from deals.models import DealRegistration, Lead

    by_status = dict(Lead.objects.order_by().values_list("status").annotate(n=Count("pk")))
    for status in ("new", "offered", "accepted", "converted", "rejected"):
        assert by_status.get(status, 0) >= 1, status
    # Northwind's people have leads to answer, and see them on their home page.
    waiting = Lead.objects.filter(status="offered", partner__display_name="Northwind Systems")
    assert waiting.count() >= 2
    client = Client()
    client.login(email="rep@northwind.example", password=DEMO_PASSWORD)
    home = client.get("/").content.decode()
    assert all(lead.company_name in home for lead in waiting)
    # The converted lead is Northwind's registration now.
    converted = Lead.objects.get(status="converted")
    assert DealRegistration.objects.get(source_lead=converted).partner == converted.partner


def test_demo_events_are_spread_over_weeks_not_stamped_at_seed_time(seeded):
    from datetime import timedelta

    from django.utils import timezone

    from mdf.models import FundRequest
    from prm.models import AuditEvent

    now = timezone.now()
    created = sorted(FundRequest.objects.values_list("created_at", flat=True))
    assert created and now - created[0] > timedelta(days=20)
    assert len({moment.date() for moment in created}) >= 4
    paid = FundRequest.objects.filter(status="paid").first()
    assert paid is not None and paid.submitted_at < paid.decided_at
    # Claims follow their activity, and payments are dated when the history says.
    for claimed in FundRequest.objects.filter(claim__submitted_at__isnull=False):
        assert claimed.ends_on <= timezone.localdate(claimed.claim.submitted_at)
    payment = paid.payment
    assert paid.claim.registrations.filter(status="won").exists()  # its return per dollar
    assert payment.paid_on == timezone.localdate(
        AuditEvent.objects.for_object(paid).get(verb="mdf.paid").created_at
    )
    events = AuditEvent.objects.filter(content_type__app_label__in=["mdf", "deals"])
    days = {moment.date() for moment in events.values_list("created_at", flat=True)}
    assert len(days) >= 20


def test_the_demo_partner_sees_a_reversed_commission_line_and_why(seeded):
    from deals.commissions.demo import DEMO_PARTNER_USER
    from deals.models import CommissionLine

    user = User.objects.get(email=DEMO_PARTNER_USER)
    reversed_lines = CommissionLine.objects.filter(status=CommissionLine.Status.REVERSED)
    line = reversed_lines.exclude(kind=CommissionLine.Kind.SPIFF).get()
    assert line.partner.memberships.filter(user=user).exists()
    assert line.reversal_reason.startswith("Duplicate")
    client = Client()
    client.force_login(user)
    page = client.get("/deals/commissions/lines/?status=reversed").content.decode()
    assert line.reversal_reason in page
