"""Demo MDF: the activity menu, six months of accruals from the won demo deals, an allocation,
and requests of two partners in every stage from draft to paid (with an invoice as proof).

Safe to run again: menu entries and requests are looked up by name and title, accruals are
written once per fund and month, and the allocation once per partner.
"""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import F
from django.utils import timezone

from deals.models import DealRegistration
from partners.models import Partner
from prm.exceptions import DomainError
from prm.models import AuditEvent, User

from .claims import payments as claim_payments
from .claims import services as claims
from .funds import services as funds
from .models import (
    ActivityType,
    Claim,
    FundRequest,
    LedgerEntry,
    MdfPayment,
    ProofFile,
    ProofKind,
)
from .requests import services as requests

MENU = [
    ("Customer event", "event", "50", [ProofKind.INVOICE, ProofKind.ATTENDEE_LIST], []),
    ("Webinar", "webinar", "50", [ProofKind.INVOICE, ProofKind.LEAD_LIST], []),
    ("Digital campaign", "digital", "50", [ProofKind.INVOICE, ProofKind.SCREENSHOTS], []),
    ("Co-branded content", "content", "75", [ProofKind.INVOICE], []),
    ("Training and certification fees", "training", "100", [ProofKind.INVOICE],
     ["reseller", "msp", "mssp", "si"]),
]  # fmt: skip
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Days before today each request was created; each later step follows a few days after.
CREATED_DAYS_AGO = {"draft": 2, "submitted": 6, "approved": 12, "claimed": 25, "paid": 35}
# title, activity, days from today to the start, vendor amount, how far it goes
STAGES = [
    ("Q3 security breakfast", "Customer event", 20, "1500.00", "draft"),
    ("Managed backup webinar", "Webinar", 15, "800.00", "submitted"),
    ("LinkedIn campaign", "Digital campaign", 10, "1200.00", "approved"),
    ("Case study with Contoso", "Co-branded content", 5, "900.00", "claimed"),
    ("Partner summit booth", "Customer event", 3, "2000.00", "paid"),
]


def seed(*, stdout) -> None:
    ops = User.objects.filter(email="ops@demo.example").first()
    if ops is None:
        stdout.write("MDF: no demo program ops; skipped.")
        return
    menu = _menu(ops)
    accrued = _accrue(stdout)
    # As the nightly job does: funds past their last day expire or carry over.
    expiry = funds.expire_funds()
    made = 0
    for email in ("admin@northwind.example", "admin@bluepeak.example"):
        user = User.objects.filter(email=email).first()
        partner = Partner.objects.filter(memberships__user=user).first() if user else None
        if partner is None:
            continue
        _allocate(ops, partner)
        made += _requests(stdout, ops, user, partner, menu)
    stdout.write(
        f"MDF: {len(menu)} activity types, {accrued} accrual entries written, "
        f"{expiry.carried:,.2f} carried over and {expiry.expired:,.2f} expired from closed "
        f"funds, {made} new requests, {FundRequest.objects.count()} requests in all."
    )


def _menu(ops: User) -> dict[str, ActivityType]:
    menu = {}
    for position, (name, category, share, proof, models_) in enumerate(MENU):
        existing = ActivityType.objects.filter(name=name).first()
        menu[name] = existing or requests.create_activity_type(
            actor=ops, name=name, category=category, max_vendor_share=Decimal(share),
            required_proof=list(proof), business_models=models_, position=position,
        )  # fmt: skip
    return menu


def _accrue(stdout) -> int:
    month = timezone.localdate().replace(day=1)
    written = 0
    for _ in range(6):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        try:
            written += funds.accrue_month(month=month).created
        except DomainError as exc:
            stdout.write(f"MDF: accrual of {month:%Y-%m} skipped: {exc.message}")
    return written


def _allocate(ops: User, partner: Partner) -> None:
    if LedgerEntry.objects.filter(fund__partner=partner, kind="allocation").exists():
        return
    funds.allocate_funds(
        actor=ops, partner=partner, amount="10000.00", reason="Launch of the new product line"
    )


