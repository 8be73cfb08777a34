"""Leads: creation, routing by each criterion, offers, answers, recall with re-routing,
conversion and the acceptance statistics."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from deals.leads import services as lead_services
from deals.leads.selectors import lead_stats, leads_visible_to
from deals.leads.services import (
    InvalidLeadData,
    LeadDeadlinePassed,
    LeadNotAllowed,
    LeadOfferRefused,
    accept_lead,
    close_lead,
    create_lead,
    offer_lead,
    recall_overdue_leads,
    reject_lead,
    route_lead,
)
from deals.models import DealProgramSettings, Lead, LeadOffer
from partners.models import BusinessModel, Partner
from prm.audit import events_for
from prm.exceptions import InvalidTransition
from prm.models import Notification
from tests.factories import MembershipFactory, OfficeFactory, PartnerFactory

from .conflict_factories import LeadFactory, LeadOfferFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """``with commit():`` runs the block's after-commit callbacks (the emails) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def offered(acme, ops, acme_admin, acme_rep, commit):
    with time_machine.travel(T0, tick=False), commit():
        lead = LeadFactory(company_name="Hooli", country="US", created_by=ops)
        offer_lead(lead=lead, partner=acme, actor=ops)
    lead.refresh_from_db()
    return lead


class TestCreate:
    def test_ops_creates_a_new_lead(self, ops):
        lead = create_lead(
            actor=ops,
            company_name=" Hooli ",
            country="us",
            region="na",
            contact_email="Gavin@Hooli.example",
            estimated_amount="25000",
            currency="usd",
        )
        assert (lead.status, lead.company_name, lead.country, lead.region) == (
            "new",
            "Hooli",
            "US",
            "NA",
        )
        assert lead.contact_email == "gavin@hooli.example"
        assert lead.estimated_amount == Decimal("25000.00")
        assert events_for(lead).get().verb == "lead.created"

    def test_bad_fields_are_named(self, ops):
        with pytest.raises(InvalidLeadData) as error:
            create_lead(
                actor=ops, company_name="", country="XX", contact_email="nope", region="Mars"
            )
        assert set(error.value.details) == {"company_name", "country", "contact_email", "region"}
        with pytest.raises(InvalidLeadData):
            create_lead(actor=ops, company_name="X", country="US", colour="blue")
        assert not Lead.objects.exists()

    def test_partners_cannot_create_leads(self, acme_admin):
        with pytest.raises(LeadNotAllowed):
            create_lead(actor=acme_admin, company_name="X", country="US")


