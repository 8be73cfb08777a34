"""``manage.py check_pages``: request one page of each type in-process; fail unless each answers
as expected and every static file it links is served under a hashed name.

Run it under the settings to be checked (production in CI), after ``collectstatic``: with the
manifest storage of production, a static file missing from the manifest turns every HTML page
into a 500, which is what this catches before anyone deploys it.
"""

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client

from prm.models import User

# (path, expected status): one of each kind of page a visitor can reach without signing in.
PUBLIC_PAGES = [
    ("/accounts/login/", 200),
    ("/admin/login/", 200),
    ("/api/docs/", 200),
    ("/api/schema/", 200),
    ("/healthz", 200),
    ("/no-such-page/", 404),
]
# Pages behind the sign-in, requested as a throwaway administrator.
SIGNED_IN_PAGES = [
    ("/", 200),
    ("/notifications/", 200),
    ("/deals/", 200),
    ("/deals/commissions/", 200),
    ("/partners/", 200),
    ("/deals/commissions/ops/runs/", 200),
    ("/deals/commissions/ops/statements/", 200),
    ("/exchange-rates/", 200),
    ("/api-keys/", 200),
    ("/scorecards/reviews/", 200),
    ("/scorecards/analytics/", 200),
    ("/scorecards/analytics/business-reviews/", 200),
    ("/program/", 200),
    ("/program/tiers/", 200),
    ("/program/tiers/new/", 200),
    ("/program/deal-rules/", 200),
    ("/program/lead-routing/", 200),
    ("/program/lead-routing/?country=DE", 200),
    ("/program/lead-routing/new/", 200),
    ("/program/catalog/", 200),
    ("/program/catalog/certifications/new/", 200),
    ("/program/agreements/", 200),
    ("/program/onboarding/", 200),
    ("/program/onboarding/new/", 200),
    ("/program/enablement-settings/", 200),
    ("/program/teams/", 200),
    ("/program/teams/new/", 200),
    ("/scorecards/cards/", 200),
    ("/scorecards/focus/", 200),
    ("/scorecards/templates/", 200),
    ("/scorecards/templates/new/", 200),
    ("/scorecards/runs/", 200),
    ("/webhooks/", 200),
    ("/deals/review/", 200),
    ("/deals/leads/", 200),
    ("/deals/imports/", 200),
    ("/deals/?export=csv", 200),
    ("/partners/applications/", 200),
    ("/enablement/certifications/", 200),
    ("/enablement/certifications/imports/", 200),
    ("/admin/", 200),
]
STATIC_URL_RE = re.compile(r"""(?:src|href)=["'](%s[^"'?#]+)""")
HASHED_RE = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Request one page of each type in-process and fail unless each answers as expected."

    def add_arguments(self, parser):
        parser.add_argument("--collectstatic", action="store_true", help="collect static first")
        parser.add_argument(
            "--signed-in",
            action="store_true",
            help="also request signed-in pages (as an administrator created and rolled back)",
        )

    def handle(self, *args, collectstatic=False, signed_in=False, **options):
        if collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        host = next((h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*"), "localhost")
        client = Client(raise_request_exception=False, HTTP_HOST=host)
        failures = self.check_pages(client, PUBLIC_PAGES)
        if signed_in:
            try:
                with transaction.atomic():
                    admin = User.objects.create_superuser(
                        email="check-pages@invalid.example", password=None
                    )
                    # Staff must have a second factor before reaching their pages.
                    TOTP.activate(admin, generate_totp_secret())
                    client.force_login(admin)
                    failures += self.check_pages(client, SIGNED_IN_PAGES)
                    raise Rollback
            except Rollback:
                pass
        if failures:
            raise CommandError("Pages failed:\n  " + "\n  ".join(failures))
        self.stdout.write("All pages answered as expected.")

    def check_pages(self, client: Client, pages: list[tuple[str, int]]) -> list[str]:
        failures = []
        for path, expected in pages:
            try:
                response = client.get(path, secure=True)
            except Exception as exc:  # even the error page failed to render
                failures.append(f"{path}: {type(exc).__name__}: {exc}")
                self.stdout.write(f"ERR {path}")
                continue
            line = f"{response.status_code} {path}"
            if response.status_code != expected:
                failures.append(f"{line} (expected {expected})")
            elif "text/html" in response.get("Content-Type", ""):
                failures += self.check_static(client, path, response.content.decode())
            self.stdout.write(line)
        return failures

    def check_static(self, client: Client, page: str, html: str) -> list[str]:
        failures = []
        pattern = re.compile(STATIC_URL_RE.pattern % re.escape(settings.STATIC_URL))
        for url in sorted(set(pattern.findall(html))):
            if not HASHED_RE.search(url):
                failures.append(f"{page} links {url}, which is not a hashed name")
            elif client.get(url, secure=True).status_code != 200:
                failures.append(f"{page} links {url}, which is not served")
        return failures
