"""The load test's accounts sign in the way its simulated users do, and preparing again tops up
what a run uses without creating the program twice."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate

from bench.load import data
from bench.load.totp import totp
from deals.models import DealRegistration
from mdf.models import FundRequest
from partners.models import Partner, PartnerMembership
from prm.models import AuditEvent, User
from tests.factories import TierFactory
from tests.mdf.factories import ActivityTypeFactory

pytestmark = pytest.mark.django_db


def test_the_simulated_code_is_the_one_allauth_accepts(cam):
    authenticator = TOTP.activate(cam, data.TOTP_SECRET).instance
    assert TOTP(authenticator).validate_code(totp(data.TOTP_SECRET))
    # A code from five minutes ago is not.
    assert not TOTP(authenticator).validate_code(totp(data.TOTP_SECRET, time.time() - 300))


def test_staff_have_a_verified_address_a_password_and_an_authenticator():
    managers = list(data._staff("cam", User.InternalRole.CHANNEL_MANAGER, 2))
    assert [u.email for u in managers] == ["cam0@load.example", "cam1@load.example"]
    for user in managers:
        assert user.is_channel_manager
        assert user.emailaddress_set.get().verified
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        assert authenticate(email=user.email, password=data.PASSWORD) == user
    # Again: the same people, no second authenticator.
    again = list(data._staff("cam", User.InternalRole.CHANNEL_MANAGER, 2))
    assert again == managers
    assert Authenticator.objects.filter(user__in=managers).count() == 2


@pytest.fixture
def load_program():
    TierFactory(rank=1, name="Registered", mdf_accrual_rate="0")
    TierFactory(rank=2, name="Silver", mdf_accrual_rate="0.0100")
    ActivityTypeFactory(name=data.CLAIM_ACTIVITY)
    ops = list(data._staff("ops", User.InternalRole.PROGRAM_OPS, 1))
    cams = list(data._staff("cam", User.InternalRole.CHANNEL_MANAGER, 2))
    return ops[0], cams


def test_partners_are_active_with_an_admin_and_a_rep_and_made_once(load_program):
    ops, cams = load_program
    created = data._partners(3, cams, ops)
    assert len(created) == 3
    assert {p.status for p in created} == {Partner.Status.ACTIVE}
    tiers = Partner.objects.filter(pk__in=[p.pk for p in created]).values_list("tier__name")
    assert set(tiers) == {("Silver",)}  # tiers carrying MDF only
    assert {p.channel_manager for p in created} == set(cams)
    roles = PartnerMembership.objects.filter(partner__in=created).values_list("role", flat=True)
    assert sorted(roles) == ["admin"] * 3 + ["rep"] * 3
    assert authenticate(email=data._rep_email(2), password=data.PASSWORD) is not None
    assert data._partners(3, cams, ops) == []
    data._history(created, 5)
    assert DealRegistration.objects.filter(partner__in=created).count() == 15


def test_top_up_leaves_work_waiting_and_only_what_was_used_up_is_made_again(load_program):
    ops, cams = load_program
    partners = data._partners(2, cams, ops)
    data._top_up(partners, ops, claimable=2)
    approved = FundRequest.objects.filter(status=FundRequest.Status.APPROVED)
    submitted = DealRegistration.objects.filter(status=DealRegistration.Status.SUBMITTED)
    assert approved.count() == 4
    assert submitted.count() == 2
    waiting = FundRequest.objects.filter(status=FundRequest.Status.SUBMITTED)
    assert waiting.count() == 2
    # The approvals and registrations went through the services: audit rows exist.
    assert AuditEvent.objects.filter(actor__in=cams).exists()

    claimed = approved.filter(partner=partners[0]).first()
    FundRequest.objects.filter(pk=claimed.pk).update(status=FundRequest.Status.CLAIM_SUBMITTED)
    data._top_up(partners, ops, claimable=2)
    assert approved.count() == 4
    assert submitted.count() == 2
    assert waiting.count() == 2
