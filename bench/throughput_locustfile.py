"""Locust load for ``bench_api_throughput``: one headless run, the same closed-loop clients
asking for one endpoint at a time, each for ``PRM_TP_PHASE_SECONDS`` in all, split into
``PRM_TP_ROUNDS`` turns taken in rotation (healthz, tiers, deal list, healthz, …), so that a
machine whose speed drifts during the run (other tenants, clock scaling) weighs on every
endpoint alike rather than on whichever came last (the benchmark warms the server up before):

    healthz    GET /healthz                                 no authentication
    tiers      GET /api/v1/tiers/                           the trivial authenticated endpoint
    deal_list  GET /api/v1/registrations/?page_size=50      a program-wide API key

Every recorded request is written to ``PRM_TP_RESULTS`` (JSON: name, start, milliseconds,
status) when the run stops, so the benchmark computes requests per second over each phase and
exact percentiles itself. Runs inside ``locust`` (gevent), so it imports nothing of Django.
"""

import json
import os
import time

from locust import FastHttpUser, constant, events, task

API_KEY = os.environ.get("PRM_TP_API_KEY", "")
PHASE_SECONDS = float(os.environ.get("PRM_TP_PHASE_SECONDS", "15"))
ROUNDS = int(os.environ.get("PRM_TP_ROUNDS", "3"))
RESULTS = os.environ.get("PRM_TP_RESULTS", "")

# Served behind a TLS proxy in production: the header keeps SECURE_SSL_REDIRECT from answering
# 301 on plain loopback HTTP (SECURE_PROXY_SSL_HEADER trusts it).
FORWARDED = {"X-Forwarded-Proto": "https"}
AUTHORIZED = {**FORWARDED, "Authorization": f"Api-Key {API_KEY}"}
ENDPOINTS = [
    ("healthz", "/healthz", FORWARDED),
    ("tiers", "/api/v1/tiers/", AUTHORIZED),
    ("deal_list", "/api/v1/registrations/?page_size=50", AUTHORIZED),
]

_started: list[float] = []
_records: list[dict] = []


def phase_at(now: float) -> int | None:
    """The index of the endpoint of the moment; None once every turn is done."""
    turn = int((now - _started[0]) // (PHASE_SECONDS / ROUNDS))
    return turn % len(ENDPOINTS) if turn < ROUNDS * len(ENDPOINTS) else None


@events.test_start.add_listener
def _on_start(environment, **kwargs):
    _started[:] = [time.time()]


@events.request.add_listener
def _on_request(name, response_time, response, exception, start_time, **kwargs):
    status = getattr(response, "status_code", 0) if exception is None else 0
    _records.append({"name": name, "start": start_time, "ms": response_time, "status": status})


@events.quitting.add_listener
def _on_quit(environment, **kwargs):
    if RESULTS:
        with open(RESULTS, "w") as out:
            json.dump({"started": _started[0] if _started else None, "requests": _records}, out)


class ApiClient(FastHttpUser):
    wait_time = constant(0)

    @task
    def ask(self):
        phase = phase_at(time.time())
        if phase is None:
            self.environment.runner.quit()
            return
        name, path, headers = ENDPOINTS[phase]
        # Recorded with its status below; a non-200 fails the benchmark, not the client.
        with self.client.get(path, headers=headers, name=name, catch_response=True) as response:
            response.success()
