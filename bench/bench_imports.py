"""A partner imports 5,000 deal registrations from its CRM export, through the real job path.

The benchmark builds its own data (it does not need the scale data set): a few hundred active
partners, each with an admin, channel account managers, and existing registrations of other
partners, some for the very customers in the file, so every submission's conflict check does
real work and records conflicts. The file also holds malformed rows and a repeated CRM
reference. The upload is checked and stored, then the Celery task (run in-process) imports it in
chunks; the whole run must finish in under 60 s. Besides the total, it prints rows a second and
the statements sent to the database per row.
"""

import datetime as dt
import io
import os
import random
import time
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from deals.conflicts import normalize_company_name, registrable_domain
from deals.imports import COLUMNS, start_import
from deals.models import DealImport, DealRegistration
from partners.models import BusinessModel, Partner, PartnerMembership
from prm.models import User

from . import names
from .registry import Result

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 5000))
PARTNERS = 300
EXISTING = 20_000
ACTIVE_EVERY = 7  # one existing registration in seven is active (submitted or approved)
TARGET_S = 60.0
PREFIX = "Bench import"
EMAIL_DOMAIN = "bench-import.example"


def _clear() -> None:
    """Remove what an earlier run of this benchmark left (its partners and their deals)."""
    partners = Partner.objects.filter(display_name__startswith=PREFIX)
    with transaction.atomic():
        DealImport.objects.filter(partner__in=partners).delete()
        DealRegistration.objects.filter(partner__in=partners).delete()
        PartnerMembership.objects.filter(partner__in=partners).delete()
        partners.delete()


def _build(rng: random.Random) -> tuple[Partner, User, list[tuple[str, str, str]]]:
    password = make_password("bench-password")
    # People are kept between runs (the audit trail protects them); partners and deals are not.
    cams = _users([f"cam{i}" for i in range(10)], password, User.InternalRole.CHANNEL_MANAGER)
    partners = Partner.objects.bulk_create(
        Partner(
            legal_name=f"{PREFIX} partner {i} Ltd",
            display_name=f"{PREFIX} {i}",
            website=f"https://partner{i}.{EMAIL_DOMAIN}",
            hq_country="US",
            regions_served=["NA"],
            business_model=BusinessModel.RESELLER,
            status=Partner.Status.ACTIVE,
            activated_at=timezone.now(),
            channel_manager=cams[i % len(cams)],
        )
        for i in range(PARTNERS)
    )
    admins = _users([f"admin{i}" for i in range(PARTNERS)], password, "")
    PartnerMembership.objects.bulk_create(
        PartnerMembership(user=user, partner=partner, role=PartnerMembership.Role.ADMIN)
        for user, partner in zip(admins, partners, strict=True)
    )
    customers = [names.company(rng) for _ in range(EXISTING)]
    now = timezone.now()
    DealRegistration.objects.bulk_create(
        DealRegistration(
            partner=partners[1 + i % (PARTNERS - 1)],
            registered_by=admins[1 + i % (PARTNERS - 1)],
            customer_name=name,
            customer_name_normalized=normalize_company_name(name),
            customer_domain=registrable_domain(domain),
            contact_email=f"it@{domain}",
            contact_email_domain=registrable_domain(domain),
            country=country,
            estimated_amount=Decimal(rng.randrange(5_000, 500_000)),
            currency="USD",
            expected_close_date=(now + dt.timedelta(days=90)).date(),
            status=DealRegistration.Status.APPROVED
            if i % ACTIVE_EVERY == 0
            else DealRegistration.Status.WON,
            submitted_at=now,
            first_submitted_at=now,
            protected_until=now + dt.timedelta(days=90),
        )
        for i, (name, domain, country) in enumerate(customers)
    )
    with connection.cursor() as cursor:
        # VACUUM, not only ANALYZE: the rows an earlier run left and ``_clear`` deleted stay in
        # the indexes until a vacuum (autovacuum does it in production), and every trigram
        # lookup would visit them.
        for table in ("deals_dealregistration", "deals_dealconflict"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return partners[0], admins[0], customers[::ACTIVE_EVERY]


def _users(locals_: list[str], password: str, role: str) -> list[User]:
    emails = [f"{name}@{EMAIL_DOMAIN}" for name in locals_]
    User.objects.bulk_create(
        (User(email=email, password=password, internal_role=role) for email in emails),
        ignore_conflicts=True,
    )
    found = User.objects.in_bulk(emails, field_name="email")
    return [found[email] for email in emails]


def _file(rng: random.Random, customers) -> bytes:
    close = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for i in range(ROWS):
        if i % 5 == 0:  # a customer another partner already registered
            name, domain, country = customers[rng.randrange(len(customers))]
        else:
            name, domain, country = names.company(rng)
        amount = f"{rng.randrange(1_000, 900_000)}.00" if i % 50 else "12,5x"  # 2% malformed
        # 1% repeat the reference of the row before, a well-formed one (the 2% malformed are i % 50)
        ref = f"CRM-{i - 1 if i % 100 == 2 else i}"
        cells = [name, country, amount, "USD", close, domain, "Pat Buyer", f"pat@{domain}"]
        cells += ["Software", "Platform;Support", "sourced", "partner_led", "", ref]
        out.write(",".join(cell.replace(",", " ") if n != 2 else f'"{cell}"'
                           for n, cell in enumerate(cells)) + "\n")  # fmt: skip
    return out.getvalue().encode()


class _QueryCounter:
    """Counts the statements sent to the database (an ``execute_wrapper``)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def _tasks_in_process():
    """The import task runs here even with ``REDIS_URL`` set (which queues tasks for a worker,
    so the benchmark would time only the upload)."""
    from prm.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


def run() -> Result:
    rng = random.Random(5000)
    _clear()
    partner, admin, customers = _build(rng)
    data = _file(rng, customers)
    queries = _QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(queries), _tasks_in_process():
        record = start_import(actor=admin, partner=partner, data=data, filename="crm-export.csv")
    record.refresh_from_db()
    elapsed = time.perf_counter() - started
    conflicts = DealRegistration.objects.filter(partner=partner, conflicts__isnull=False)
    rows = max(record.row_count, 1)
    print(
        f"[bench] deal import: {record.row_count} rows, status {record.status}, "
        f"{record.created_count} created, {record.duplicate_count} duplicates, "
        f"{record.failed_count} failed, {conflicts.distinct().count()} with conflicts, "
        f"{elapsed:.1f} s ({1000 * elapsed / rows:.1f} ms a row, {rows / elapsed:.0f} rows/s), "
        f"{queries.count} queries ({queries.count / rows:.2f} a row)",
        flush=True,
    )
    _clear()
    met = record.status == DealImport.Status.DONE and elapsed < TARGET_S
    return Result("deal_import_5000_rows", elapsed, "s", f"<{TARGET_S:g}", met)
