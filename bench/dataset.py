"""Builds the scale data set of DESIGN.md with PostgreSQL COPY, and reuses it when present.

10,000 partners · 50,000 partner users · 1,000,000 deal registrations (about 100,000 active).
Rows are generated deterministically (fixed seed), so every build is the same data set.

``ensure_certifications`` adds, when missing, what the tier review measures: 200,000 person
certifications of the partners' people (sales, technical, developer and specialty ones, some
expired) and 5,000 reference implementations; partners invest unevenly, so tiers spread.
"""

import contextlib
import datetime as dt
import itertools
import json
import random
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from deals.conflicts import normalize_company_name, registrable_domain
from deals.models import DealRegistration
from enablement.models import Certification, PersonCertification, ReferenceImplementation
from partners.models import BusinessModel, Partner, PartnerMembership, Region, Tier
from prm.models import User

from . import names

VERSION = 2
SIZES = {"partners": 10_000, "users": 50_000, "registrations": 1_000_000}
ACTIVE_SHARE = 0.10
SEED = 20261122
MARKER_TABLE = "bench_dataset"


def log(stdout, message: str) -> None:
    stdout.write(f"[bench] {message}\n")
    stdout.flush()


def is_built(sizes: dict) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (version int, sizes jsonb)")
        cursor.execute(f"SELECT version, sizes FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return False
    stored = row[1] if isinstance(row[1], dict) else json.loads(row[1])
    return row[0] == VERSION and stored == sizes


def build(stdout, sizes: dict | None = None) -> None:
    sizes = sizes or SIZES
    if is_built(sizes):
        log(stdout, f"data set already built ({sizes}); reusing it")
        return
    started = time.monotonic()
    rng = random.Random(SEED)
    with transaction.atomic():
        _truncate()
        tiers = _tiers()
        partner_ids = _partners(rng, sizes["partners"], tiers, stdout)
        user_ids = _users(rng, sizes["users"], partner_ids, stdout)
        with indexes_built_after(DealRegistration, stdout):
            _registrations(rng, sizes["registrations"], partner_ids, user_ids, stdout)
            # The year of won deals goes into the same table: loaded before its indexes too.
            from . import commission_data

            commission_data.ensure(stdout, commission_data.won_deal_count())
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MARKER_TABLE}")
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s)", [VERSION, json.dumps(sizes)]
            )
    with connection.cursor() as cursor:
        # Every table loaded, so plans rest on statistics (the server may run no autovacuum).
        for table in (
            "partners_partner",
            "prm_user",
            "partners_partnermembership",
            "deals_dealregistration",
        ):
            cursor.execute(f"ANALYZE {table}")
    log(stdout, f"data set built in {time.monotonic() - started:.0f} s")


def maintain(stdout) -> None:
    """Vacuum and analyze the database when the server runs no autovacuum (as a maintained
    production database would be): dead rows of earlier runs and stale statistics otherwise
    mislead the planner and every figure after them."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "on":
            return
        started = time.monotonic()
        cursor.execute("VACUUM ANALYZE")
    log(
        stdout,
        f"autovacuum is off here: vacuumed and analyzed in {time.monotonic() - started:.0f} s",
    )


def _truncate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE deals_dealconflict, deals_extensionrequest, deals_dealregistration, "
            "partners_partnermembership, partners_partner, prm_user RESTART IDENTITY CASCADE"
        )


def _tiers() -> list[Tier]:
    specs = [(1, "Registered"), (2, "Silver"), (3, "Gold"), (4, "Platinum")]
    return [Tier.objects.get_or_create(rank=r, defaults={"name": n})[0] for r, n in specs]


@contextlib.contextmanager
def indexes_built_after(model: type[models.Model], stdout):
    """Load ``model``'s table without upkeep row by row: drop its foreign keys and its secondary
    indexes, load, then check each foreign key in one pass and build each index once over the
    loaded rows (PostgreSQL's advice for populating a database; the registrations carry some
    fifty indexes, and a deferred key check per row and key queues millions of trigger
    events). Indexes behind a unique or exclusion constraint stay and are checked as rows
    arrive. Everything comes back exactly as it was, in the same transaction."""
    table = model._meta.db_table
    quote = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Checks still pending from earlier loads run now: no table with pending trigger
            # events can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign_keys = cursor.fetchall()
            cursor.execute(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                """,
                [table],
            )
            indexes = cursor.fetchall()
            for name, _definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    log(
        stdout,
        f"{table}: {len(foreign_keys)} foreign keys checked and {len(indexes)} indexes built "
        f"in {time.monotonic() - started:.1f} s",
    )


