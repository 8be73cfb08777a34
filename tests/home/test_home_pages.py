"""What each persona's home page shows, and that nothing of another partner leaks into it."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deals.models import CommissionRun, DealConflict, DealRegistration
from partners.models import Invitation
from prm.periods import fiscal_quarter
from scorecards.models import TierReview
from tests.deals.conflict_factories import LeadFactory
from tests.deals.factories import DealFactory, ExtensionRequestFactory
from tests.enablement.factories import PersonCertificationFactory
from tests.factories import ApplicationFactory, PartnerFactory, TierRequirementFactory

Status = DealRegistration.Status
pytestmark = pytest.mark.django_db


def _deal(partner, user, status, name, **fields):
    return DealFactory(
        partner=partner, registered_by=user, status=status, customer_name=name, **fields
    )


def _offered_lead(partner, name, hours=24):
    now = timezone.now()
    return LeadFactory(
        partner=partner,
        company_name=name,
        status="offered",
        offered_at=now,
        accept_by=now + dt.timedelta(hours=hours),
    )


@pytest.fixture
def acme_work(acme, acme_rep, acme_admin, globex, globex_admin):
    """Work waiting at Acme (some of it Rex's own, some his admin's) and at Globex."""
    soon = timezone.now() + dt.timedelta(days=3)
    _deal(acme, acme_rep, Status.MORE_INFO, "Rexinfo Corp")
    _deal(acme, acme_rep, Status.APPROVED, "Rexexpiring Corp", protected_until=soon)
    _deal(acme, acme_rep, Status.APPROVED, "Rexcalm Corp")  # protected for 90 days
    _deal(acme, acme_admin, Status.MORE_INFO, "Adainfo Corp")
    _deal(globex, globex_admin, Status.MORE_INFO, "Globexinfo Corp")
    _offered_lead(acme, "Acmelead Inc")
    _offered_lead(globex, "Globexlead Inc")
    expiring = dt.date.today() + dt.timedelta(days=20)
    PersonCertificationFactory(user=acme_rep, partner=acme, expires_on=expiring)
    PersonCertificationFactory(
        user=acme_admin, partner=acme, expires_on=expiring, certification__name="Ada's badge"
    )
    PersonCertificationFactory(
        user=globex_admin, partner=globex, expires_on=expiring, certification__name="Gina badge"
    )


def test_a_rep_sees_own_registrations_that_need_him_leads_and_certifications(
    client_for, acme_rep, acme_work
):
    response = client_for(acme_rep).get("/")
    body = response.content.decode()
    work = response.context["work"]
    assert {d.customer_name for d in work.deals_needing_action} == {
        "Rexinfo Corp",
        "Rexexpiring Corp",
    }
    assert work.open_deal_count == 3
    assert "More information requested" in body and "Protection ends" in body
    assert [lead.company_name for lead in work.leads_waiting] == ["Acmelead Inc"]
    assert len(work.certifications_expiring) == 1
    assert work.certifications_expiring[0].user == acme_rep
    for other in ("Adainfo Corp", "Globexinfo Corp", "Globexlead Inc", "Gina badge", "Ada's badge"):
        assert other not in body


def test_a_partner_admin_sees_the_organisation_and_nothing_of_another_partner(
    client_for, acme_admin, acme_work
):
    response = client_for(acme_admin).get("/")
    body = response.content.decode()
    assert response.templates[0].name == "partners/home_partner_admin.html"
    names = {d.customer_name for d in response.context["work"].deals_needing_action}
    assert names == {"Rexinfo Corp", "Rexexpiring Corp", "Adainfo Corp"}
    assert "Ada&#x27;s badge" in body or "Ada's badge" in body
    for other in ("Globexinfo Corp", "Globexlead Inc", "Gina badge"):
        assert other not in body


def test_an_admin_sees_whose_certifications_expire_and_a_link_to_all_of_them(
    client_for, acme_admin, acme_work
):
    body = client_for(acme_admin).get("/").content.decode()
    section = body.split('data-testid="home-certifications"', 1)[1].split("</section>", 1)[0]
    assert "<th>Person</th>" in section
    assert "Rex" in section and "Ada" in section  # the holders' names
    until = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    assert f"/enablement/certifications/?expires_before={until}&amp;sort=expires" in section


def test_a_distributor_admin_home_lists_its_own_people_not_its_resellers(
    client_for, distri, distri_admin, acme_work
):
    PersonCertificationFactory(
        user=distri_admin,
        partner=distri,
        expires_on=dt.date.today() + dt.timedelta(days=10),
        certification__name="Distri badge",
    )
    work = client_for(distri_admin).get("/").context["work"]
    assert [pc.certification.name for pc in work.certifications_expiring] == ["Distri badge"]


def test_a_partner_admin_sees_pending_invitations_of_its_own_partner(
    client_for, acme, globex, acme_admin
):
    later = timezone.now() + dt.timedelta(days=5)
    Invitation.objects.create(partner=acme, email="new@acme.example", expires_at=later)
    Invitation.objects.create(partner=globex, email="new@globex.example", expires_at=later)
    Invitation.objects.create(
        partner=acme, email="gone@acme.example", expires_at=later, revoked_at=timezone.now()
    )
    body = client_for(acme_admin).get("/").content.decode()
    assert "new@acme.example" in body
    assert "new@globex.example" not in body and "gone@acme.example" not in body


def test_a_rep_is_not_shown_invitations_or_tier_warnings(client_for, acme, acme_rep, tiers):
    TierRequirementFactory(tier=tiers[0], threshold=5)
    Invitation.objects.create(
        partner=acme, email="new@acme.example", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    body = client_for(acme_rep).get("/").content.decode()
    assert "new@acme.example" not in body
    assert 'data-testid="tier-warning"' not in body


def test_tier_standing_warns_of_a_grace_period_then_of_a_demotion(
    client_for, acme, acme_admin, tiers
):
    acme.tier = tiers[1]
    acme.save()
    TierRequirementFactory(tier=tiers[1], threshold=2)  # two certified sales people: none
    response = client_for(acme_admin).get("/")
    outlook = response.context["work"].outlook
    assert outlook.below and outlook.next_action == "warn" and outlook.misses == 1
    body = response.content.decode()
    assert 'data-testid="tier-warning"' in body and "grace period" in body

    # The last review already counted one miss in Silver: the next one would demote.
    today = timezone.localdate()
    previous = fiscal_quarter(today).previous()
    review = TierReview.objects.create(
        quarter=previous.label,
        period_start=previous.start,
        period_end=previous.end,
        effective_on=previous.end + dt.timedelta(days=1),
        status=TierReview.Status.DONE,
    )
    review.proposals.create(
        partner=acme, current_tier=tiers[1], action="hold", below_requirements=True, misses=1,
        warned=True, score=Decimal("0"),
    )  # fmt: skip
    response = client_for(acme_admin).get("/")
    assert response.context["work"].outlook.next_action == "demote"
    assert "proposes a demotion" in response.content.decode()


def test_tier_standing_shows_a_partner_meeting_its_tier_without_warning(
    client_for, acme_admin, tiers
):
    body = client_for(acme_admin).get("/").content.decode()  # Registered: no requirements
    assert 'data-testid="tier-ok"' in body and 'data-testid="tier-warning"' not in body


def test_distributor_admin_sees_its_resellers_pipeline_and_open_items(
    client_for, distri, distri_admin, acme, acme_rep, globex, globex_admin
):
    _deal(acme, acme_rep, Status.APPROVED, "One Corp", estimated_amount=Decimal("1234567.00"))
    _deal(acme, acme_rep, Status.MORE_INFO, "Two Corp")
    _deal(globex, globex_admin, Status.APPROVED, "Three Corp")
    response = client_for(distri_admin).get("/")
    (reseller,) = response.context["resellers"]
    assert reseller == acme
    assert (reseller.open_deals, reseller.more_info) == (2, 1)
    assert reseller.pipeline == [("USD", Decimal("1234567.00"))]
    body = response.content.decode()
    assert "1,234,567.00" in body and "Globex" not in body


def test_cam_home_summarises_the_queue_conflicts_extensions_and_attention(
    client_for, cam, acme, acme_rep, globex, globex_admin
):
    now = timezone.now()
    late = _deal(
        acme, acme_rep, Status.SUBMITTED, "Late Corp", sla_due_at=now - dt.timedelta(hours=2)
    )
    _deal(acme, acme_rep, Status.SUBMITTED, "Today Corp", sla_due_at=now + dt.timedelta(minutes=1))
    _deal(
        globex,
        globex_admin,
        Status.SUBMITTED,
        "Otherlate Corp",
        sla_due_at=now - dt.timedelta(days=1),
    )
    earlier = _deal(acme, acme_rep, Status.APPROVED, "Early Corp")
    DealConflict.objects.create(registration=late, existing_registration=earlier, score=90)
    ExtensionRequestFactory(registration=earlier, requested_by=acme_rep)
    response = client_for(cam).get("/")
    context = response.context
    assert context["queue"].waiting == 2 and context["queue"].breached == 1
    assert context["conflict_count"] == 1 and context["extension_count"] == 1
    attention = {p.display_name: p for p in context["attention"]}
    assert attention["Acme"].breached == 1 and not attention["Acme"].assessed
    body = response.content.decode()
    assert "Globex" not in body and "Otherlate Corp" not in body
    # The past-due figure leads to the queue filtered to those registrations.
    assert 'data-testid="queue-breached">1<' in body
    breached = client_for(cam).get("/deals/review/?breached=yes")
    assert [r.customer_name for r in breached.context["page_obj"]] == ["Late Corp"]
    assert 'href="/deals/review/?breached=yes"' in body


def test_cam_home_counts_only_what_is_there(client_for, cam, acme):
    body = client_for(cam).get("/").content.decode()
    # No conflict or extension request waiting: no red zero beside their headings.
    assert "Conflicts to resolve</h2>" in body and "Extension requests</h2>" in body
    assert 'data-testid="queue-breached">0<' in body
    assert "?breached=yes" not in body


def test_due_today_counts_only_deals_due_before_the_day_ends(client_for, cam, acme, acme_rep):
    client = client_for(cam)
    # At noon, whenever the test runs: a minute later is today, 1 a.m. is tomorrow.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=False):
        for name, due_in in (
            ("Today", dt.timedelta(minutes=1)),
            ("Tomorrow", dt.timedelta(hours=13)),
        ):
            _deal(acme, acme_rep, Status.SUBMITTED, name, sla_due_at=timezone.now() + due_in)
        assert client.get("/").context["queue"].due_today == 1


def test_ops_home_shows_health_applications_and_recent_jobs(client_for, ops, acme, acme_rep):
    ApplicationFactory(partner=PartnerFactory(display_name="Newcomer", status="applied"))
    CommissionRun.objects.create(period="FY2026-Q1", status="failed", error="Rates missing")
    TierReview.objects.create(
        quarter="FY2026-Q2", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31),
        effective_on=dt.date(2026, 4, 1), status="done",
    )  # fmt: skip
    _deal(
        acme,
        acme_rep,
        Status.SUBMITTED,
        "Late Corp",
        sla_due_at=timezone.now() - dt.timedelta(days=1),
    )
    response = client_for(ops).get("/")
    figures = {str(f.label): f.value for g in response.context["health"] for f in g.figures}
    assert figures["Past their decision due time"] == 1
    assert figures["Active partners"] >= 1
    jobs = {(str(j.kind), j.failed) for j in response.context["jobs"]}
    assert ("Commission run", True) in jobs and ("Tier review", False) in jobs
    body = response.content.decode()
    assert "Newcomer" in body and "Rates missing" in body


def test_home_page_queries_do_not_grow_with_rows(client_for, acme, acme_admin):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            client_for(acme_admin).get("/")
        return len(ctx)

    _deal(acme, acme_admin, Status.MORE_INFO, "First Corp")
    _offered_lead(acme, "First Lead")
    before = count()
    for n in range(5):
        _deal(acme, acme_admin, Status.MORE_INFO, f"Many{n} Corp")
        _offered_lead(acme, f"Lead {n}")
        PersonCertificationFactory(
            user=acme_admin, partner=acme, expires_on=dt.date.today() + dt.timedelta(days=5)
        )
    assert count() <= before + 1  # the certification list appears: one query for it at most


def test_money_thresholds_read_as_money_on_the_ops_home_and_tier_list(client_for, ops, tiers):
    TierRequirementFactory(tier=tiers[2], metric="sourced_revenue", threshold=Decimal("250000"))
    TierRequirementFactory(tier=tiers[2], metric="certified_sales", threshold=2)
    client = client_for(ops)
    for url in ("/", "/partners/tiers/"):
        body = client.get(url).content.decode()
        assert "USD 250,000.00" in body, url
