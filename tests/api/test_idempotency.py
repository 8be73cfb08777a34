"""``Idempotency-Key``: a key is claimed before the work, the answer is stored with the work, a
twin request replays it (or answers 409 while the first is in flight), and a failed request
releases its claim."""

import datetime as dt
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from deals.models import DealRegistration
from prm.api import idempotency
from prm.models import IdempotencyRecord

from .assertions import error_of

LIST = "/api/v1/registrations/"


def body(**overrides):
    data = {
        "customer_name": "Massive Dynamic",
        "customer_domain": "massivedynamic.example",
        "contact_email": "cio@massivedynamic.example",
        "country": "US",
        "estimated_amount": "120000.00",
        "currency": "USD",
        "expected_close_date": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
    }
    return {**data, **overrides}


def claim_in_flight(user, key, payload, *, age=timedelta(0)):
    return IdempotencyRecord.objects.create(
        principal=user,
        endpoint=LIST,
        key=key,
        request_hash=idempotency._fingerprint(payload),
        created_at=timezone.now() - age,
    )


@pytest.mark.django_db
class TestReplay:
    def test_a_completed_key_replays_the_stored_answer(self, acme_rep, session_for):
        client = session_for(acme_rep)
        first = client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        record = IdempotencyRecord.objects.get()
        assert record.completed_at is not None
        assert record.response_status == 201

    def test_a_key_in_flight_answers_409_with_retry_after(self, acme_rep, session_for, settings):
        claim_in_flight(acme_rep, "k-1", body())
        idempotency.IN_FLIGHT_WAIT_SECONDS, saved = 0.1, idempotency.IN_FLIGHT_WAIT_SECONDS
        try:
            response = session_for(acme_rep).post(
                LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
            )
        finally:
            idempotency.IN_FLIGHT_WAIT_SECONDS = saved

        assert response.status_code == 409
        assert error_of(response)["code"] == "idempotency_key_in_flight"
        assert response["Retry-After"] == "1"
        assert not DealRegistration.objects.exists()

    def test_a_key_in_flight_with_another_body_is_reused(self, acme_rep, session_for):
        claim_in_flight(acme_rep, "k-1", body(customer_name="Other"))
        response = session_for(acme_rep).post(
            LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )

        assert response.status_code == 409
        assert error_of(response)["code"] == "idempotency_key_reused"

    def test_an_abandoned_claim_is_taken_over(self, acme_rep, session_for):
        claim_in_flight(acme_rep, "k-1", body(), age=timedelta(hours=1))
        response = session_for(acme_rep).post(
            LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )

        assert response.status_code == 201
        assert DealRegistration.objects.count() == 1
        assert IdempotencyRecord.objects.get().completed_at is not None

    def test_a_refused_request_releases_its_claim(self, acme_rep, session_for):
        client = session_for(acme_rep)
        bad = client.post(LIST, body(country="XX"), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert bad.status_code == 400
        assert not IdempotencyRecord.objects.exists()

        good = client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert good.status_code == 201

    def test_a_crashing_request_releases_its_claim(self, acme_rep, monkeypatch):
        from deals import services

        def explode(**kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(services, "create_registration", explode)
        client = APIClient(raise_request_exception=False)
        client.force_login(acme_rep)
        response = client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-3")

        assert response.status_code == 500
        assert not IdempotencyRecord.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent connections; SQLite serialises writers on one file lock",
)
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_all_get_the_first_answer(acme_rep):
    """Twenty threads, each on its own database connection, post one key and body at once."""
    parallel = 20
    barrier = threading.Barrier(parallel)
    results: list[tuple[int, dict, dict]] = []
    lock = threading.Lock()

    def post():
        client = APIClient(raise_request_exception=False)
        client.force_login(acme_rep)
        try:
            barrier.wait()
            response = client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="race")
            is_json = response["Content-Type"].startswith("application/json")
            data = response.json() if is_json else {}
            with lock:
                results.append((response.status_code, data, dict(response.headers)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(code for code, _body, _headers in results)
    assert len(results) == parallel
    assert all(code in (201, 409) for code in codes), codes
    created = [data for code, data, _headers in results if code == 201]
    assert len({d["id"] for d in created}) == 1
    for code, data, headers in results:
        if code == 409:
            assert data["error"]["code"] == "idempotency_key_in_flight"
            assert headers["Retry-After"]
    assert DealRegistration.objects.count() == 1
    assert IdempotencyRecord.objects.get().completed_at is not None
