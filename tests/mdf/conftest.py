"""MDF fixtures: tiers with the MDF benefit, an activity menu entry, funded partners and
requests in each state, reached through the services (never by writing statuses)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mdf.claims import services as claims
from mdf.funds import services as funds
from mdf.models import MdfSettings, ProofKind
from mdf.requests import services as requests
from tests.api.conftest import _fresh_cache, issue_key, key_client, session_for  # noqa: F401

from .factories import ActivityTypeFactory, request_values

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 200


def pdf(name: str = "invoice.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def mdf_tiers(tiers):
    """Registered has no MDF; Silver accrues 3 %, Gold 5 %."""
    rates = ["0", "0.0300", "0.0500"]
    for tier, rate in zip(tiers, rates, strict=True):
        tier.mdf_accrual_rate = Decimal(rate)
        tier.save()
    return tiers


@pytest.fixture
def mdf_acme(acme, mdf_tiers):
    acme.tier = mdf_tiers[1]
    acme.save()
    return acme


@pytest.fixture
def webinar(db):
    return ActivityTypeFactory(name="Webinar", required_proof=[ProofKind.INVOICE])


@pytest.fixture
def funded_acme(mdf_acme, ops):
    funds.allocate_funds(
        actor=ops, partner=mdf_acme, amount=Decimal("5000.00"), reason="Launch support"
    )
    return mdf_acme


@pytest.fixture
def make_request(funded_acme, acme_rep, webinar):
    def make(*, submit: bool = True, **overrides):
        values = request_values(overrides.pop("activity_type", webinar), **overrides)
        return requests.create_request(actor=acme_rep, partner=funded_acme, submit=submit, **values)

    return make


@pytest.fixture
def approved_request(make_request, cam):
    return requests.approve_request(actor=cam, request=make_request())


@pytest.fixture
def claimed_request(approved_request, acme_rep):
    """An approved request with a saved claim and its invoice, submitted after the activity."""
    claim = claims.save_claim(
        actor=acme_rep, request=approved_request, actual_cost="1800.00",
        claimed_amount="900.00", leads=35, pipeline="42000.00",
    )  # fmt: skip
    claims.add_proof(actor=acme_rep, claim=claim, kind=ProofKind.INVOICE, upload=pdf())
    after = approved_request.ends_on + dt.timedelta(days=1)
    return claims.submit_claim(actor=acme_rep, request=approved_request, today=after)


@pytest.fixture
def program():
    return MdfSettings.current()


def today() -> dt.date:
    return timezone.localdate()
