"""Fixtures for the registration lifecycle tests: Acme's registrations in any status."""

import pytest

from deals.models import DealProgramSettings

from .factories import DealFactory


@pytest.fixture
def program(db):
    return DealProgramSettings.current()


@pytest.fixture
def deal_in(acme, acme_rep):
    """``deal_in(status, **fields)``: an Acme registration by Rex Rep in ``status``."""

    def make(status, **fields):
        fields.setdefault("partner", acme)
        fields.setdefault("registered_by", acme_rep)
        return DealFactory(status=status, **fields)

    return make


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit callbacks (notifications) of the block, as a real commit would."""

    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    return capture