class TestRouting:
    def test_no_rule_leaves_the_lead_unrouted_and_audited(self, acme, ops):
        lead = LeadFactory(country="US")
        assert route_lead(lead=lead, actor=ops) is None
        lead.refresh_from_db()
        assert lead.status == "new"
        assert events_for(lead).filter(verb="lead.routing_unmatched").exists()

    def test_first_rule_in_priority_order_with_a_match_wins(self, acme, globex, ops):
        RoutingRuleFactory(name="MSPs", priority=20, business_models=[BusinessModel.MSP])
        RoutingRuleFactory(name="Resellers", priority=10, business_models=[BusinessModel.RESELLER])
        lead = LeadFactory(country="US", region="NA")
        globex.regions_served = ["NA"]
        globex.save()
        offer = route_lead(lead=lead, actor=ops)
        assert offer.partner == acme
        lead.refresh_from_db()
        assert lead.routing_rule.name == "Resellers"
        assert events_for(lead).get(verb="lead.offered").rule == "routing rule: Resellers"

    def test_inactive_rules_and_inactive_partners_are_skipped(self, acme, ops):
        RoutingRuleFactory(is_active=False)
        lead = LeadFactory(country="US")
        assert route_lead(lead=lead, actor=ops) is None
        RoutingRuleFactory()
        Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.SUSPENDED)
        Partner.objects.exclude(pk=acme.pk).update(status=Partner.Status.SUSPENDED)
        assert route_lead(lead=lead, actor=ops) is None

    def test_country_criterion(self, acme, globex, ops):
        RoutingRuleFactory(countries=["DE"])
        assert route_lead(lead=LeadFactory(country="US", region="NA"), actor=ops) is None
        offer = route_lead(lead=LeadFactory(country="DE", region="EMEA"), actor=ops)
        assert offer.partner == globex  # headquartered in DE

    def test_region_criterion_and_regions_served(self, acme, globex, ops):
        RoutingRuleFactory(regions=["EMEA"])
        acme_only_na = route_lead(lead=LeadFactory(country="FR", region="EMEA"), actor=ops)
        assert acme_only_na.partner == globex  # serves EMEA, Acme serves NA only
        assert route_lead(lead=LeadFactory(country="US", region="NA"), actor=ops) is None

    def test_an_office_in_the_country_counts(self, acme, ops, tiers):
        Partner.objects.update(status=Partner.Status.SUSPENDED)
        far = PartnerFactory(hq_country="AU", regions_served=["APAC"], tier=tiers[0])
        RoutingRuleFactory()
        lead = LeadFactory(country="JP", region="")
        assert route_lead(lead=lead, actor=ops) is None
        OfficeFactory(partner=far, country="JP", region="APAC")
        lead.refresh_from_db()
        assert route_lead(lead=lead, actor=ops).partner == far

    def test_business_model_criterion(self, acme, globex, ops):
        globex.regions_served = ["NA"]
        globex.save()
        RoutingRuleFactory(business_models=[BusinessModel.MSP])
        assert route_lead(lead=LeadFactory(country="US", region="NA"), actor=ops).partner == globex

    def test_distributors_only_when_a_rule_names_them(self, acme, distri, ops):
        Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.SUSPENDED)
        RoutingRuleFactory(priority=1)
        assert route_lead(lead=LeadFactory(country="US"), actor=ops) is None
        RoutingRuleFactory(priority=2, business_models=[BusinessModel.DISTRIBUTOR])
        assert route_lead(lead=LeadFactory(country="US"), actor=ops).partner == distri

    def test_minimum_tier_criterion(self, acme, globex, ops):
        globex.regions_served = ["NA"]
        globex.save()
        RoutingRuleFactory(min_tier_rank=3)  # Gold: Globex, not Acme (Registered)
        assert route_lead(lead=LeadFactory(country="US", region="NA"), actor=ops).partner == globex

    def test_specialty_criterion(self, acme, globex, ops):
        globex.regions_served = ["NA"]
        globex.solution_stack = ["Kubernetes", "Security"]
        globex.save()
        RoutingRuleFactory(specialty="security")
        lead = LeadFactory(country="US", region="NA", specialty="Security")
        assert route_lead(lead=lead, actor=ops).partner == globex
        other = LeadFactory(country="US", region="NA", specialty="Networking")
        assert route_lead(lead=other, actor=ops) is None

    def test_a_specialty_rule_takes_only_leads_needing_it_by_specialty_or_industry(
        self, acme, globex, ops
    ):
        globex.regions_served = ["NA"]
        globex.target_sectors = ["healthcare"]
        globex.save()
        specialists = RoutingRuleFactory(priority=10, specialty="healthcare")
        anyone = RoutingRuleFactory(priority=100)
        generic = LeadFactory(country="US", region="NA")
        route_lead(lead=generic, actor=ops)
        clinic = LeadFactory(country="US", industry="Healthcare")
        offer = route_lead(lead=clinic, actor=ops)
        generic.refresh_from_db()
        clinic.refresh_from_db()
        assert generic.routing_rule == anyone
        assert (clinic.routing_rule, offer.partner) == (specialists, globex)

    def test_best_acceptance_rate_then_fewest_open_offers(self, acme, globex, ops):
        globex.regions_served = ["NA"]
        globex.save()
        RoutingRuleFactory()
        LeadOfferFactory(partner=acme, outcome="recalled")
        LeadOfferFactory(partner=globex, outcome="accepted")
        assert route_lead(lead=LeadFactory(country="US"), actor=ops).partner == globex
        LeadOffer.objects.all().delete()
        LeadOfferFactory.create_batch(2, partner=globex)
        LeadOfferFactory(partner=acme)
        assert route_lead(lead=LeadFactory(country="US"), actor=ops).partner == acme

    def test_never_back_to_a_partner_that_rejected_or_let_it_lapse(self, acme, globex, ops):
        globex.regions_served = ["NA"]
        globex.save()
        RoutingRuleFactory()
        lead = LeadFactory(country="US", status="rejected")
        LeadOfferFactory(lead=lead, partner=acme, outcome="rejected")
        LeadOfferFactory(lead=lead, partner=globex, outcome="recalled")
        assert route_lead(lead=lead, actor=ops) is None

    def test_only_routable_states(self, acme, ops):
        RoutingRuleFactory()
        with pytest.raises(InvalidTransition):
            route_lead(lead=LeadFactory(status="accepted"), actor=ops)

    def test_partners_cannot_route(self, acme_admin):
        with pytest.raises(LeadNotAllowed):
            route_lead(lead=LeadFactory(), actor=acme_admin)


