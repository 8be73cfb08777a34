"""The load test's data: the demo program (``seed_demo``) plus generated partners, their people,
channel account managers and program ops, enough for 200 distinct simulated users.

Rows are found by their natural key (email, partner name) before they are created, so preparing
again creates nothing new; what a run uses up (approved MDF requests waiting for a claim, deals
waiting for review, fund balances) is topped up each time. History that is only read (closed and
approved registrations) is inserted in bulk; everything a run acts on goes through the services,
so it has the audit rows and notifications of real use.
"""

import datetime as dt
import functools
import random
from dataclasses import asdict, dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from deals import services as deal_services
from deals.conflicts import normalize_company_name, registrable_domain
from deals.models import DealRegistration
from mdf.demo import took_place
from mdf.funds import services as fund_services
from mdf.funds.selectors import partner_balance
from mdf.models import ActivityType, FundRequest
from mdf.requests import services as request_services
from partners import services as partner_services
from partners.api_keys import issue_api_key, revoke_api_key
from partners.models import BusinessModel, Partner, PartnerMembership, Tier
from prm.models import ApiKey, ChannelTeam, User

from .. import names

PASSWORD = "load-partner-2026"  # noqa: S105 (loopback test accounts)
# The generated staff's authenticator app; the simulated staff compute their codes from it.
TOTP_SECRET = "PRMLOADPRMLOADPRMLOADPRMLOAD2345"  # noqa: S105
DOMAIN = "load.example"
KEY_NAME = "Load test CRM"
MARKER_TABLE = "bench_load_dataset"
SEED = 20261203
MODELS = [BusinessModel.RESELLER, BusinessModel.MSP, BusinessModel.SI, BusinessModel.MSSP]
# The demo's activity type needing only an invoice as proof of performance.
CLAIM_ACTIVITY = "Co-branded content"
FUND_FLOOR = Decimal("200000.00")


@dataclass(frozen=True)
class Sizes:
    partners: int = 250
    deals_per_partner: int = 40
    cams: int = 25
    ops: int = 12
    integrations: int = 40
    # Approved MDF requests, their activity over, each partner has to claim when a run starts.
    claimable: int = 2


def log(stdout, message: str) -> None:
    stdout.write(f"[load] {message}\n")
    stdout.flush()


def prepare(stdout, sizes: Sizes) -> dict:
    """Seed (once), generate (once per size), top up, and return the accounts of the run."""
    if not _marked("demo"):
        log(stdout, "loading the demo program (seed_demo)")
        call_command("seed_demo", stdout=_Quiet())
        _mark("demo")
    ops = list(_staff("ops", User.InternalRole.PROGRAM_OPS, sizes.ops))
    cams = list(_staff("cam", User.InternalRole.CHANNEL_MANAGER, sizes.cams))
    if not _marked(f"partners:{sizes.partners}:{sizes.deals_per_partner}"):
        log(
            stdout,
            f"generating {sizes.partners} partners with {sizes.deals_per_partner} deals each",
        )
        with transaction.atomic():
            created = _partners(sizes.partners, cams, ops[0])
            _history(created, sizes.deals_per_partner)
        _mark(f"partners:{sizes.partners}:{sizes.deals_per_partner}")
    partners = list(
        Partner.objects.filter(legal_name__startswith="Loadtest ").order_by("pk")[: sizes.partners]
    )
    log(stdout, "topping up funds, approved MDF requests and the review queues")
    _top_up(partners, ops[0], sizes.claimable)
    keys = _api_keys(partners[: sizes.integrations], ops[0])
    with connection.cursor() as cursor:
        for table in ("partners_partner", "deals_dealregistration", "mdf_fundrequest"):
            cursor.execute(f"ANALYZE {table}")
    return {
        "sizes": asdict(sizes),
        "password": PASSWORD,
        "totp_secret": TOTP_SECRET,
        # One partner per simulated partner user while there are enough: admins first, then reps.
        "partner_users": [_admin_email(i) for i in range(len(partners))]
        + [_rep_email(i) for i in range(len(partners))],
        "cams": [user.email for user in cams],
        "ops": [user.email for user in ops],
        "integrations": keys,
    }


# --- Marker -----------------------------------------------------------------------------------


