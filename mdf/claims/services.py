"""Claims, proof of performance, claim extensions and lapsed claims (paying an approved claim:
``payments``).

A claim is saved (draft), its proof files added, then submitted by the claim due date (the
activity's end plus the program's claim window, moved by approved extensions). The CAM (or
program ops) approves it fully or partly, returns it for changes or rejects it; what the
approval does not use is released to the fund at once. Money moves under the request's row
lock, then the fund's.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import DealRegistration
from enablement.content.uploads import UploadRejected, validate_upload
from prm.audit import record_event
from prm.locks import lock
from prm.models import User
from prm.money import InvalidAmount, format_money, parse_amount
from prm.notifications import notify, resolve
from prm.webhooks import publish

from ..exceptions import ClaimError, InvalidMdfData, MdfNotAllowed, ProofRejected
from ..funds.selectors import acts_for_partner, can_decide_for
from ..models import (
    Claim,
    ClaimExtension,
    FundRequest,
    LedgerEntry,
    MdfSettings,
    ProofFile,
    ProofKind,
)
from ..requests.services import _partner_side, _reviewers, release, state_left

Status = FundRequest.Status
ClaimStatus = Claim.Status
Kind = LedgerEntry.Kind


def _lock(request: FundRequest) -> FundRequest:
    return lock(FundRequest, request.pk)


def _require_partner(actor: User, request: FundRequest) -> None:
    if not acts_for_partner(actor, request.partner):
        raise MdfNotAllowed()


def _require_decider(actor: User, request: FundRequest) -> None:
    if not can_decide_for(actor, request.partner):
        raise MdfNotAllowed(
            _("Only the partner's channel account manager or program operations can decide.")
        )


def _required_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidMdfData(_("Give a reason."), details={"reason": _("Give a reason.")})
    return text


def _notify_partner(
    request: FundRequest, decision: str, reason: str = "", *, claim=None, payment=None
) -> None:
    """Tell the partner's side what became of the claim: the amounts approved (``claim``), or
    the payment (amount, day and reference) once it is sent."""
    notify(
        _partner_side(request),
        kind="mdf_claim_decided",
        template="mdf/email/claim_decided",
        context={
            "request": request,
            "decision": decision,
            "reason": reason,
            "claim": claim,
            "payment": payment,
        },
        url=request.get_absolute_url(),
    )


# --- The claim -------------------------------------------------------------------------------


def _money(value, name: str, errors: dict, *, required: bool = True) -> Decimal | None:
    try:
        return parse_amount(value, required=required)
    except InvalidAmount as exc:
        errors[name] = str(exc)
        return None


@transaction.atomic
def save_claim(
    *,
    actor: User,
    request: FundRequest,
    actual_cost,
    claimed_amount,
    leads: int = 0,
    pipeline=0,
    notes: str = "",
    registration_ids: Iterable[int] = (),
) -> Claim:
    """Create or change the claim of an approved request (or of a returned claim). The claimed
    amount is at most the approved amount and the activity's vendor share of the actual cost;
    linked registrations must be the partner's own."""
    request = _lock(request)
    _require_partner(actor, request)
    if request.status not in FundRequest.CLAIMABLE_STATES:
        raise ClaimError(_("Only an approved request (or a returned claim) can be claimed."))
    errors: dict[str, str] = {}
    cost = _money(actual_cost, "actual_cost", errors)
    claimed = _money(claimed_amount, "claimed_amount", errors)
    pipe = _money(pipeline, "pipeline", errors, required=False) or Decimal(0)
    if int(leads or 0) < 0:
        errors["leads"] = _("Leads cannot be negative.")
    if not errors:
        _check_claimed(request, cost, claimed, errors)
    ids = sorted({int(pk) for pk in registration_ids})
    registrations = list(DealRegistration.objects.filter(partner=request.partner, pk__in=ids))
    if len(registrations) != len(ids):
        errors["registrations"] = _("Link only your own deal registrations.")
    if errors:
        raise InvalidMdfData(_("Some values are not acceptable."), details=errors)
    claim = Claim.objects.filter(request=request).first()
    if claim is None:
        claim = Claim(request=request)
    elif claim.status not in (ClaimStatus.DRAFT, ClaimStatus.RETURNED):
        raise ClaimError(_("The claim is with the reviewer; it cannot be changed now."))
    claim.actual_cost, claim.claimed_amount = cost, claimed
    claim.leads, claim.pipeline, claim.notes = int(leads or 0), pipe, (notes or "").strip()
    claim.save()
    claim.registrations.set(registrations)
    record_event(
        request, actor=actor, verb="mdf.claim_saved",
        data={"actual_cost": str(cost), "claimed": str(claimed)},
    )  # fmt: skip
    return claim


