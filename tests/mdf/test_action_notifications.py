"""An MDF request's or claim's reviewers are asked to decide once: the notifications leave their
bells when the request or claim is decided, whoever decides it."""

import pytest

from mdf.claims import services as claims
from mdf.models import MdfSettings
from mdf.requests import services as requests

pytestmark = pytest.mark.django_db


def _unread(user, kind) -> int:
    return user.notifications.filter(kind=kind, read_at__isnull=True).count()


def test_deciding_a_request_clears_the_reviewers(make_request, cam):
    request = make_request()
    assert _unread(cam, "mdf_request_submitted") == 1
    requests.deny_request(actor=cam, request=request, reason="Out of budget")
    assert _unread(cam, "mdf_request_submitted") == 0


def test_above_the_threshold_the_cam_is_cleared_then_ops(make_request, cam, ops):
    MdfSettings.objects.update_or_create(pk=1, defaults={"ops_approval_threshold": 500})
    request = requests.approve_request(actor=cam, request=make_request())
    assert _unread(cam, "mdf_request_submitted") == 0
    assert _unread(ops, "mdf_request_submitted") == 1  # asked now, and still to act
    requests.approve_request(actor=ops, request=request)
    assert _unread(ops, "mdf_request_submitted") == 0


def test_the_partner_cancelling_clears_the_reviewers(make_request, cam, acme_rep):
    requests.cancel_request(actor=acme_rep, request=make_request())
    assert _unread(cam, "mdf_request_submitted") == 0


def test_deciding_a_claim_clears_its_reviewers(claimed_request, cam):
    assert _unread(cam, "mdf_claim_submitted") == 1
    claims.approve_claim(actor=cam, request=claimed_request)
    assert _unread(cam, "mdf_claim_submitted") == 0
