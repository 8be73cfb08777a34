"""Onboarding progress: facts read live, manual checks by the right people, audited."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enablement.models import OnboardingCheck, OnboardingStep
from enablement.programs import onboarding
from enablement.programs import selectors as program_selectors
from enablement.programs import services as program_services
from enablement.programs.onboarding import OnboardingError
from partners.models import Agreement, AgreementAcceptance, BusinessModel, Partner
from prm.exceptions import PermissionDenied
from prm.models import AuditEvent
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

from .factories import PersonCertificationFactory
from .factories_programs import OnboardingStepFactory, full_template, ready_plan

pytestmark = pytest.mark.django_db
Kind = OnboardingStep.Kind


@pytest.fixture
def template(db):
    return full_template("reseller", people=2)


@pytest.fixture
def agreement(db):
    return Agreement.objects.create(version="2026.1", title="Partner program", body="Terms")


def step(template, kind) -> OnboardingStep:
    return template.steps.get(kind=kind)


def done_kinds(status) -> set[str]:
    return {state.step.kind for state in status.steps if state.done}


def certify(partner, *, people: int, **kwargs):
    for _ in range(people):
        user = MembershipFactory(partner=partner).user
        PersonCertificationFactory(user=user, partner=partner, **kwargs)


def test_progress_is_computed_from_facts(template, agreement, acme, acme_admin, cam):
    status = program_selectors.onboarding_status(acme)
    assert (status.done, status.total, status.percent) == (0, 5, 0)
    assert status.next_step.step.kind == Kind.AGREEMENT_ACCEPTED

    AgreementAcceptance.objects.create(partner=acme, agreement=agreement, accepted_by=acme_admin)
    certify(acme, people=1)
    status = program_selectors.onboarding_status(acme)
    assert done_kinds(status) == {Kind.AGREEMENT_ACCEPTED}
    certs = next(s for s in status.steps if s.step.kind == Kind.FIRST_CERTIFICATIONS)
    assert certs.detail == "1 of 2 people certified"

    certify(acme, people=1)
    ready_plan(partner=acme, created_by=cam)  # a draft does not count
    assert done_kinds(program_selectors.onboarding_status(acme)) == {
        Kind.AGREEMENT_ACCEPTED,
        Kind.FIRST_CERTIFICATIONS,
    }

    plan = acme.business_plans.get()
    program_services.approve_plan(actor=acme_admin, plan=plan)
    status = program_selectors.onboarding_status(acme)
    assert (status.done, status.percent) == (3, 60)
    assert status.next_step.step.kind == Kind.INTRODUCTORY_MEETING


def test_expired_certifications_and_the_same_person_twice_do_not_count(template, acme):
    person = MembershipFactory(partner=acme).user
    PersonCertificationFactory(user=person, partner=acme)
    PersonCertificationFactory(user=person, partner=acme)  # a second certification, same person
    PersonCertificationFactory(
        user=MembershipFactory(partner=acme).user,
        partner=acme,
        status="expired",
        earned_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2022, 1, 1),
    )
    certs = next(
        s
        for s in program_selectors.onboarding_status(acme).steps
        if s.step.kind == Kind.FIRST_CERTIFICATIONS
    )
    assert not certs.done and certs.detail == "1 of 2 people certified"


def test_a_new_agreement_version_reopens_the_step(template, agreement, acme, acme_admin):
    AgreementAcceptance.objects.create(partner=acme, agreement=agreement, accepted_by=acme_admin)
    assert Kind.AGREEMENT_ACCEPTED in done_kinds(program_selectors.onboarding_status(acme))
    Agreement.objects.create(version="2026.2", title="Partner program", body="New terms")
    assert Kind.AGREEMENT_ACCEPTED not in done_kinds(program_selectors.onboarding_status(acme))


def test_the_cam_marks_the_introductory_meeting_held_and_it_is_audited(template, acme, cam):
    meeting = step(template, Kind.INTRODUCTORY_MEETING)

    status = onboarding.check_onboarding_step(
        actor=cam, partner=acme, step=meeting, done=True, note="Kick-off in Seattle"
    )

    assert Kind.INTRODUCTORY_MEETING in done_kinds(status)
    check = OnboardingCheck.objects.get()
    assert (check.checked_by, check.note) == (cam, "Kick-off in Seattle")
    progress = acme.onboarding
    assert progress.template == template and progress.started_by == cam
    assert list(
        AuditEvent.objects.for_object(progress).order_by("id").values_list("verb", flat=True)
    ) == ["onboarding.started", "onboarding.step_checked"]

    status = onboarding.check_onboarding_step(actor=cam, partner=acme, step=meeting, done=False)
    assert Kind.INTRODUCTORY_MEETING not in done_kinds(status)
    assert not OnboardingCheck.objects.exists()
    assert AuditEvent.objects.for_object(progress).filter(verb="onboarding.step_unchecked")


def test_checking_twice_changes_nothing(template, acme, cam):
    meeting = step(template, Kind.INTRODUCTORY_MEETING)
    onboarding.check_onboarding_step(actor=cam, partner=acme, step=meeting, done=True)
    onboarding.check_onboarding_step(actor=cam, partner=acme, step=meeting, done=True)
    assert OnboardingCheck.objects.count() == 1
    assert AuditEvent.objects.filter(verb="onboarding.step_checked").count() == 1


def test_who_may_check_which_step(template, personas, acme):
    meeting, custom = step(template, Kind.INTRODUCTORY_MEETING), step(template, Kind.CUSTOM)
    allowed = {
        (who, s.kind)
        for who in personas
        for s in (meeting, custom)
        if program_selectors.can_check_step(personas[who], acme, s)
    }
    assert allowed == {
        ("cam", Kind.INTRODUCTORY_MEETING),
        ("cam", Kind.CUSTOM),
        ("ops", Kind.INTRODUCTORY_MEETING),
        ("ops", Kind.CUSTOM),
        ("acme_admin", Kind.CUSTOM),
    }
    with pytest.raises(PermissionDenied):
        onboarding.check_onboarding_step(
            actor=personas["acme_admin"], partner=acme, step=meeting, done=True
        )
    with pytest.raises(PermissionDenied):
        onboarding.check_onboarding_step(
            actor=personas["other_cam"], partner=acme, step=custom, done=True
        )


def test_steps_backed_by_facts_cannot_be_checked_by_hand(template, acme, ops):
    for kind in (Kind.AGREEMENT_ACCEPTED, Kind.FIRST_CERTIFICATIONS, Kind.JOINT_BUSINESS_PLAN):
        with pytest.raises(PermissionDenied):
            onboarding.check_onboarding_step(
                actor=ops, partner=acme, step=step(template, kind), done=True
            )


def test_a_step_of_another_checklist_is_refused(template, acme, cam):
    other = OnboardingStepFactory(
        template=full_template("msp").steps.first().template, kind=Kind.CUSTOM
    )
    with pytest.raises(OnboardingError, match="not part of the partner's checklist"):
        onboarding.check_onboarding_step(actor=cam, partner=acme, step=other, done=True)


def test_the_checklist_follows_the_business_model_with_a_default(template, globex, acme):
    default = full_template("")
    assert program_selectors.onboarding_status(acme).template == template
    assert program_selectors.onboarding_status(globex).template == default  # no MSP checklist


def test_a_started_checklist_stays_with_the_partner(template, acme, cam):
    onboarding.start_onboarding(partner=acme, actor=cam)
    full_template("msp")
    Partner.objects.filter(pk=acme.pk).update(business_model=BusinessModel.MSP)
    acme.refresh_from_db()
    assert program_selectors.onboarding_status(acme).template == template


def test_without_any_checklist_starting_is_refused(acme, cam):
    assert program_selectors.onboarding_status(acme).total == 0
    with pytest.raises(OnboardingError, match="No onboarding checklist is configured"):
        onboarding.start_onboarding(partner=acme, actor=cam)


def test_the_bulk_statuses_match_one_by_one_in_a_fixed_number_of_queries(template, agreement, cam):
    partners = []
    for index in range(6):
        partner = PartnerFactory(channel_manager=cam, status=Partner.Status.ONBOARDING)
        admin = UserFactory()
        if index % 2:
            AgreementAcceptance.objects.create(
                partner=partner, agreement=agreement, accepted_by=admin
            )
        certify(partner, people=index % 3)
        onboarding.check_onboarding_step(
            actor=cam, partner=partner, step=step(template, Kind.CUSTOM), done=bool(index % 2)
        )
        partners.append(partner)

    with CaptureQueriesContext(connection) as few:
        program_selectors.onboarding_statuses(partners[:2])
    with CaptureQueriesContext(connection) as many:
        statuses = program_selectors.onboarding_statuses(partners)
        summary = [(s.partner.pk, s.done, s.percent, [x.done for x in s.steps]) for s in statuses]
    assert len(many) == len(few) <= 10

    expected = []
    for partner in partners:
        one = program_selectors.onboarding_status(partner)
        expected.append((partner.pk, one.done, one.percent, [x.done for x in one.steps]))
    assert summary == expected


def test_onboarding_partners_are_the_ones_in_scope_and_onboarding(cam, other_cam, ops, acme):
    mine = PartnerFactory(channel_manager=cam, status=Partner.Status.ONBOARDING)
    theirs = PartnerFactory(channel_manager=other_cam, status=Partner.Status.ONBOARDING)
    assert set(program_selectors.onboarding_partners(cam)) == {mine}
    assert set(program_selectors.onboarding_partners(other_cam)) == {theirs}
    assert set(program_selectors.onboarding_partners(ops)) == {mine, theirs}