def _copy(model: type[models.Model], rows, stdout, label: str) -> None:
    """COPY rows (dicts of field name → value) into the model's table. Fields not given take the
    model default, so the loader keeps working when columns are added. The rows are sent by a
    second thread while this one makes the next ones (psycopg's queued writer)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    position = {f.attname: i for i, f in enumerate(fields)}
    as_json = {f.attname for f in fields if isinstance(f, models.JSONField)}
    defaults = [
        json.dumps(f.get_default()) if f.attname in as_json else f.get_default() for f in fields
    ]
    started, count = time.monotonic(), 0
    statement = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        writer = QueuedLibpqWriter(cursor.cursor)
        with cursor.cursor.copy(statement, writer=writer) as copy:
            for row in rows:
                values = defaults.copy()
                for name, value in row.items():
                    values[position[name]] = json.dumps(value) if name in as_json else value
                copy.write_row(values)
                count += 1
    log(stdout, f"{label}: {count:,} rows in {time.monotonic() - started:.1f} s")


def _partners(rng, count, tiers, stdout) -> list[int]:
    models_ = [m for m, _ in BusinessModel.choices]
    regions = [r for r, _ in Region.choices]
    now = timezone.now()

    def rows():
        for i in range(count):
            name, domain, country = names.company(rng)
            yield {
                "legal_name": f"{name} #{i}",
                "display_name": f"{name.rsplit(' ', 1)[0]} {i}",
                "website": f"https://www.{domain}",
                "domains": [domain],
                "hq_country": country,
                "regions_served": rng.sample(regions, rng.randint(1, 2)),
                "business_model": rng.choice(models_),
                "status": Partner.Status.ACTIVE
                if rng.random() < 0.9
                else Partner.Status.ONBOARDING,
                "tier_id": rng.choice(tiers).pk,
                "created_at": now,
                "updated_at": now,
            }

    _copy(Partner, rows(), stdout, "partners")
    return list(Partner.objects.order_by("pk").values_list("pk", flat=True))


def _users(rng, count, partner_ids, stdout) -> list[tuple[int, int]]:
    password = make_password("bench-password")
    now = timezone.now()
    _copy(
        User,
        (
            {"email": f"user{i}@bench-partner.example", "password": password, "date_joined": now}
            for i in range(count)
        ),
        stdout,
        "users",
    )
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    pairs = [(uid, partner_ids[i % len(partner_ids)]) for i, uid in enumerate(user_ids)]
    _copy(
        PartnerMembership,
        (
            {
                "user_id": uid,
                "partner_id": pid,
                "role": "admin" if i < len(partner_ids) else "rep",
                "created_at": now,
            }
            for i, (uid, pid) in enumerate(pairs)
        ),
        stdout,
        "memberships",
    )
    return pairs


def _registrations(rng, count, partner_ids, user_pairs, stdout) -> None:
    status = DealRegistration.Status
    closed = [status.WON, status.LOST, status.EXPIRED, status.REJECTED, status.WITHDRAWN]
    active = [status.SUBMITTED, status.MORE_INFO, status.APPROVED]
    now = timezone.now()

    def rows():
        for i in range(count):
            name, domain, country = names.company(rng)
            user_id, partner_id = user_pairs[rng.randrange(len(user_pairs))]
            is_active = rng.random() < ACTIVE_SHARE
            state = rng.choices(active, weights=[3, 1, 6])[0] if is_active else rng.choice(closed)
            created = now - dt.timedelta(days=rng.randint(0, 5 * 365), minutes=rng.randint(0, 1440))
            if is_active:
                created = now - dt.timedelta(days=rng.randint(0, 80), minutes=rng.randint(0, 1440))
            email_domain = domain if rng.random() < 0.8 else rng.choice(names.FREE_MAIL)
            yield {
                "partner_id": partner_id,
                "registered_by_id": user_id,
                "customer_name": name,
                "customer_name_normalized": normalize_company_name(name),
                "customer_domain": registrable_domain(domain),
                "contact_name": "Pat Buyer",
                "contact_email": f"buyer{i}@{email_domain}",
                "contact_email_domain": registrable_domain(email_domain),
                "country": country,
                "industry": rng.choice(names.INDUSTRIES),
                "estimated_amount": Decimal(rng.randrange(5_000, 500_000_00)) / 100,
                "currency": "USD",
                "expected_close_date": (created + dt.timedelta(days=rng.randint(30, 180))).date(),
                "status": state,
                "created_at": created,
                "updated_at": created,
                "first_submitted_at": created,
                "submitted_at": created,
                "protected_until": created + dt.timedelta(days=90)
                if state == status.APPROVED
                else None,
                "external_ref": f"bench-{i}",
            }

    _copy(DealRegistration, rows(), stdout, "deal registrations")


# --- Certifications and references (added to a built data set when missing) -----------------

PERSON_CERTIFICATIONS = 200_000
REFERENCES = 5_000
CERT_PREFIX = "bench-pc-"
CATALOGUE = [
    ("bench-sales-1", "Sales foundations", Certification.Kind.SALES),
    ("bench-sales-2", "Sales professional", Certification.Kind.SALES),
    ("bench-tech-1", "Technical foundations", Certification.Kind.TECHNICAL),
    ("bench-tech-2", "Technical professional", Certification.Kind.TECHNICAL),
    ("bench-dev-1", "Developer associate", Certification.Kind.DEVELOPER),
    ("bench-spec-sec", "Security specialty", Certification.Kind.SPECIALTY),
    ("bench-spec-cloud", "Cloud specialty", Certification.Kind.SPECIALTY),
    ("bench-spec-data", "Data specialty", Certification.Kind.SPECIALTY),
]


def certification_count() -> int:
    """200,000 on the full data set (10,000 partners); proportionally fewer on ``--small``."""
    return min(PERSON_CERTIFICATIONS, 20 * Partner.objects.count())


def ensure_certifications(stdout, count: int | None = None, *, today: dt.date | None = None):
    count = count if count is not None else certification_count()
    loaded = PersonCertification.objects.filter(external_id__startswith=CERT_PREFIX)
    if loaded.count() == count:
        log(stdout, f"person certifications already loaded ({count:,}); reusing them")
        return
    today = today or dt.date(2026, 10, 1)
    with transaction.atomic():
        loaded.delete()
        ReferenceImplementation.objects.filter(customer_name__startswith="Bench ref ").delete()
        catalogue = [
            Certification.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "validity_months": 24}
            )[0]
            for code, name, kind in CATALOGUE
        ]
        _person_certifications(random.Random(SEED + 1), count, catalogue, today, stdout)
        _references(random.Random(SEED + 2), max(1, count // 40), today, stdout)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enablement_personcertification")
        cursor.execute("ANALYZE enablement_referenceimplementation")


def _people_by_partner() -> dict[int, list[int]]:
    people: dict[int, list[int]] = {}
    for user_id, partner_id in PartnerMembership.objects.values_list("user_id", "partner_id"):
        people.setdefault(partner_id, []).append(user_id)
    return people


def _person_certifications(rng, count, catalogue, today, stdout) -> None:
    partners = list(Partner.objects.order_by("pk").values_list("pk", "regions_served"))
    people = _people_by_partner()
    # The names the list shows and sorts by (``User.get_full_name``): the email when blank.
    shown = {
        pk: name or email
        for pk, name, email in User.objects.values_list("pk", "full_name", "email")
    }
    # Uneven investment: a few partners certify a lot, many a little.
    weights = [rng.random() ** 2 + 0.02 for _p in partners]
    cumulative = list(itertools.accumulate(weights))
    kinds = list(itertools.accumulate([6, 3, 5, 3, 3, 1, 1, 1]))
    now = timezone.now()
    seen: set[tuple[int, int, dt.date]] = set()

    def rows():
        made = 0
        while made < count:
            partner_id, regions = rng.choices(partners, cum_weights=cumulative)[0]
            user_id = rng.choice(people[partner_id])
            cert = rng.choices(catalogue, cum_weights=kinds)[0]
            earned = today - dt.timedelta(days=rng.randrange(3 * 365))
            if (user_id, cert.pk, earned) in seen:
                continue
            seen.add((user_id, cert.pk, earned))
            made += 1
            region = rng.choice(regions) if regions and rng.random() < 0.9 else Region.EMEA
            expires = earned + dt.timedelta(days=730)
            yield {
                "user_id": user_id,
                "partner_id": partner_id,
                "region": region,
                "certification_id": cert.pk,
                "person_name": shown[user_id],  # the list's sort keys (no offices here)
                "certification_name": cert.name,
                "earned_on": earned,
                "expires_on": expires,
                "status": "active" if expires >= today else "expired",
                "verification_code": f"bp{made:030d}",
                "source": PersonCertification.Source.IMPORT,
                "external_id": f"{CERT_PREFIX}{made}",
                "created_at": now,
                "updated_at": now,
            }

    with indexes_built_after(PersonCertification, stdout):
        _copy(PersonCertification, rows(), stdout, "person certifications")


def _references(rng, count, today, stdout) -> None:
    partners = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()

    def rows():
        for i in range(count):
            yield {
                "partner_id": rng.choice(partners),
                "customer_name": f"Bench ref {i}",
                "scope": "Roll-out",
                "completed_on": today - dt.timedelta(days=rng.randrange(2 * 365)),
                "status": rng.choice(["approved", "approved", "submitted", "rejected"]),
                "submitted_at": now,
            }

    _copy(ReferenceImplementation, rows(), stdout, "reference implementations")


# --- Leads (added to a built data set when missing) -----------------------------------------

LEADS = 100_000
LEAD_PREFIX = "bench-lead-"


def lead_count() -> int:
    """100,000 on the full data set (10,000 partners); proportionally fewer on ``--small``."""
    return min(LEADS, 10 * Partner.objects.count())


def ensure_leads(stdout, count: int | None = None) -> None:
    """Leads the vendor passed to partners: most answered long ago, a few still waiting, some
    not yet offered to anyone. What the lead lists page through."""
    from deals.models import Lead

    count = count if count is not None else lead_count()
    loaded = Lead.objects.filter(external_id__startswith=LEAD_PREFIX)
    if loaded.count() == count:
        log(stdout, f"leads already loaded ({count:,}); reusing them")
        return
    rng = random.Random(SEED + 3)
    partners = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    status = Lead.Status
    answered = [status.ACCEPTED, status.REJECTED, status.RECALLED, status.CONVERTED, status.CLOSED]
    now = timezone.now()

    def rows():
        for i in range(count):
            name, domain, country = names.company(rng)
            created = now - dt.timedelta(days=rng.randint(0, 2 * 365), minutes=rng.randint(0, 1440))
            roll = rng.random()
            state = status.NEW if roll < 0.05 else status.OFFERED if roll < 0.15 else None
            state = state or rng.choice(answered)
            offered = created + dt.timedelta(hours=1) if state != status.NEW else None
            if state == status.OFFERED:
                created = now - dt.timedelta(days=rng.randint(0, 6), minutes=rng.randint(0, 1440))
                offered = created + dt.timedelta(minutes=5)
            yield {
                "company_name": name,
                "contact_name": "Sam Lead",
                "contact_email": f"lead{i}@{domain}",
                "country": country,
                "industry": rng.choice(names.INDUSTRIES),
                "estimated_amount": Decimal(rng.randrange(1_000_00, 200_000_00)) / 100,
                "currency": "USD",
                "status": state,
                "external_id": f"{LEAD_PREFIX}{i}",
                "partner_id": rng.choice(partners) if state != status.NEW else None,
                "offered_at": offered,
                "accept_by": offered + dt.timedelta(days=7) if offered else None,
                "responded_at": offered + dt.timedelta(days=2)
                if state not in (status.NEW, status.OFFERED)
                else None,
                "created_at": created,
                "updated_at": created,
            }

    with transaction.atomic():
        loaded.delete()
        with indexes_built_after(Lead, stdout):
            _copy(Lead, rows(), stdout, "leads")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deals_lead")
