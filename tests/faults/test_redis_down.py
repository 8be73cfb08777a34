"""Redis stopped under a running portal: pages, sign-in and the API still answer (the cache and
the rate limiter degrade), and the emails and webhooks that work done meanwhile raised are
delivered once Redis is back: each exactly once, none lost.

A real web process (gunicorn) and a real worker run against the test database and a Redis of
our own, which the test stops and starts again (empty, as a Redis without persistence comes
back). Beat's ticks are sent by the test, after moving the outbox rows' clock on.
"""

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.utils import timezone

from deals.models import DealRegistration
from partners.api_keys import issue_api_key
from prm.models import EmailDelivery, Notification
from prm.webhooks.models import WebhookDelivery
from prm.webhooks.services import create_endpoint

from .conftest import free_port, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.xdist_group("faults"),
    pytest.mark.django_db(transaction=True),
]


class Receiver:
    """A webhook receiver on this machine that records every POST it gets."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.close()


def request(url, *, data=None, headers=None, opener=None, method=None):
    """(status, body) of one request; errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)  # noqa: S310
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def sign_in(base, user, password) -> int:
    """Sign in through the real form (allauth counts attempts in the cache); the answer's
    status: 302 to the home page when it worked."""
    # The test settings hash with MD5 for speed; the web process knows only the real hashers.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(password, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    status, _page = request(f"{base}/accounts/login/", opener=opener)
    assert status == 200
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"login": user.email, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    status, page = request(
        f"{base}/accounts/login/",
        data=form,
        opener=opener,
        headers={"Referer": f"{base}/accounts/login/"},
    )
    assert "not correct" not in page
    return status


def test_with_redis_stopped_pages_answer_and_queued_work_is_delivered_once_it_returns(
    processes, redis_server, broker, receiver, ops, cam, acme, acme_rep, password
):
    create_endpoint(actor=ops, url=receiver.url, event_types=["deal.submitted"])
    _key, api_key = issue_api_key(
        name="CRM", scopes=["deals:read", "deals:write"], actor=ops, partner=acme
    )
    api = {"Authorization": f"Api-Key {api_key}", "Content-Type": "application/json"}
    base = processes.start_web()
    processes.start_worker()
    cookie = {"Cookie": session_cookie(acme_rep)}

    redis_server.stop()

    # Pages, sign-in (throttled in the cache) and the API (rate-limited in the cache) answer.
    for path in ("/", "/deals/", "/deals/new/", "/notifications/"):
        status, _page = request(base + path, headers=cookie)
        assert status == 200, path
    assert sign_in(base, cam, password) == 302
    status, _body = request(f"{base}/api/v1/registrations/", headers=api)
    assert status == 200
    # Work that raises an email to each reviewer and a webhook, in time.
    close = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    body = json.dumps(
        {"customer_name": "Outage Industries", "country": "US", "estimated_amount": "50000.00",
         "currency": "USD", "expected_close_date": close}
    ).encode()  # fmt: skip
    started = time.monotonic()
    status, answer = request(f"{base}/api/v1/registrations/", data=body, headers=api)
    assert status == 201, answer
    assert time.monotonic() - started < 15, "queuing while Redis is down must not hold the request"

    deal = DealRegistration.objects.get(customer_name="Outage Industries")
    emails = EmailDelivery.objects.filter(kind="deal_submitted")
    assert emails.count() >= 1 and Notification.objects.filter(kind="deal_submitted").exists()
    assert set(emails.values_list("status", "attempts")) == {(EmailDelivery.Status.QUEUED, 0)}
    assert WebhookDelivery.objects.filter(event_type="deal.submitted").count() == 1
    assert processes.mails() == [] and receiver.received == []

    redis_server.start()
    # Beat's ticks once the scheduled jobs' moment has come: the outbox rows are old enough.
    emails.update(updated_at=timezone.now() - dt.timedelta(minutes=10))
    for _tick in range(2):  # a second tick must not send anything twice
        broker("prm.tasks.requeue_stale_deliveries")
        broker("prm.webhooks.tasks.send_due_deliveries")
        wait_for(
            lambda: (
                not emails.exclude(status=EmailDelivery.Status.SENT).exists()
                and len(receiver.received) >= 1
            ),
            timeout=90,
            what="the emails and the webhook queued while Redis was down",
        )
    time.sleep(2)  # anything sent twice would have arrived by now

    assert len(processes.mails()) == emails.count()
    assert {mail.split("To: ")[1].split("\n")[0] for mail in processes.mails()} == set(
        emails.values_list("recipient", flat=True)
    )
    assert [hook["data"]["object"]["id"] for hook in receiver.received] == [deal.pk]
    assert set(emails.values_list("attempts", flat=True)) == {1}