class TestOffer:
    def test_offer_sets_the_deadline_notifies_the_partner_and_audits(
        self, offered, acme, acme_admin, acme_rep
    ):
        assert offered.status == "offered"
        assert offered.partner == acme
        assert offered.accept_by == T0 + dt.timedelta(hours=48)
        offer = LeadOffer.objects.get()
        assert (offer.partner, offer.accept_by, offer.outcome) == (
            acme,
            offered.accept_by,
            "pending",
        )
        recipients = {m.to[0] for m in mail.outbox}
        assert recipients == {acme_admin.email, acme_rep.email}
        assert "Hooli" in mail.outbox[0].subject
        assert events_for(offered).get(verb="lead.offered").to_state == "offered"

    def test_deadline_follows_the_program_setting(self, acme, ops):
        settings = DealProgramSettings.current()
        settings.lead_accept_hours = 24
        settings.save()
        lead = LeadFactory()
        with time_machine.travel(T0, tick=False):
            offer = offer_lead(lead=lead, partner=acme, actor=ops)
        assert offer.accept_by == T0 + dt.timedelta(hours=24)

    def test_a_cam_offers_only_to_own_partners(self, cam, acme, globex):
        lead = LeadFactory(created_by=cam)
        with pytest.raises(LeadNotAllowed):
            offer_lead(lead=lead, partner=globex, actor=cam)
        assert offer_lead(lead=lead, partner=acme, actor=cam).partner == acme

    def test_not_to_inactive_or_declining_partners(self, acme, ops):
        lead = LeadFactory(status="rejected")
        LeadOfferFactory(lead=lead, partner=acme, outcome="rejected")
        with pytest.raises(LeadOfferRefused):
            offer_lead(lead=lead, partner=acme, actor=ops)
        suspended = PartnerFactory(status=Partner.Status.SUSPENDED)
        with pytest.raises(LeadOfferRefused):
            offer_lead(lead=LeadFactory(), partner=suspended, actor=ops)


