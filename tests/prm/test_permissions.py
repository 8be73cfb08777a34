"""Program ops only: the one check, its refusal and who passes it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404

from deals.commissions.exceptions import CommissionNotAllowed
from prm.exceptions import PermissionDenied
from prm.permissions import require_program_ops
from tests.factories import UserFactory

MESSAGE = "Only program operations may do this."


@pytest.fixture
def admin(db):
    return UserFactory(email="admin@vendor.example", internal_role="admin")


def test_program_ops_passes(ops):
    require_program_ops(ops, MESSAGE)


def test_an_administrator_passes(admin):
    require_program_ops(admin, MESSAGE)


@pytest.mark.parametrize("persona", ["cam", "acme_admin", "acme_rep"])
def test_channel_managers_and_partner_users_are_refused_with_the_message(persona, request):
    with pytest.raises(PermissionDenied) as refused:
        require_program_ops(request.getfixturevalue(persona), MESSAGE)
    assert refused.value.message == MESSAGE


@pytest.mark.parametrize("error", [CommissionNotAllowed, DjangoPermissionDenied])
def test_the_refusal_is_the_callers_exception(cam, error):
    with pytest.raises(error) as refused:
        require_program_ops(cam, MESSAGE, error=error)
    assert str(refused.value) == MESSAGE


def test_without_a_message_the_exception_is_raised_bare(cam):
    """The commission ops pages answer a plain 404, as to any page out of scope."""
    with pytest.raises(Http404) as refused:
        require_program_ops(cam, error=Http404)
    assert refused.value.args == ()


def test_none_is_refused_unless_a_scheduled_job_is_allowed(db):
    with pytest.raises(PermissionDenied) as refused:
        require_program_ops(None, MESSAGE)
    assert refused.value.message == MESSAGE
    require_program_ops(None, MESSAGE, system_allowed=True)


def test_system_allowed_still_refuses_people_who_are_not_ops(cam):
    with pytest.raises(PermissionDenied):
        require_program_ops(cam, MESSAGE, system_allowed=True)


def test_an_inactive_ops_user_is_refused(ops, admin):
    for user in (ops, admin):
        user.is_active = False
        with pytest.raises(PermissionDenied) as refused:
            require_program_ops(user, MESSAGE, system_allowed=True)
        assert refused.value.message == MESSAGE


def test_an_anonymous_visitor_is_refused(db):
    with pytest.raises(Http404):
        require_program_ops(AnonymousUser(), error=Http404)
    with pytest.raises(PermissionDenied):
        require_program_ops(AnonymousUser(), MESSAGE, system_allowed=True)
