from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count
from django.test.utils import override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from partners.api_keys import ensure_demo_api_key
from partners.demo_data import DEMO_PASSWORD
from partners.models import Application, Partner
from prm.models import User

# The accounts printed at the end, in the order a visitor would try them.
DEMO_ACCOUNTS = [
    ("ops@demo.example", "program ops"),
    ("admin@demo.example", "administrator (also /admin/)"),
    ("cam@demo.example", "channel account manager: resale & distribution"),
    ("cam2@demo.example", "channel account manager: managed services"),
    ("cam3@demo.example", "channel account manager: alliances & SI"),
    ("admin@northwind.example", "partner admin, Northwind Systems (reseller)"),
    ("rep@northwind.example", "partner rep, Northwind Systems"),
    ("admin@bluepeak.example", "partner admin, BluePeak Managed IT (MSP)"),
    ("admin@continental.example", "distributor admin, Continental Distribution"),
]


class Command(BaseCommand):
    help = (
        "Load the demo program: people, teams, tiers, partners, applications, then every app's "
        "demo data. Idempotent: running it again creates nothing new."
    )

    def handle(self, *args, **options):
        # Demo addresses are fictitious: in-portal notifications are created, emails are not sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for config in apps.get_app_configs():
                for path in getattr(config, "demo_seeders", []):
                    self.stdout.write(f"· {path}")
                    import_string(path)(stdout=self.stdout)
        self.summary()
        ensure_demo_api_key(self.stdout)

    def summary(self):
        by_status = dict(Partner.objects.order_by().values_list("status").annotate(n=Count("pk")))
        waiting = Application.objects.filter(status=Application.Status.SUBMITTED).count()
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                "Demo program ready: {total} partners ({detail}), {waiting} applications "
                "waiting for review.".format(
                    total=sum(by_status.values()),
                    detail=", ".join(f"{n} {status}" for status, n in sorted(by_status.items())),
                    waiting=waiting,
                )
            )
        )
        self.stdout.write(f"Sign in at {settings.PRM_SITE_URL}{reverse('account_login')}")
        self.stdout.write(f"Every demo account uses the password: {DEMO_PASSWORD}")
        self.stdout.write("")
        names = dict(
            User.objects.filter(email__in=[e for e, _ in DEMO_ACCOUNTS]).values_list(
                "email", "full_name"
            )
        )
        width = max(len(email) for email, _ in DEMO_ACCOUNTS)
        self.stdout.write(f"  {'email'.ljust(width)}  {'name'.ljust(16)}  persona")
        for email, persona in DEMO_ACCOUNTS:
            self.stdout.write(
                f"  {email.ljust(width)}  {names.get(email, '—').ljust(16)}  {persona}"
            )
