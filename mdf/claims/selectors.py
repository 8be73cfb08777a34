"""Reads of claims, proof files, extensions and payments, scoped like the funds: proof files
are visible only to the partner's own users and the vendor (its CAM and program ops)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from prm.models import User

from ..funds.selectors import can_decide_for, scope_q
from ..models import Claim, ClaimExtension, FundRequest, MdfPayment, ProofFile

Status = FundRequest.Status


def claims_visible_to(user: User) -> QuerySet[Claim]:
    return Claim.objects.select_related("request", "request__partner").filter(
        scope_q(user, "request__partner_id")
    )


def get_claim_for_user(user: User, pk) -> Claim:
    return get_object_or_404(claims_visible_to(user), pk=pk)


def claim_of(request: FundRequest) -> Claim | None:
    return Claim.objects.filter(request=request).prefetch_related("proof_files").first()


def proof_files_visible_to(user: User) -> QuerySet[ProofFile]:
    return ProofFile.objects.select_related("claim", "claim__request").filter(
        scope_q(user, "claim__request__partner_id")
    )


def get_proof_for_user(user: User, pk) -> ProofFile:
    """A proof file for download; 404 outside the partner and its vendor contacts."""
    return get_object_or_404(proof_files_visible_to(user), pk=pk)


def claim_queue(user: User) -> QuerySet[FundRequest]:
    """Submitted claims waiting for ``user``'s decision, oldest first."""
    rows = FundRequest.objects.select_related("partner", "activity_type", "claim").filter(
        scope_q(user), status=Status.CLAIM_SUBMITTED
    )
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        return rows.none()
    return rows.order_by("claim__submitted_at", "pk")


def can_decide_claim(user: User, request: FundRequest) -> bool:
    return request.status == Status.CLAIM_SUBMITTED and can_decide_for(user, request.partner)


def extensions_visible_to(user: User) -> QuerySet[ClaimExtension]:
    return ClaimExtension.objects.select_related("request", "request__partner").filter(
        scope_q(user, "request__partner_id")
    )


def pending_extensions(user: User) -> QuerySet[ClaimExtension]:
    """Extension requests ``user`` decides: their partners' (CAM), or all (program ops)."""
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        return ClaimExtension.objects.none()
    return (
        extensions_visible_to(user)
        .filter(status=ClaimExtension.Status.PENDING)
        .order_by("created_at", "pk")
    )


def get_extension_for_user(user: User, pk) -> ClaimExtension:
    return get_object_or_404(extensions_visible_to(user), pk=pk)


def payable_requests(user: User) -> QuerySet[FundRequest]:
    """Approved claims not paid yet (program ops)."""
    if not getattr(user, "is_authenticated", False) or not user.is_program_ops:
        return FundRequest.objects.none()
    return (
        FundRequest.objects.select_related("partner", "claim", "activity_type")
        .filter(status=Status.CLAIM_APPROVED)
        .order_by("claim__decided_at", "pk")
    )


def payments_visible_to(user: User) -> QuerySet[MdfPayment]:
    return MdfPayment.objects.select_related("request", "partner").filter(scope_q(user))
