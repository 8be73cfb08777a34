"""The load test's simulated people: partners, channel account managers, program ops and CRM
integrations, each signing in the way a real one does and walking a realistic journey.

Run through ``python -m bench.load`` (which prepares the data, starts the servers and writes the
accounts file named by ``LOAD_ACCOUNTS``). Every simulated user has its own account, signs in
through the real sign-in form (CSRF, and the second factor for staff) or with its own API key,
and stops after ``LOAD_ITERATIONS`` journeys, so a run's request count is bounded.

The portal runs as it does behind a TLS-terminating reverse proxy: requests carry
``X-Forwarded-Proto: https`` and ``X-Forwarded-For`` with the simulated client's own address
(``PRM_TRUSTED_PROXY_COUNT=1``), so sign-in throttling counts per client as it would in
production rather than treating 200 people as one address.
"""

import datetime as dt
import itertools
import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, task
from locust.exception import StopUser

from bench import names
from bench.load.totp import totp

ACCOUNTS = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text())
ITERATIONS = int(os.environ.get("LOAD_ITERATIONS", "40"))
RUN = os.environ.get("LOAD_RUN_ID") or str(int(time.time()))
# The first page of a sync walk looks this far back; later walks start from the last change seen.
SYNC_LOOKBACK = dt.timedelta(days=30)
SYNC_MAX_PAGES = 5
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

DEAL_LINK = re.compile(r'href="/deals/(\d+)/"')
REVIEW_LINK = re.compile(r'href="/deals/(\d+)/review/"')
CONFLICT_LINK = re.compile(r'href="/deals/(\d+)/conflicts/"')
MDF_DECIDE_LINK = re.compile(r'href="/mdf/requests/(\d+)/decide/"')
MDF_REQUEST_LINK = re.compile(r'href="/mdf/requests/(\d+)/"')
ACTIVITY_OPTION = re.compile(r'<option value="(\d+)"[^>]*>\s*Co-branded content')

_next_account = {kind: itertools.count() for kind in ("partner", "cam", "ops", "integration")}
_next_address = itertools.count(1)


# The portal's session and CSRF cookies are Secure (TLS ends at the proxy); Locust speaks plain
# HTTP on loopback, so it must return them anyway. Set on the class, not on one session's jar:
# requests merges cookies into a fresh jar with the default policy for every request.
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True  # type: ignore[method-assign]


