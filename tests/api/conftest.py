"""Fixtures for the API tests: keys issued through the service, and a clean throttle cache."""

import pytest
from django.core.cache import cache

from partners.api_keys import issue_api_key


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