class TestAnswers:
    def test_partner_accepts_before_the_deadline(self, offered, acme_rep, cam, ops, commit):
        mail.outbox.clear()
        offers = Notification.objects.filter(kind="lead_offered", read_at__isnull=True)
        assert offers.exists()
        with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False), commit():
            accept_lead(lead=offered, actor=acme_rep)
        assert not offers.exists()  # answered: the offer leaves the partner's bells
        offered.refresh_from_db()
        assert offered.status == "accepted"
        assert offered.responded_at == T0 + dt.timedelta(hours=5)
        assert LeadOffer.objects.get().outcome == "accepted"
        assert {m.to[0] for m in mail.outbox} == {cam.email, ops.email}
        assert events_for(offered).get(verb="lead.accepted").actor == acme_rep

    def test_not_after_the_deadline(self, offered, acme_rep):
        late = time_machine.travel(T0 + dt.timedelta(hours=49), tick=False)
        with late, pytest.raises(LeadDeadlinePassed):
            accept_lead(lead=offered, actor=acme_rep)
        offered.refresh_from_db()
        assert offered.status == "offered"

    def test_reject_needs_a_reason_and_tells_the_cam(self, offered, acme_admin, cam, commit):
        with pytest.raises(InvalidLeadData):
            reject_lead(lead=offered, actor=acme_admin, reason="  ")
        mail.outbox.clear()
        with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False), commit():
            reject_lead(lead=offered, actor=acme_admin, reason="Outside our territory")
        offered.refresh_from_db()
        assert (offered.status, offered.rejection_reason) == ("rejected", "Outside our territory")
        offer = LeadOffer.objects.get()
        assert (offer.outcome, offer.reason) == ("rejected", "Outside our territory")
        assert cam.email in {m.to[0] for m in mail.outbox}
        assert "Outside our territory" in next(m for m in mail.outbox if m.to == [cam.email]).body

    @pytest.mark.parametrize("who", ["globex_admin", "distri_admin", "cam", "ops"])
    def test_only_the_partner_side_answers(self, offered, personas, who):
        if who == "distri_admin":
            # Distri administers Acme's distributor, so it may answer; a rep of Distri may not.
            rep = MembershipFactory(partner=offered.partner.parent_distributor, role="rep").user
            with pytest.raises(LeadNotAllowed):
                accept_lead(lead=offered, actor=rep)
            return
        with pytest.raises(LeadNotAllowed):
            accept_lead(lead=offered, actor=personas[who])

    def test_a_distributor_admin_answers_for_its_reseller(self, offered, distri_admin):
        with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
            accept_lead(lead=offered, actor=distri_admin)
        offered.refresh_from_db()
        assert offered.status == "accepted"

    def test_accepting_twice_is_refused(self, offered, acme_rep):
        with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
            accept_lead(lead=offered, actor=acme_rep)
            with pytest.raises(InvalidTransition):
                accept_lead(lead=offered, actor=acme_rep)

    def test_vendor_closes_a_rejected_lead_with_a_reason(self, offered, acme_admin, ops):
        with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
            reject_lead(lead=offered, actor=acme_admin, reason="No budget")
        with pytest.raises(InvalidLeadData):
            close_lead(lead=offered, actor=ops, reason="")
        close_lead(lead=offered, actor=ops, reason="Duplicate of another lead")
        offered.refresh_from_db()
        assert offered.status == "closed"
        with pytest.raises(LeadNotAllowed):
            close_lead(lead=LeadFactory(), actor=acme_admin, reason="x")


class TestRecall:
    def test_overdue_offers_are_recalled_and_rerouted(
        self, offered, acme, globex, ops, cam, commit
    ):
        globex.regions_served = ["NA"]
        globex.save()
        RoutingRuleFactory()
        MembershipFactory(partner=globex)
        mail.outbox.clear()
        with time_machine.travel(T0 + dt.timedelta(hours=47), tick=False):
            assert recall_overdue_leads() == 0
        with time_machine.travel(T0 + dt.timedelta(hours=48, minutes=1), tick=False), commit():
            assert recall_overdue_leads() == 1
            assert recall_overdue_leads() == 0  # idempotent
        offered.refresh_from_db()
        assert offered.status == "offered"
        assert offered.partner == globex
        assert offered.accept_by == T0 + dt.timedelta(hours=96, minutes=1)
        outcomes = dict(LeadOffer.objects.values_list("partner__display_name", "outcome"))
        assert outcomes == {"Acme": "recalled", "Globex": "pending"}
        recall = events_for(offered).get(verb="lead.recalled")
        assert (recall.actor, recall.rule) == (None, lead_services.RECALL_RULE)
        subjects = {(m.to[0], m.subject.split(":")[0]) for m in mail.outbox}
        assert ("ada@acme.example", "Lead recalled") in subjects
        assert (cam.email, "Lead recalled") in subjects
        cam_mail = next(m for m in mail.outbox if m.to == [cam.email])
        assert "Globex" in cam_mail.body
        acme_mail = next(m for m in mail.outbox if m.to == ["ada@acme.example"])
        assert "Globex" not in acme_mail.body

    def test_recalled_lead_without_another_partner_waits_for_the_vendor(self, offered, acme):
        RoutingRuleFactory()
        with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
            assert recall_overdue_leads() == 1
        offered.refresh_from_db()
        assert offered.status == "recalled"
        assert events_for(offered).filter(verb="lead.routing_unmatched").exists()

    def test_an_answer_arriving_first_is_kept(self, offered, acme_rep):
        with time_machine.travel(T0 + dt.timedelta(hours=47), tick=False):
            accept_lead(lead=offered, actor=acme_rep)
        with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
            assert recall_overdue_leads() == 0
        offered.refresh_from_db()
        assert offered.status == "accepted"