def _requests(stdout, ops: User, user: User, partner: Partner, menu) -> int:
    manager = partner.channel_manager or ops
    made = 0
    for title, activity, days, amount, stage in STAGES:
        if FundRequest.objects.filter(partner=partner, title=title).exists():
            continue
        start = timezone.localdate() + dt.timedelta(days=days)
        vendor = Decimal(amount)
        share = menu[activity].max_vendor_share
        cost = (vendor * 100 / share).quantize(Decimal("0.01"))
        ago = float(CREATED_DAYS_AGO[stage])
        since = timezone.now()
        try:
            request = requests.create_request(
                actor=user, partner=partner, submit=stage != "draft",
                activity_type=menu[activity], title=title, starts_on=start,
                ends_on=start + dt.timedelta(days=1), planned_cost=cost,
                partner_contribution=cost - vendor, requested_amount=vendor,
                target_audience="IT and security leaders", expected_leads=30,
                expected_pipeline=vendor * 25,
            )  # fmt: skip
            _backdate(since, days=ago)
            _advance(request, stage, user, manager, ops, ago=ago)
            made += 1
        except DomainError as exc:
            stdout.write(f"MDF: {partner} “{title}” stopped: {exc.message}")
    return made


def _advance(
    request: FundRequest, stage: str, user: User, manager: User, ops: User, *, ago: float
) -> None:
    """Take the request to ``stage``, each step dated a few days after the one before."""
    if stage in ("draft", "submitted"):
        return
    since = timezone.now()
    request = requests.approve_request(actor=manager, request=request, reason="Fits the plan")
    _backdate(since, days=ago - 2)
    if stage == "approved":
        return
    request = took_place(request, days_ago=ago - 8)
    since = timezone.now()
    amount = request.approved_amount or Decimal(0)
    # The won deals the activity helped close: the program's return per MDF dollar.
    won = DealRegistration.objects.filter(
        partner=request.partner, status=DealRegistration.Status.WON
    ).order_by("pk")[: 2 if stage == "paid" else 1]
    claim = claims.save_claim(
        actor=user, request=request, actual_cost=amount * 2, claimed_amount=amount,
        leads=28, pipeline=amount * 20, registration_ids=[deal.pk for deal in won],
    )  # fmt: skip
    for kind in request.activity_type.required_proof:
        upload = SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")
        claims.add_proof(actor=user, claim=claim, kind=kind, upload=upload)
    request = claims.submit_claim(actor=user, request=request)
    _backdate(since, days=ago - 9)
    if stage == "claimed":
        return
    since = timezone.now()
    request = claims.approve_claim(actor=manager, request=request)
    _backdate(since, days=ago - 11)
    since = timezone.now()
    paid_on = timezone.localdate() - dt.timedelta(days=round(ago - 13))
    claim_payments.record_payments(
        actor=ops,
        rows=[claim_payments.PaymentRow(request.pk, amount, paid_on, f"MDF-{request.pk}")],
    )
    _backdate(since, days=ago - 13)


def took_place(request: FundRequest, *, days_ago: float) -> FundRequest:
    """Demo and tests only: move an approved request's activity (and its claim due date) into
    the past, ending ``days_ago``, so that the claims submitted follow their activity. Requests
    can only be made for activities to come, so the demo requests them first, then moves them."""
    ends = timezone.localdate() - dt.timedelta(days=round(days_ago))
    shift = request.ends_on - ends
    FundRequest.objects.filter(pk=request.pk).update(
        starts_on=F("starts_on") - shift,
        ends_on=F("ends_on") - shift,
        claim_due_on=F("claim_due_on") - shift,
    )
    request.refresh_from_db()
    return request


def _backdate(since: dt.datetime, *, days: float) -> None:
    """Move what the last step wrote (requests, claims, proof, payments and their audit rows,
    every moment from ``since`` on) ``days`` into the past, so the demo history reads as weeks
    of work rather than one instant (demo data only; ledger rows stay as written)."""
    delta = dt.timedelta(days=max(days, 0))
    for model in (FundRequest, Claim, ProofFile, MdfPayment):
        for field in model._meta.fields:
            if isinstance(field, models.DateTimeField) and field.name != "updated_at":
                model.objects.filter(**{f"{field.name}__gte": since}).update(
                    **{field.name: F(field.name) - delta}
                )
    AuditEvent.objects.filter(content_type__app_label="mdf", created_at__gte=since).update(
        created_at=F("created_at") - delta
    )