class Visitor(HttpUser):
    abstract = True
    kind = ""

    def on_start(self):
        n = next(_next_address)
        self.address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.origin = "https://" + urlsplit(self.host).netloc
        self.client.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address})
        self.journeys = 0
        self.index = next(_next_account[self.kind])

    def account(self, pool: list):
        if self.index >= len(pool):
            raise RuntimeError(f"only {len(pool)} {self.kind} accounts prepared")
        return pool[self.index]

    def journey(self) -> None:
        """Called first in every task: stops the user after ``LOAD_ITERATIONS`` journeys."""
        self.journeys += 1
        if self.journeys > ITERATIONS:
            raise StopUser()

    # Requests ---------------------------------------------------------------------------------

    def page(self, path: str, name: str | None = None) -> str:
        """GET a page that must answer 200 and not send the user back to sign in."""
        with self.client.get(path, name=name or path, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
            elif "/accounts/login/" in response.url and not path.startswith("/accounts/"):
                response.failure(f"{path} asked to sign in again")
            return response.text or ""

    def post_form(
        self, path: str, data: dict, name: str, files=None, expect: str = "", refused_ok=None
    ) -> bool:
        """POST a form the way a browser does (CSRF token, Origin, Referer); success is the
        redirect that follows a valid form (to ``expect`` when given), anything else fails
        unless ``refused_ok(response)`` says the refusal was right."""
        headers = {"Origin": self.origin, "Referer": self.origin + path}
        data = {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""), **data}
        with self.client.post(
            path, data=data, files=files, headers=headers, name=name,
            allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            location = response.headers.get("Location", "")
            if response.status_code != 302 or (expect and expect not in location):
                if refused_ok is not None and refused_ok(response):
                    response.success()
                    return False
                errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,160})', response.text)
                response.failure(f"{response.status_code} {location} {errors[:3]}")
                return False
            return True

    def sign_in(self, email: str, *, with_code: bool) -> None:
        self.page("/accounts/login/", "sign in: form")
        ok = self.post_form(
            "/accounts/login/",
            {"login": email, "password": ACCOUNTS["password"]},
            "sign in: password",
            expect="/accounts/2fa/authenticate/" if with_code else "/",
        )
        if ok and with_code:
            self.page("/accounts/2fa/authenticate/", "sign in: code form")
            ok = self.second_factor()
        if not ok:
            raise StopUser()

    def second_factor(self, attempts: int = 3) -> bool:
        """Type the authenticator's code. A code that expired while the request waited for a
        busy server is rightly refused; a person then types the next code (a few times)."""
        for attempt in range(attempts):
            window, expired = int(time.time() // 30), []

            def expired_meanwhile(response, window=window, expired=expired, attempt=attempt):
                moved_on = int(time.time() // 30) != window
                expired.append(moved_on and "Incorrect code" in response.text)
                return expired[-1] and attempt < attempts - 1

            if self.post_form(
                "/accounts/2fa/authenticate/",
                {"code": totp(ACCOUNTS["totp_secret"])},
                "sign in: code",
                refused_ok=expired_meanwhile,
            ):
                return True
            if not any(expired):
                return False
        return False


class PartnerUser(Visitor):
    """A partner's admin or rep: browses deals, leads and funds, registers deals, requests
    marketing funds and claims them once the activity is over."""

    weight = 14
    kind = "partner"
    wait_time = between(5, 15)

    def on_start(self):
        super().on_start()
        self.sign_in(self.account(ACCOUNTS["partner_users"]), with_code=False)
        self.registered = 0

    @task(3)
    def home(self):
        self.journey()
        self.page("/", "home")

    @task(4)
    def browse_deals(self):
        self.journey()
        html = self.page(
            random.choice(["/deals/", "/deals/?status=approved", "/deals/?sort=-amount"]),
            "deals: list",
        )
        ids = DEAL_LINK.findall(html)
        if ids:
            self.page(f"/deals/{random.choice(ids)}/", "deals: detail")

    @task(1)
    def leads(self):
        self.journey()
        self.page("/deals/leads/", "leads: list")

    @task(2)
    def register_deal(self):
        self.journey()
        self.registered += 1
        # A varied company, as partners register: now and then one another partner already
        # registered, which the portal flags as a conflict for the manager.
        customer, domain, _country = names.company(random)
        self.page("/deals/new/", "deals: registration form")
        self.client.get(
            "/deals/new/precheck/",
            params={"customer_name": customer, "customer_domain": domain},
            name="deals: precheck",
        )
        close = dt.date.today() + dt.timedelta(days=random.randint(30, 150))
        self.post_form(
            "/deals/new/",
            {
                "customer_name": customer,
                "customer_domain": domain,
                "contact_name": "Alex Buyer",
                "contact_email": f"alex@{domain}",
                "country": random.choice(["US", "GB", "DE", "FR"]),
                "industry": "Manufacturing",
                "product_lines": "Platform",
                "estimated_amount": f"{random.randint(5, 300) * 1000}.00",
                "currency": "USD",
                "expected_close_date": close.isoformat(),
                "sourcing": "sourced",
                "engagement": "partner_led",
                "notes": "",
                "external_ref": "",
                "action": "submit",
            },
            "deals: register",
        )

    @task(2)
    def browse_funds(self):
        self.journey()
        self.page("/mdf/", "mdf: home")
        self.page("/mdf/requests/", "mdf: requests")

    @task(1)
    def request_funds(self):
        self.journey()
        html = self.page("/mdf/requests/new/", "mdf: request form")
        activity = ACTIVITY_OPTION.search(html)
        if activity is None:
            return
        start = dt.date.today() + dt.timedelta(days=random.randint(14, 60))
        self.post_form(
            "/mdf/requests/new/",
            {
                "activity_type": activity.group(1),
                "title": f"Customer case study {RUN}-{self.index}-{self.journeys}",
                "description": "Joint case study with a customer.",
                "starts_on": start.isoformat(),
                "ends_on": (start + dt.timedelta(days=2)).isoformat(),
                "planned_cost": "2000.00",
                "partner_contribution": "1000.00",
                "requested_amount": "1000.00",
                "target_audience": "IT leaders",
                "expected_leads": "10",
                "expected_pipeline": "40000.00",
                "action": "submit",
            },
            "mdf: request",
        )

    @task(1)
    def claim_funds(self):
        self.journey()
        # The MDF home lists what the partner can claim now: approved, the activity over.
        html = self.page("/mdf/", "mdf: home")
        start = html.find('data-testid="to-claim"')
        if start < 0:
            return
        ids = MDF_REQUEST_LINK.findall(html[start : html.find("</table>", start)])
        if not ids:
            return
        pk = ids[0]
        self.page(f"/mdf/requests/{pk}/claim/", "mdf: claim form")
        self.post_form(
            f"/mdf/requests/{pk}/claim/",
            {
                "actual_cost": "2000.00",
                "claimed_amount": "1000.00",
                "leads": "12",
                "pipeline": "60000.00",
                "notes": "Published on the partner's site.",
                "action": "submit",
            },
            "mdf: claim",
            files={"proof_invoice": ("invoice.pdf", PDF, "application/pdf")},
        )

    @task(1)
    def commissions(self):
        self.journey()
        self.page("/deals/commissions/", "commissions")

    @task(1)
    def notifications(self):
        self.journey()
        self.page("/notifications/", "notifications")


class ChannelManager(Visitor):
    """A channel account manager: works the deal review queue and the MDF queue, looks at
    their partners."""

    weight = 2
    kind = "cam"
    wait_time = between(5, 15)

    def on_start(self):
        super().on_start()
        self.sign_in(self.account(ACCOUNTS["cams"]), with_code=True)

    @task(2)
    def home(self):
        self.journey()
        self.page("/", "home")

    @task(5)
    def review_deal(self):
        self.journey()
        html = self.page("/deals/review/", "deals: review queue")
        # A registration with open conflicts is approved only once they are resolved.
        ids = [pk for pk in REVIEW_LINK.findall(html) if pk not in CONFLICT_LINK.findall(html)]
        if not ids:
            return
        pk = random.choice(ids[:10])
        self.page(f"/deals/{pk}/review/", "deals: review")
        self.post_form(
            f"/deals/{pk}/review/",
            {"decision": "approve", "reason": "Qualified opportunity."},
            "deals: approve",
            expect="/deals/review/",
        )

    @task(2)
    def review_funds(self):
        self.journey()
        ids = MDF_DECIDE_LINK.findall(self.page("/mdf/queue/", "mdf: queue"))
        if not ids:
            return
        pk = random.choice(ids[:10])
        self.page(f"/mdf/requests/{pk}/decide/", "mdf: decide")
        self.post_form(
            f"/mdf/requests/{pk}/decide/",
            {"decision": "approve", "approved_amount": "", "reason": ""},
            "mdf: approve",
            expect="/mdf/queue/",
        )

    @task(1)
    def partners(self):
        self.journey()
        self.page("/partners/", "partners: list")

    @task(1)
    def focus(self):
        self.journey()
        self.page("/scorecards/focus/", "scorecards: focus")

    @task(1)
    def analytics(self):
        self.journey()
        self.page("/scorecards/analytics/", "analytics: dashboard")


class ProgramOps(Visitor):
    """Program operations: the analytics dashboard, program configuration and the program-wide
    lists."""

    weight = 1
    kind = "ops"
    wait_time = between(5, 15)
    PROGRAM_PAGES = [
        "/program/",
        "/program/tiers/",
        "/program/deal-rules/",
        "/program/lead-routing/",
        "/program/catalog/",
        "/program/agreements/",
        "/program/teams/",
    ]

    def on_start(self):
        super().on_start()
        self.sign_in(self.account(ACCOUNTS["ops"]), with_code=True)

    @task(3)
    def analytics(self):
        self.journey()
        year = dt.date.today().year
        pages = ["/scorecards/analytics/", f"/scorecards/analytics/?period=FY{year}"]
        self.page(random.choice(pages), "analytics: dashboard")

    @task(2)
    def program(self):
        self.journey()
        self.page(random.choice(self.PROGRAM_PAGES), "program: page")

    @task(2)
    def all_deals(self):
        self.journey()
        self.page(random.choice(["/deals/", "/deals/?sort=-amount"]), "deals: list")

    @task(1)
    def partners(self):
        self.journey()
        self.page(random.choice(["/partners/", "/partners/applications/"]), "partners: list")

    @task(1)
    def home(self):
        self.journey()
        self.page("/", "home")


class Integration(Visitor):
    """A partner's CRM with its own API key: walks the registrations changed since its last
    sync page by page (cursor pagination) and upserts its opportunities by external id."""

    weight = 3
    kind = "integration"
    wait_time = between(2, 6)

    def on_start(self):
        super().on_start()
        self.client.headers["Authorization"] = (
            "Api-Key " + self.account(ACCOUNTS["integrations"])["key"]
        )
        self.since = (dt.datetime.now(dt.UTC) - SYNC_LOOKBACK).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.upserted = 0

    def api(self, method: str, path: str, name: str, expect: tuple[int, ...], **kwargs) -> dict:
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as r:
            if r.status_code not in expect:
                r.failure(f"{r.status_code} {r.text[:200]}")
                return {}
            return r.json()

    @task(3)
    def sync(self):
        self.journey()
        path = f"/api/v1/registrations/?pagination=cursor&updated_since={self.since}&page_size=100"
        for _ in range(SYNC_MAX_PAGES):
            body = self.api("GET", path, "api: registrations (cursor page)", (200,))
            rows = body.get("results") or []
            if rows:
                self.since = rows[-1]["updated_at"]
            if not body.get("next"):
                break
            parts = urlsplit(body["next"])
            path = f"{parts.path}?{parts.query}"

    @task(3)
    def upsert(self):
        self.journey()
        self.upserted += 1
        external_id = f"crm-{RUN}-{self.index}-{self.upserted}"
        path = f"/api/v1/registrations/by-external-id/{external_id}/"
        body = {
            "customer_name": f"CRM Account {external_id}",
            "customer_domain": f"{external_id}.example",
            "country": "US",
            "estimated_amount": "48000.00",
            "currency": "USD",
            "expected_close_date": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
            "submit": False,
        }
        self.api("PUT", path, "api: upsert (create draft)", (201,), json=body)
        self.api("PUT", path, "api: upsert (unchanged)", (200,), json=body)
        self.api(
            "PUT", path, "api: upsert (update and submit)", (200,),
            json={**body, "estimated_amount": "52000.00", "submit": True},
        )  # fmt: skip

    @task(1)
    def read(self):
        self.journey()
        if self.upserted:
            self.api(
                "GET",
                f"/api/v1/registrations/by-external-id/crm-{RUN}-{self.index}-{self.upserted}/",
                "api: registration by external id",
                (200,),
            )