def _marked(step: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (step text PRIMARY KEY)")
        cursor.execute(f"SELECT 1 FROM {MARKER_TABLE} WHERE step = %s", [step])
        return cursor.fetchone() is not None


def _mark(step: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s) ON CONFLICT DO NOTHING", [step])


class _Quiet:
    def write(self, *_args, **_kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


# --- People -----------------------------------------------------------------------------------


@functools.cache
def _password_hash() -> str:
    # Hashing takes a third of a second on purpose; one hash serves every generated account.
    return make_password(PASSWORD)


def _user(email: str, full_name: str, **extra) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "password": _password_hash(), **extra}
    )
    if created:
        # Production verifies email addresses before anyone signs in.
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _staff(prefix: str, role: str, count: int):
    team = ChannelTeam.objects.order_by("pk").first()
    for i in range(count):
        user = _user(f"{prefix}{i}@{DOMAIN}", f"Load {prefix.upper()} {i}", internal_role=role)
        if role == User.InternalRole.CHANNEL_MANAGER and user.team_id is None and team:
            User.objects.filter(pk=user.pk).update(team=team)
        # Staff must use two-factor authentication.
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, TOTP_SECRET)
        yield user


def _admin_email(i: int) -> str:
    return f"admin{i}@p{i}.{DOMAIN}"


def _rep_email(i: int) -> str:
    return f"rep{i}@p{i}.{DOMAIN}"


# --- Partners and history ---------------------------------------------------------------------


def _partners(count: int, cams: list[User], ops: User) -> list[Partner]:
    """The generated partners, each with an admin and a rep; returns those created now."""
    rng = random.Random(SEED)
    tiers = list(Tier.objects.filter(mdf_accrual_rate__gt=0).order_by("rank"))
    created = []
    for i in range(count):
        name = f"Loadtest Partner {i}"
        partner = Partner.objects.filter(display_name=name).first()
        if partner is None:
            partner = Partner.objects.create(
                legal_name=f"Loadtest Partner {i} Ltd",
                display_name=name,
                website=f"https://www.p{i}.{DOMAIN}",
                domains=[f"p{i}.{DOMAIN}"],
                hq_country=rng.choice(["US", "GB", "DE", "FR", "NL", "CA"]),
                regions_served=["NA", "EMEA"],
                business_model=MODELS[i % len(MODELS)],
                channel_manager=cams[i % len(cams)],
                status=Partner.Status.ACTIVE,
                activated_at=timezone.now() - dt.timedelta(days=400),
            )
            partner_services.set_partner_tier(
                partner=partner, tier=tiers[i % len(tiers)], actor=ops, reason="Starting tier"
            )
            created.append(partner)
        for email, role in ((_admin_email(i), "admin"), (_rep_email(i), "rep")):
            user = _user(email, f"{role.title()} of partner {i}")
            PartnerMembership.objects.get_or_create(
                user=user, partner=partner, defaults={"role": role}
            )
    return created


def _history(partners: list[Partner], per_partner: int) -> None:
    """Closed and approved registrations, inserted in bulk: what the lists and the dashboard
    read. (Submitted ones, which people act on, go through the service in ``_top_up``.)"""
    rng = random.Random(SEED + 1)
    status = DealRegistration.Status
    states = [status.WON, status.LOST, status.EXPIRED, status.APPROVED, status.REJECTED]
    members = dict(
        PartnerMembership.objects.filter(partner__in=partners, role="admin").values_list(
            "partner_id", "user_id"
        )
    )
    now = timezone.now()
    rows = []
    for partner in partners:
        for n in range(per_partner):
            name, domain, country = names.company(rng)
            state = rng.choices(states, weights=[3, 3, 2, 2, 1])[0]
            created = now - dt.timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
            if state == status.APPROVED:
                created = now - dt.timedelta(days=rng.randint(1, 60))
            rows.append(
                DealRegistration(
                    partner=partner,
                    registered_by_id=members[partner.pk],
                    customer_name=name,
                    customer_name_normalized=normalize_company_name(name),
                    customer_domain=registrable_domain(domain),
                    contact_name="Pat Buyer",
                    contact_email=f"buyer{n}@{domain}",
                    contact_email_domain=registrable_domain(domain),
                    country=country,
                    industry=rng.choice(names.INDUSTRIES),
                    estimated_amount=Decimal(rng.randrange(5_000_00, 400_000_00)) / 100,
                    currency="USD",
                    expected_close_date=(created + dt.timedelta(days=rng.randint(30, 180))).date(),
                    status=state,
                    created_at=created,
                    updated_at=created,
                    first_submitted_at=created,
                    submitted_at=created,
                    protected_until=created + dt.timedelta(days=90)
                    if state == status.APPROVED
                    else None,
                )
            )
    DealRegistration.objects.bulk_create(rows, batch_size=2000)


