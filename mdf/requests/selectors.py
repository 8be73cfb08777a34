"""Reads of fund requests and the activity menu, scoped like the funds
(``mdf.funds.selectors.scope_q``): partners see only their own organisation's requests."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.selectors import partner_access
from prm.audit import events_for
from prm.models import AuditEvent, User

from ..funds.selectors import acts_for_partner, can_decide_for, scope_q
from ..models import ActivityType, FundRequest, ProofKind

Status = FundRequest.Status


def activity_types(*, include_inactive: bool = False) -> QuerySet[ActivityType]:
    types = ActivityType.objects.all()
    return types if include_inactive else types.filter(is_active=True)


def activity_types_for(partner: Partner) -> list[ActivityType]:
    """The offered activities open to the partner's business model."""
    return [t for t in activity_types() if t.is_open_to(partner.business_model)]


def requests_visible_to(user: User) -> QuerySet[FundRequest]:
    return FundRequest.objects.select_related(
        "partner", "partner__tier", "partner__channel_manager", "activity_type", "fund"
    ).filter(scope_q(user))


def get_request_for_user(user: User, pk) -> FundRequest:
    return get_object_or_404(requests_visible_to(user), pk=pk)


def requesting_partners(user: User) -> QuerySet[Partner]:
    """Partners the user may request funds for: the organisations they belong to."""
    ids = partner_access(user).member_of if getattr(user, "is_authenticated", False) else ()
    return Partner.objects.filter(pk__in=list(ids)).select_related("tier").order_by("pk")


def to_claim(
    requests: QuerySet[FundRequest], *, today: dt.date | None = None
) -> QuerySet[FundRequest]:
    """Of ``requests``, those the partner claims now, soonest due first: approved (or with a
    claim returned) and the activity over (``FundRequest.activity_over``: a claim is proof of
    what took place; approved activities still to come are claimed later)."""
    return requests.filter(
        status__in=FundRequest.CLAIMABLE_STATES,
        ends_on__lte=today or timezone.localdate(),
    ).order_by("claim_due_on", "pk")


def can_edit(user: User, request: FundRequest) -> bool:
    return request.is_editable and acts_for_partner(user, request.partner)


def can_decide(user: User, request: FundRequest) -> bool:
    """The CAM decides first; above the threshold program ops must approve as well."""
    if request.status == Status.SUBMITTED:
        return can_decide_for(user, request.partner)
    if request.status == Status.AWAITING_OPS:
        return bool(user and user.is_authenticated and user.is_program_ops)
    return False


def decision_queue(user: User) -> QuerySet[FundRequest]:
    """Requests waiting for ``user``'s decision, the most overdue first: the CAM sees their
    partners' submitted requests; program ops see every request waiting for ops and every
    submitted one."""
    rows = requests_visible_to(user).filter(status__in=FundRequest.DECISION_STATES)
    if not getattr(user, "is_authenticated", False):
        return rows.none()
    if user.is_program_ops:
        return rows.order_by("decision_due_at", "pk")
    if user.is_channel_manager:
        return rows.filter(status=Status.SUBMITTED).order_by("decision_due_at", "pk")
    return rows.none()


def is_overdue(request: FundRequest, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        request.status in FundRequest.DECISION_STATES
        and request.decision_due_at is not None
        and request.decision_due_at < now
    )


@dataclass(frozen=True)
class Missing:
    """What a request (or its claim) still needs from the partner."""

    items: list[str]

    def __bool__(self) -> bool:
        return bool(self.items)


def what_is_missing(request: FundRequest, *, today: dt.date | None = None) -> Missing:
    """The partner's to-do list for a request: a resubmission, a claim, proof files."""
    today = today or timezone.localdate()
    items: list[str] = []
    if request.status == Status.DRAFT:
        items.append(_("Submit the request for approval."))
    elif request.status == Status.RETURNED:
        items.append(_("Make the changes asked for and submit again."))
    elif request.status in (Status.APPROVED, Status.CLAIM_RETURNED):
        claim = getattr(request, "claim", None)
        if claim is None:
            items.append(_("Claim after the activity, by %(day)s.") % {"day": request.claim_due_on})
        provided = set(claim.proof_files.values_list("kind", flat=True)) if claim else set()
        labels = dict(ProofKind.choices)
        for kind in request.activity_type.required_proof:
            if kind not in provided:
                items.append(_("Upload the %(proof)s.") % {"proof": str(labels[kind]).lower()})
        if request.status == Status.CLAIM_RETURNED:
            items.append(_("Correct the claim and submit it again."))
        if request.claim_due_on and request.claim_due_on < today:
            items.append(_("The claim was due on %(day)s.") % {"day": request.claim_due_on})
    return Missing(items)


def history_of(request: FundRequest) -> QuerySet[AuditEvent]:
    """Every decision about the request and its claim, oldest first."""
    return events_for(request).order_by("created_at", "pk")


def search_requests(
    user: User, *, status: str = "", partner_id: int | None = None, query: str = ""
) -> QuerySet[FundRequest]:
    rows = requests_visible_to(user)
    if status:
        rows = rows.filter(status=status)
    if partner_id:
        rows = rows.filter(partner_id=partner_id)
    if query:
        rows = rows.filter(Q(title__matches=query) | Q(partner__display_name__matches=query))
    return rows.order_by("-created_at", "-pk")
