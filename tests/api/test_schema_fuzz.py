"""A bounded Schemathesis run over every API operation, through the WSGI application with the
schema served at /api/schema/: no answer may be a server error or contradict the schema (status
code, content type, headers, body).

Each generated case (valid and invalid inputs) is sent three times: with a read-only key, a
program-wide write key and a key bound to one partner. Generation is deterministic and bounded
so that the run stays within the normal test command's budget; the summary line printed at the
end gives the number of operations, cases and requests.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from partners.api_keys import READ_SCOPES
from prm.models import ApiKey

from .fuzz_data import fuzz_data_set

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation and generation mode; with three keys each example is three requests.
# PRM_FUZZ_EXAMPLES raises it for a deeper run.
MAX_EXAMPLES = int(os.environ.get("PRM_FUZZ_EXAMPLES", "3"))
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failing case
    suppress_health_check=list(HealthCheck),
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def wsgi_app():
    """The WSGI application, with the test's database connection kept open across requests.

    A real WSGI request closes "old" connections when it starts and ends; inside the test's
    transaction that would close the connection holding it. Django's test client disconnects
    the same handler for the same reason.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_keys(issue_key, personas, acme, settings):
    # The public application form is throttled per caller; let the run reach the service.
    settings.PRM_APPLICATION_RATE = "100000/hour"
    fuzz_data_set(personas)
    _key, read = issue_key(*READ_SCOPES, name="Fuzz read")
    _key, write = issue_key(*ApiKey.Scope.values, name="Fuzz write")
    _key, bound = issue_key(*ApiKey.Scope.values, partner=acme, name="Fuzz partner")
    return {"read": read, "write": write, "partner": bound}


def fuzz(operation, mode: GenerationMode, keys: dict, counts: dict) -> None:
    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        counts["cases"] += 1
        for plaintext in keys.values():
            counts["requests"] += 1
            # A savepoint per request: on PostgreSQL one failed statement would otherwise abort
            # the test's transaction and every later request with it.
            with transaction.atomic():
                case.call_and_validate(
                    headers={"Authorization": f"Api-Key {plaintext}"}, checks=CHECKS
                )

    run()


def describe(exc: BaseException) -> str:
    # A failure group's own message carries each failure and a curl line to reproduce it.
    return f"{type(exc).__name__}: {str(exc)[:4000]}"


def test_every_operation_answers_as_documented(wsgi_app, fuzz_keys, capsys):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    counts = {"operations": 0, "cases": 0, "requests": 0}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, fuzz_keys, counts)
            except Unsatisfiable:
                pass  # no input breaks this operation's schema (e.g. one free-text path part)
            except (Exception, BaseExceptionGroup) as exc:  # every failure is reported together
                failures.append(f"{operation.label} ({mode.value}): {describe(exc)}")

    with capsys.disabled():
        print(
            f"\nschema fuzz: {counts['operations']} operations, {counts['cases']} cases, "
            f"{counts['requests']} requests, {len(failures)} failing operations"
        )
    assert not failures, "\n\n".join(failures)