# --- What a run uses up -----------------------------------------------------------------------


def _top_up(partners: list[Partner], ops: User, claimable: int) -> None:
    activity = ActivityType.objects.get(name=CLAIM_ACTIVITY)
    admins = {
        m.partner_id: m.user
        for m in PartnerMembership.objects.filter(
            partner__in=partners, role="admin"
        ).select_related("user")
    }
    for partner in partners:
        admin = admins[partner.pk]
        if partner_balance(partner).total.available < FUND_FLOOR:
            fund_services.allocate_funds(
                actor=ops, partner=partner, amount=FUND_FLOOR * 5, reason="Load test campaign"
            )
        waiting = FundRequest.objects.filter(
            partner=partner, status=FundRequest.Status.APPROVED, ends_on__lte=timezone.localdate()
        ).count()
        for n in range(max(0, claimable - waiting)):
            _approved_request(partner, admin, partner.channel_manager or ops, activity, n)
        if not FundRequest.objects.filter(
            partner=partner, status=FundRequest.Status.SUBMITTED
        ).exists():
            _fund_request(partner, admin, activity, "Webinar series")
        submitted = DealRegistration.objects.filter(
            partner=partner, status=DealRegistration.Status.SUBMITTED
        ).exists()
        if not submitted:
            _submitted_deal(partner, admin)


def _approved_request(partner, admin, manager, activity, n: int) -> None:
    """An approved request whose activity has taken place: the partner can claim it."""
    request = _fund_request(partner, admin, activity, f"Case study {n}", days=10 + n)
    request = request_services.approve_request(
        actor=manager, request=request, reason="Fits the plan"
    )
    took_place(request, days_ago=1)


def _fund_request(partner, admin, activity, title: str, days: int = 20) -> FundRequest:
    """A submitted request, waiting for the partner's manager."""
    start = timezone.localdate() + dt.timedelta(days=days)
    return request_services.create_request(
        actor=admin, partner=partner, submit=True, activity_type=activity,
        title=f"{title} {timezone.now():%Y%m%d%H%M%S}", starts_on=start,
        ends_on=start + dt.timedelta(days=1), planned_cost=Decimal("2000.00"),
        partner_contribution=Decimal("1000.00"), requested_amount=Decimal("1000.00"),
        target_audience="IT leaders", expected_leads=10, expected_pipeline=Decimal("50000.00"),
    )  # fmt: skip


def _submitted_deal(partner, admin) -> None:
    name, domain, country = names.company(random.Random(f"{partner.pk}-{timezone.now()}"))
    deal_services.create_registration(
        actor=admin, partner=partner, submit=True, customer_name=name,
        customer_domain=domain, contact_name="Pat Buyer",
        contact_email=f"pat@{domain}", country=country, industry="Retail",
        product_lines=[], estimated_amount=Decimal("25000.00"), currency="USD",
        expected_close_date=timezone.localdate() + dt.timedelta(days=90),
        sourcing=DealRegistration.Sourcing.SOURCED,
        engagement=DealRegistration.Engagement.PARTNER_LED, notes="", external_ref="",
    )  # fmt: skip


def _api_keys(partners: list[Partner], ops: User) -> list[dict]:
    """One CRM key per integration, bound to its partner (keys are shown once, so each run
    issues new ones and revokes the previous run's)."""
    for key in ApiKey.objects.filter(name=KEY_NAME, revoked_at__isnull=True):
        revoke_api_key(key=key, actor=ops, reason="Replaced by the next load test run.")
    keys = []
    for partner in partners:
        _key, plaintext = issue_api_key(
            name=KEY_NAME, scopes=["deals:read", "deals:write"], actor=ops, partner=partner
        )
        keys.append({"key": plaintext, "partner": partner.pk})
    return keys
