"""Adds to the scale data set what the MDF benchmark needs: tier accrual rates, an activity menu,
four FY2026 funds per partner with an opening allocation, and 100,000 fund requests (loaded with
COPY), of which the approved and paid ones carry their reservations and payments in the ledger.
The won deals of FY2026 come from the commission benchmark's loader. Reused when present."""

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from mdf.models import ActivityType, Fund, FundRequest, LedgerEntry, MdfSettings
from partners.models import Partner, PartnerMembership, Tier
from prm.periods import parse_period

from .dataset import _copy, log

REQUESTS = 100_000
YEAR = 2026
QUARTERS = [f"FY{YEAR}-Q{q}" for q in (1, 2, 3, 4)]
RATES = {1: "0", 2: "0.0300", 3: "0.0400", 4: "0.0500"}
OPENING = Decimal("100000.00")
ACTIVITIES = [("Bench event", "event"), ("Bench webinar", "webinar"),
              ("Bench digital", "digital"), ("Bench content", "content"),
              ("Bench training", "training")]  # fmt: skip
S = FundRequest.Status
STATUSES = {S.DRAFT: 20, S.SUBMITTED: 10, S.DENIED: 10, S.APPROVED: 30, S.PAID: 30}


def request_count() -> int:
    """100,000 on the full data set (10,000 partners); proportionally fewer on ``--small``."""
    return min(REQUESTS, 10 * Partner.objects.count())


def ensure(stdout, count: int) -> None:
    for rank, rate in RATES.items():
        Tier.objects.filter(rank=rank).update(mdf_accrual_rate=Decimal(rate))
    MdfSettings.current()
    if FundRequest.objects.count() == count and Fund.objects.exists():
        log(stdout, "MDF requests and funds already loaded; reusing them")
        return
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # TRUNCATE fires no row trigger: the ledger's append-only guard stays for the rest.
            cursor.execute(
                "TRUNCATE mdf_ledgerentry, mdf_mdfpayment, mdf_prooffile, mdf_claim_registrations, "
                "mdf_claimextension, mdf_claim, mdf_fundrequest, mdf_fund RESTART IDENTITY CASCADE"
            )
        _load(stdout, count)
    with connection.cursor() as cursor:
        for table in ("mdf_fund", "mdf_fundrequest", "mdf_ledgerentry"):
            cursor.execute(f"ANALYZE {table}")
    log(stdout, f"MDF data loaded in {time.monotonic() - started:.0f} s")


def _load(stdout, count: int) -> None:
    rng = random.Random(909)
    activities = [
        ActivityType.objects.get_or_create(
            name=name, defaults={"category": category, "required_proof": ["invoice"]}
        )[0].pk
        for name, category in ACTIVITIES
    ]
    partner_ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    periods = [parse_period(label) for label in QUARTERS]
    now = timezone.now()
    _copy(
        Fund,
        ({"partner_id": p, "period": q.label, "starts_on": q.start, "ends_on": q.end,
          "expires_on": q.end, "currency": "USD", "created_at": now}
         for p in partner_ids for q in periods),
        stdout, "MDF funds",
    )  # fmt: skip
    fund_of = {
        (p, label): pk for pk, p, label in Fund.objects.values_list("pk", "partner_id", "period")
    }
    admins = PartnerMembership.objects.filter(role="admin")
    creators = dict(admins.values_list("partner_id", "user_id"))
    statuses, weights = list(STATUSES), list(STATUSES.values())
    plan = []
    for i in range(count):
        partner_id = partner_ids[i % len(partner_ids)]
        quarter = rng.randrange(4)
        status = rng.choices(statuses, weights)[0]
        amount = Decimal(rng.randrange(500, 5000) * 100) / 100
        plan.append((partner_id, quarter, status, amount))

    def requests():
        for partner_id, quarter, status, amount in plan:
            start = periods[quarter].start + dt.timedelta(days=rng.randrange(60))
            reserved = status in (S.APPROVED, S.PAID)
            yield {
                "partner_id": partner_id, "activity_type_id": rng.choice(activities),
                "title": "Bench activity", "starts_on": start,
                "ends_on": start + dt.timedelta(days=1),
                "currency": "USD", "planned_cost": amount * 2, "partner_contribution": amount,
                "requested_amount": amount, "approved_amount": amount if reserved else None,
                "status": status, "fund_id": fund_of[(partner_id, periods[quarter].label)]
                if reserved else None, "created_by_id": creators.get(partner_id),
                "submitted_at": now if status != S.DRAFT else None,
                "decided_at": now if status not in (S.DRAFT, S.SUBMITTED) else None,
                "claim_due_on": start + dt.timedelta(days=61) if reserved else None,
                "created_at": now, "updated_at": now, "expected_pipeline": amount * 10,
            }  # fmt: skip

    _copy(FundRequest, requests(), stdout, "MDF requests")
    request_ids = list(FundRequest.objects.order_by("pk").values_list("pk", flat=True))
    _copy(LedgerEntry, _entries(plan, request_ids, fund_of, periods, now), stdout, "MDF ledger")


def _entries(plan, request_ids, fund_of, periods, now):
    """Each fund's chain: the opening allocation, then its requests' reservations and payments,
    with running balances that follow (the database trigger checks them)."""
    state: dict[int, list] = {}

    def entry(fund_id, kind, amount, request_id=None):
        seq, available, committed = state.get(fund_id, [0, Decimal(0), Decimal(0)])
        to_available, to_committed = LedgerEntry.EFFECTS[kind]
        available += amount * to_available
        committed += amount * to_committed
        state[fund_id] = [seq + 1, available, committed]
        return {"fund_id": fund_id, "sequence": seq + 1, "kind": kind, "amount": amount,
                "available_delta": amount * to_available, "committed_delta": amount * to_committed,
                "available_after": available, "committed_after": committed,
                "request_id": request_id, "reason": "bench", "created_at": now}  # fmt: skip

    for fund_id in sorted(fund_of.values()):
        yield entry(fund_id, LedgerEntry.Kind.ALLOCATION, OPENING)
    for (partner_id, quarter, status, amount), request_id in zip(plan, request_ids, strict=True):
        if status not in (S.APPROVED, S.PAID):
            continue
        fund_id = fund_of[(partner_id, periods[quarter].label)]
        yield entry(fund_id, LedgerEntry.Kind.RESERVATION, amount, request_id)
        if status == S.PAID:
            yield entry(fund_id, LedgerEntry.Kind.PAYMENT, amount, request_id)