class TestVisibility:
    def test_partners_see_only_leads_currently_offered_to_them(self, offered, personas, globex):
        visible = {who: set(leads_visible_to(u)) for who, u in personas.items()}
        assert visible["acme_admin"] == visible["acme_rep"] == {offered}
        assert visible["distri_admin"] == {offered}  # Acme is Distri's reseller
        assert visible["globex_admin"] == set()
        assert visible["cam"] == {offered}
        assert visible["other_cam"] == set()
        assert visible["ops"] == {offered}
        offered.partner = globex
        offered.save()
        assert not leads_visible_to(personas["acme_admin"]).exists()
        assert set(leads_visible_to(personas["globex_admin"])) == {offered}

    def test_a_cam_sees_the_leads_they_created(self, other_cam):
        lead = LeadFactory(created_by=other_cam)
        assert set(leads_visible_to(other_cam)) == {lead}


class TestStats:
    def test_acceptance_rate_and_median_time_to_accept(self, acme, globex):
        start = timezone.now()
        for hours, outcome in [(2, "accepted"), (4, "accepted"), (10, "accepted")]:
            LeadOfferFactory(
                partner=acme,
                offered_at=start,
                outcome=outcome,
                responded_at=start + dt.timedelta(hours=hours),
            )
        LeadOfferFactory(partner=acme, outcome="rejected", responded_at=start)
        LeadOfferFactory(partner=acme, outcome="recalled", responded_at=start)
        LeadOfferFactory(partner=acme)  # pending: not answered yet
        LeadOfferFactory(partner=globex, outcome="accepted", responded_at=start)
        stats = lead_stats(acme)
        assert (stats.offered, stats.accepted, stats.rejected, stats.recalled, stats.pending) == (
            6,
            3,
            1,
            1,
            1,
        )
        assert stats.acceptance_rate == Decimal("0.6000")
        assert stats.median_time_to_accept == dt.timedelta(hours=4)

    def test_no_history(self, acme):
        stats = lead_stats(acme)
        assert (stats.offered, stats.acceptance_rate, stats.median_time_to_accept) == (
            0,
            None,
            None,
        )


def test_notifications_land_in_the_portal_too(offered, acme_admin):
    assert Notification.objects.filter(user=acme_admin, kind="lead_offered").exists()


class TestAdmin:
    def test_models_are_registered_and_records_are_read_only(self, ops):
        from django.contrib import admin
        from django.test import RequestFactory

        from deals import admin_leads
        from deals.models import CustomerAccount, DealConflict, LeadRoutingRule, Opportunity

        for model in (Lead, LeadRoutingRule, DealConflict, CustomerAccount, Opportunity):
            assert admin.site.is_registered(model), model
        request = RequestFactory().get("/")
        request.user = ops
        lead_admin = admin_leads.LeadAdmin(Lead, admin.site)
        assert not lead_admin.has_add_permission(request)
        assert "status" in lead_admin.get_readonly_fields(request)
        conflict_admin = admin_leads.DealConflictAdmin(DealConflict, admin.site)
        assert "resolution" in conflict_admin.get_readonly_fields(request)

    def test_route_action_calls_the_service(self, ops, acme):
        from django.contrib import admin
        from django.test import RequestFactory

        from deals import admin_leads

        RoutingRuleFactory()
        lead = LeadFactory(country="US")
        request = RequestFactory().post("/")
        request.user = ops
        lead_admin = admin_leads.LeadAdmin(Lead, admin.site)
        said = []
        lead_admin.message_user = lambda request, message, *args: said.append(str(message))
        lead_admin.route_selected(request, Lead.objects.filter(pk=lead.pk))
        lead.refresh_from_db()
        assert (lead.status, lead.partner) == ("offered", acme)
        assert said == ["1 lead(s) offered."]


class TestJob:
    def test_command_and_task_recall_and_are_safe_to_run_twice(self, offered):
        import io

        from django.conf import settings
        from django.core.management import call_command

        from deals.tasks_leads import recall_overdue_leads as task

        with time_machine.travel(T0 + dt.timedelta(hours=49), tick=False):
            out = io.StringIO()
            call_command("recall_leads", stdout=out)
            assert out.getvalue().strip() == "Recalled 1 lead(s)."
            assert task.delay().get() == 0
        offered.refresh_from_db()
        assert offered.status == "recalled"
        entry = settings.CELERY_BEAT_SCHEDULE["deals-recall-overdue-leads"]
        assert entry["task"] == task.name == "deals.tasks_leads.recall_overdue_leads"