def _check_claimed(request: FundRequest, cost, claimed, errors: dict) -> None:
    if cost <= 0:
        errors["actual_cost"] = _("The actual cost must be above zero.")
        return
    share = request.activity_type.max_vendor_share
    most = min(request.reserved_amount, (cost * share / 100).quantize(Decimal("0.01")))
    if claimed <= 0 or claimed > most:
        errors["claimed_amount"] = _("Claim an amount above zero and at most %(most)s.") % {
            "most": format_money(most)
        }


@transaction.atomic
def add_proof(*, actor: User, claim: Claim, kind: str, upload) -> ProofFile:
    """Store one proof file after checking its content and size (the program's limit); it is
    stored under a generated name."""
    request = _lock(claim.request)
    _require_partner(actor, request)
    claim.refresh_from_db()
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.RETURNED):
        raise ClaimError(_("The claim is with the reviewer; proof cannot be added now."))
    if kind not in ProofKind.values:
        raise InvalidMdfData(_("Choose which proof this is."), details={"kind": "unknown"})
    limit = MdfSettings.current().proof_max_bytes
    try:
        checked = validate_upload(upload, max_bytes=limit)
    except UploadRejected as exc:
        raise ProofRejected(exc.message, details=exc.details) from exc
    proof = ProofFile(
        claim=claim,
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    upload.seek(0)
    proof.file.save(f"proof.{checked.extension}", upload, save=False)
    proof.save()
    record_event(
        request, actor=actor, verb="mdf.proof_added",
        data={"kind": kind, "name": checked.original_name, "proof": proof.pk},
    )  # fmt: skip
    return proof


@transaction.atomic
def remove_proof(*, actor: User, proof: ProofFile) -> None:
    request = _lock(proof.claim.request)
    _require_partner(actor, request)
    if proof.claim.status not in (ClaimStatus.DRAFT, ClaimStatus.RETURNED):
        raise ClaimError(_("The claim is with the reviewer; proof cannot be removed now."))
    name, storage = proof.file.name, proof.file.storage
    record_event(request, actor=actor, verb="mdf.proof_removed", data={"name": proof.original_name})
    proof.delete()
    transaction.on_commit(lambda: storage.delete(name))


def missing_proof(claim: Claim) -> list[str]:
    provided = set(claim.proof_files.values_list("kind", flat=True))
    labels = dict(ProofKind.choices)
    return [str(labels[k]) for k in claim.request.activity_type.required_proof if k not in provided]


@transaction.atomic
def submit_claim(*, actor: User, request: FundRequest, today: dt.date | None = None) -> FundRequest:
    """Submit the saved claim with every required proof file, once the activity has ended
    and by the claim due date."""
    request = _lock(request)
    _require_partner(actor, request)
    claim = Claim.objects.filter(request=request).first()
    if claim is None:
        raise ClaimError(_("Save the claim (cost and results) before submitting it."))
    today = today or timezone.localdate()
    if request.claim_due_on and today > request.claim_due_on:
        raise ClaimError(
            _("The claim was due on %(day)s; ask your channel account manager for an extension.")
            % {"day": request.claim_due_on.isoformat()},
            code="claim_overdue",
        )
    if not request.activity_over(today):
        raise ClaimError(
            _(
                "The activity runs until %(day)s: submit the claim once it has taken place "
                "(save it as a draft until then)."
            )
            % {"day": request.ends_on.isoformat()},
            details={"ends_on": request.ends_on.isoformat()},
            code="activity_not_over",
        )
    missing = missing_proof(claim)
    if missing:
        raise ClaimError(
            _("Missing proof: %(items)s.") % {"items": ", ".join(missing)},
            details={"missing": missing},
            code="proof_missing",
        )
    previous = request.move_to(Status.CLAIM_SUBMITTED)
    claim.move_to(ClaimStatus.SUBMITTED)
    claim.submitted_by, claim.submitted_at = actor, timezone.now()
    claim.save()
    request.save()
    record_event(
        request, actor=actor, verb="mdf.claim_submitted", from_state=previous,
        to_state=Status.CLAIM_SUBMITTED, data={"claimed": str(claim.claimed_amount)},
    )  # fmt: skip
    notify(
        _reviewers(request.partner), kind="mdf_claim_submitted",
        template="mdf/email/claim_submitted", context={"request": request, "claim": claim},
        url=request.get_absolute_url(),
    )  # fmt: skip
    return request


def _decide_claim(request, claim, actor, *, target, claim_target, reason, verb, data=None):
    previous = request.move_to(target)
    state_left(request, previous)
    claim.move_to(claim_target)
    claim.decided_by, claim.decided_at = actor, timezone.now()
    claim.decision_reason = reason
    claim.save()
    request.save()
    record_event(
        request, actor=actor, verb=verb, from_state=previous, to_state=target, reason=reason,
        data=data or {},
    )  # fmt: skip
    publish("mdf_claim.decided", claim, partner=request.partner_id)
    _notify_partner(request, target, reason, claim=claim)
    return request


@transaction.atomic
def approve_claim(
    *, actor: User, request: FundRequest, amount=None, reason: str = ""
) -> FundRequest:
    """Approve the claim for ``amount`` (the claimed amount by default; less is a partial
    approval, with a reason). What the approval does not use of the reservation is released."""
    request = _lock(request)
    _require_decider(actor, request)
    claim = Claim.objects.get(request=request)
    value = claim.claimed_amount if amount in (None, "") else parse_amount(amount)
    if value is None or value <= 0 or value > claim.claimed_amount:
        raise InvalidMdfData(
            _("Approve an amount above zero and no more than claimed (%(n)s).")
            % {"n": format_money(claim.claimed_amount)},
            details={"amount": "out_of_range"},
        )
    reason = (reason or "").strip()
    if value < claim.claimed_amount and not reason:
        raise InvalidMdfData(_("Say why the claim is approved in part."), details={"reason": "x"})
    if not request.can_move_to(Status.CLAIM_APPROVED):
        request.move_to(Status.CLAIM_APPROVED)  # raises InvalidTransition
    claim.approved_amount = value
    release(
        request, request.reserved_amount - value, actor=actor,
        reason=_("Claim approved for %(n)s") % {"n": format_money(value)},
    )  # fmt: skip
    return _decide_claim(
        request, claim, actor, target=Status.CLAIM_APPROVED, claim_target=ClaimStatus.APPROVED,
        reason=reason, verb="mdf.claim_approved",
        data={"approved": str(value), "claimed": str(claim.claimed_amount),
              "partial": value < claim.claimed_amount},
    )  # fmt: skip


@transaction.atomic
def return_claim(*, actor: User, request: FundRequest, reason: str) -> FundRequest:
    request = _lock(request)
    _require_decider(actor, request)
    reason = _required_reason(reason)
    claim = Claim.objects.get(request=request)
    return _decide_claim(
        request, claim, actor, target=Status.CLAIM_RETURNED, claim_target=ClaimStatus.RETURNED,
        reason=reason, verb="mdf.claim_returned",
    )  # fmt: skip


@transaction.atomic
def reject_claim(*, actor: User, request: FundRequest, reason: str) -> FundRequest:
    """Reject the claim; the whole reservation is released."""
    request = _lock(request)
    _require_decider(actor, request)
    reason = _required_reason(reason)
    claim = Claim.objects.get(request=request)
    if not request.can_move_to(Status.CLAIM_REJECTED):
        request.move_to(Status.CLAIM_REJECTED)  # raises InvalidTransition
    release(request, request.reserved_amount, actor=actor, reason=_("Claim rejected"))
    return _decide_claim(
        request, claim, actor, target=Status.CLAIM_REJECTED, claim_target=ClaimStatus.REJECTED,
        reason=reason, verb="mdf.claim_rejected",
    )  # fmt: skip


# --- Extensions and lapsed claims -------------------------------------------------------------


@transaction.atomic
def request_extension(
    *, actor: User, request: FundRequest, until: dt.date, reason: str
) -> ClaimExtension:
    """Ask the CAM for a later claim due date (one pending request at a time)."""
    request = _lock(request)
    _require_partner(actor, request)
    reason = _required_reason(reason)
    if request.status not in FundRequest.CLAIMABLE_STATES or request.claim_due_on is None:
        raise ClaimError(_("Only an approved request waiting for its claim can be extended."))
    if not isinstance(until, dt.date) or until <= request.claim_due_on:
        raise InvalidMdfData(
            _("Ask for a date after the current due date (%(day)s).")
            % {"day": request.claim_due_on.isoformat()},
            details={"until": "not_later"},
        )
    if request.claim_extensions.filter(status=ClaimExtension.Status.PENDING).exists():
        raise ClaimError(_("An extension request is already waiting for a decision."))
    extension = ClaimExtension.objects.create(
        request=request, requested_until=until, previous_due_on=request.claim_due_on,
        reason=reason, requested_by=actor,
    )  # fmt: skip
    record_event(
        request, actor=actor, verb="mdf.extension_requested", reason=reason,
        data={"until": until.isoformat()},
    )  # fmt: skip
    notify(
        _reviewers(request.partner), kind="mdf_extension_requested",
        template="mdf/email/extension_requested",
        context={"request": request, "extension": extension}, url=request.get_absolute_url(),
    )  # fmt: skip
    return extension


@transaction.atomic
def decide_extension(
    *, actor: User, extension: ClaimExtension, approve: bool, reason: str = ""
) -> ClaimExtension:
    """The CAM (or program ops) approves (moving the claim due date) or denies, with a reason
    when denying."""
    request = _lock(extension.request)
    extension = lock(ClaimExtension, extension.pk)
    _require_decider(actor, request)
    reason = (reason or "").strip() if approve else _required_reason(reason)
    target = ClaimExtension.Status.APPROVED if approve else ClaimExtension.Status.DENIED
    previous = extension.move_to(target)
    resolve(request.get_absolute_url(), ("mdf_extension_requested",))
    extension.decided_by, extension.decided_at = actor, timezone.now()
    extension.decision_reason = reason
    extension.save()
    if approve:
        request.claim_due_on = max(request.claim_due_on or extension.requested_until,
                                   extension.requested_until)  # fmt: skip
        request.save(update_fields=["claim_due_on", "updated_at"])
    record_event(
        request, actor=actor, verb="mdf.extension_decided", from_state=previous,
        to_state=target, reason=reason,
        data={"extension": extension.pk, "until": extension.requested_until.isoformat()},
    )  # fmt: skip
    notify(
        _partner_side(request), kind="mdf_extension_decided",
        template="mdf/email/extension_decided",
        context={"request": request, "extension": extension}, url=request.get_absolute_url(),
    )  # fmt: skip
    return extension


def lapse_overdue_claims(*, today: dt.date | None = None) -> int:
    """Requests whose claim is past due (and no extension is waiting) lapse; their reservation
    is released. Safe to re-run."""
    today = today or timezone.localdate()
    ids = list(
        FundRequest.objects.filter(status__in=FundRequest.CLAIMABLE_STATES, claim_due_on__lt=today)
        .exclude(claim_extensions__status=ClaimExtension.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    lapsed = 0
    for pk in ids:
        with transaction.atomic():
            request = lock(FundRequest, pk)
            due = request.claim_due_on
            if request.status not in FundRequest.CLAIMABLE_STATES or due is None or not due < today:
                continue
            previous = request.move_to(Status.LAPSED)
            release(request, request.reserved_amount, actor=None, reason=_("Claim not submitted"))
            request.save()
            record_event(
                request, actor=None, verb="mdf.claim_lapsed", from_state=previous,
                to_state=Status.LAPSED, rule=_("Claim due on %(day)s")
                % {"day": due.isoformat()},
            )  # fmt: skip
            _notify_partner(request, Status.LAPSED)
            lapsed += 1
    return lapsed
