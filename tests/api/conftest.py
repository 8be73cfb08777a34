"""Fixtures for the API tests: keys issued through the service, a clean throttle cache, and
registrations of every shape an answer shows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from deals.models import DealRegistration
from partners.api_keys import issue_api_key
from tests.deals.factories import DealFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issue_key(ops):
    """``issue_key(*scopes, partner=None)`` returns (ApiKey, plaintext), issued by ops."""

    def issue(*scopes, partner=None, name="Test integration"):
        return issue_api_key(name=name, scopes=list(scopes), actor=ops, partner=partner)

    return issue


@pytest.fixture
def key_client(issue_key):
    """``key_client(*scopes, partner=None)`` returns an API client authenticated by a new key."""
    from rest_framework.test import APIClient

    def make(*scopes, partner=None):
        _key, plaintext = issue_key(*scopes, partner=partner)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
        return client

    return make


@pytest.fixture
def session_for():
    """``session_for(user)`` returns a fresh API client signed in to the portal as ``user``."""
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def registrations(acme, acme_admin, ops):
    """A won registration (decided, in yen), a draft and a submitted one past its SLA."""
    Status = DealRegistration.Status
    won = DealFactory(
        partner=acme, registered_by=acme_admin, status=Status.WON, currency="JPY",
        estimated_amount=Decimal("1250000"), closed_amount=Decimal("1250000"),
        closed_on=dt.date(2026, 3, 31), product_lines=["Cloud", "Édition"],
        decided_by=ops, decided_at=dt.datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=dt.UTC),
        contact_email="ana@acme.example", resubmission_count=2,
    )  # fmt: skip
    draft = DealFactory(partner=acme, registered_by=acme_admin, notes="")
    submitted = DealFactory(
        partner=acme, registered_by=acme_admin, status=Status.SUBMITTED,
        sla_due_at=timezone.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    return [won, draft, submitted]
