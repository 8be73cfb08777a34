"""The fund request lifecycle and the activity menu.

draft → submitted → (returned → submitted) → approved (reserves funds) / denied; a request for
more than the program's threshold is approved by the CAM and then by program ops
(``awaiting_ops``). Cancelling an approved request releases its reservation. Each transition
locks the request row, then (when money moves) the partner's fund rows in ascending order,
checks the transitions table, saves, writes an audit row and notifies.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import BusinessModel, Partner
from prm.audit import record_event
from prm.exceptions import InvalidTransition
from prm.locks import lock
from prm.models import User
from prm.money import InvalidAmount, default_currency, format_money, parse_amount
from prm.notifications import notify, resolve
from prm.text import clean_name
from prm.webhooks import publish

from ..exceptions import InsufficientFunds, InvalidMdfData, MdfNotAllowed, NotEligible
from ..funds.selectors import (
    acts_for_partner,
    can_decide_for,
    eligibility,
    open_funds_of,
    partner_admins,
    program_ops,
)
from ..funds.services import require_ops
from ..ledger import services as ledger
from ..ledger.selectors import fund_balances
from ..models import ActivityType, FundRequest, LedgerEntry, MdfSettings, ProofKind

Status = FundRequest.Status
Kind = LedgerEntry.Kind
ZERO = Decimal(0)

REQUEST_FIELDS = (
    "activity_type", "title", "description", "starts_on", "ends_on", "planned_cost",
    "partner_contribution", "requested_amount", "target_audience", "expected_leads",
    "expected_pipeline",
)  # fmt: skip


# --- Activity menu (ops) ---------------------------------------------------------------------


def _clean_activity_fields(values: dict) -> dict:
    errors = {}
    if "name" in values:
        values["name"] = clean_name(values["name"])[:120]
        if not values["name"]:
            errors["name"] = _("Give a name.")
    if "max_vendor_share" in values:
        share = Decimal(str(values["max_vendor_share"]))
        if not Decimal(0) < share <= 100:
            errors["max_vendor_share"] = _("The vendor share is a percentage above 0, up to 100.")
        values["max_vendor_share"] = share
    if "required_proof" in values:
        proof = list(dict.fromkeys(values["required_proof"] or []))
        if set(proof) - set(ProofKind.values):
            errors["required_proof"] = _("Unknown proof kind.")
        values["required_proof"] = proof
    if "business_models" in values:
        kinds = list(dict.fromkeys(values["business_models"] or []))
        if set(kinds) - set(BusinessModel.values):
            errors["business_models"] = _("Unknown business model.")
        values["business_models"] = kinds
    if errors:
        raise InvalidMdfData(_("Some values are not acceptable."), details=errors)
    return values


@transaction.atomic
def create_activity_type(
    *,
    actor: User,
    name: str,
    category: str,
    max_vendor_share,
    required_proof: list[str],
    business_models: list[str] | None = None,
    description: str = "",
    is_active: bool = True,
    position: int = 0,
) -> ActivityType:
    require_ops(actor)
    values = _clean_activity_fields(
        {"name": name, "max_vendor_share": max_vendor_share, "required_proof": required_proof,
         "business_models": business_models or []}
    )  # fmt: skip
    if ActivityType.objects.filter(name__iexact=values["name"]).exists():
        raise InvalidMdfData(_("An activity type of that name exists."), details={"name": "taken"})
    activity = ActivityType.objects.create(
        category=category, description=description, is_active=is_active, position=position,
        **values,
    )  # fmt: skip
    record_event(activity, actor=actor, verb="mdf.activity_type_created")
    return activity


@transaction.atomic
def update_activity_type(*, actor: User, activity_type: ActivityType, **values) -> ActivityType:
    require_ops(actor)
    allowed = {"name", "category", "description", "max_vendor_share", "required_proof",
               "business_models", "is_active", "position"}  # fmt: skip
    values = _clean_activity_fields({k: v for k, v in values.items() if k in allowed})
    before = {k: str(getattr(activity_type, k)) for k in values}
    for name, value in values.items():
        setattr(activity_type, name, value)
    activity_type.save()
    record_event(
        activity_type, actor=actor, verb="mdf.activity_type_changed",
        data={"before": before, "after": {k: str(v) for k, v in values.items()}},
    )  # fmt: skip
    return activity_type


# --- Requests --------------------------------------------------------------------------------


def _amount(values: dict, name: str, errors: dict, *, required: bool = True):
    try:
        return parse_amount(values.get(name), required=required)
    except InvalidAmount as exc:
        errors[name] = str(exc)
        return None


def clean_request_fields(partner: Partner, values: dict) -> dict:
    """Check a request's fields together; raises ``InvalidMdfData`` naming every bad field."""
    errors: dict[str, str] = {}
    cleaned = dict(values)
    cleaned["title"] = clean_name(values.get("title"))[:200]
    if not cleaned["title"]:
        errors["title"] = _("Name the activity.")
    activity = values.get("activity_type")
    if not isinstance(activity, ActivityType) or not activity.is_active:
        errors["activity_type"] = _("Choose an activity from the menu.")
    elif not activity.is_open_to(partner.business_model):
        errors["activity_type"] = _("This activity is not open to your business model.")
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if not isinstance(starts, dt.date) or not isinstance(ends, dt.date):
        errors["starts_on"] = _("Give the activity's first and last day.")
    elif ends < starts:
        errors["ends_on"] = _("The activity cannot end before it starts.")
    for name in SHARE_FIELDS:
        cleaned[name] = _amount(values, name, errors)
    for name, message in (
        ("planned_cost", _("The planned cost must be above zero.")),
        ("requested_amount", _("Request an amount above zero.")),
    ):
        if name not in errors and cleaned[name] is not None and cleaned[name] <= 0:
            errors[name] = message
    cleaned["expected_pipeline"] = _amount(values, "expected_pipeline", errors, required=False)
    cleaned["expected_pipeline"] = cleaned["expected_pipeline"] or ZERO
    cleaned["expected_leads"] = int(values.get("expected_leads") or 0)
    if cleaned["expected_leads"] < 0:
        errors["expected_leads"] = _("Expected leads cannot be negative.")
    cleaned["description"] = str(values.get("description") or "").strip()
    cleaned["target_audience"] = clean_name(values.get("target_audience"))[:300]
    # The shares are checked once their own fields are good, whatever else is wrong, so that
    # every problem shows at once.
    if not errors.keys() & {"activity_type", *SHARE_FIELDS}:
        _check_shares(cleaned, errors)
    if errors:
        raise InvalidMdfData(_("Some values are not acceptable."), details=errors)
    return cleaned


SHARE_FIELDS = ("planned_cost", "partner_contribution", "requested_amount")


def _check_shares(values: dict, errors: dict) -> None:
    """The rules of amounts that are each good (above zero), together: the vendor's share of
    the activity, and the partner's contribution with the vendor amount covering the cost."""
    planned, requested = values["planned_cost"], values["requested_amount"]
    contribution = values["partner_contribution"]
    share = values["activity_type"].max_vendor_share
    most = (planned * share / 100).quantize(Decimal("0.01"))
    if requested > most:
        errors["requested_amount"] = _(
            "The vendor pays at most %(share)s%% of this activity: %(most)s."
        ) % {"share": f"{share.normalize():f}", "most": format_money(most)}
    if contribution + requested < planned:
        errors["partner_contribution"] = _(
            "Your contribution and the vendor amount must cover the planned cost."
        )


@transaction.atomic
def create_request(*, actor: User, partner: Partner, submit: bool = False, **values) -> FundRequest:
    """A draft request (submitted at once when ``submit``). The partner's own users only."""
    if not acts_for_partner(actor, partner):
        raise MdfNotAllowed()
    unknown = set(values) - set(REQUEST_FIELDS)
    if unknown:
        raise InvalidMdfData(_("Unknown fields: %(n)s") % {"n": ", ".join(sorted(unknown))})
    cleaned = clean_request_fields(partner, values)
    request = FundRequest.objects.create(
        partner=partner, created_by=actor, currency=default_currency(), **cleaned
    )
    record_event(request, actor=actor, verb="mdf.request_created", to_state=Status.DRAFT)
    if submit:
        return submit_request(actor=actor, request=request)
    return request


def _lock(request: FundRequest) -> FundRequest:
    return lock(FundRequest, request.pk)


@transaction.atomic
def update_request(*, actor: User, request: FundRequest, **values) -> FundRequest:
    """Change a draft or returned request."""
    request = _lock(request)
    if not acts_for_partner(actor, request.partner):
        raise MdfNotAllowed()
    if not request.is_editable:
        raise InvalidMdfData(_("Only a draft or a returned request can be changed."))
    merged = {name: getattr(request, name) for name in REQUEST_FIELDS}
    merged.update({k: v for k, v in values.items() if k in REQUEST_FIELDS})
    cleaned = clean_request_fields(request.partner, merged)
    changed = [name for name in REQUEST_FIELDS if getattr(request, name) != cleaned[name]]
    for name in changed:
        setattr(request, name, cleaned[name])
    request.save()
    record_event(request, actor=actor, verb="mdf.request_changed", data={"fields": changed})
    return request


@transaction.atomic
def submit_request(
    *, actor: User, request: FundRequest, today: dt.date | None = None
) -> FundRequest:
    """Submit for approval. Refused with the reasons when the partner is not eligible (tier
    without MDF, broken compliance) or the activity falls outside the execute window."""
    request = _lock(request)
    if not acts_for_partner(actor, request.partner):
        raise MdfNotAllowed()
    today = today or timezone.localdate()
    verdict = eligibility(request.partner, as_of=today)
    if not verdict.eligible:
        raise NotEligible(" ".join(verdict.reasons), details={"reasons": verdict.reasons})
    program = MdfSettings.current()
    if request.ends_on < today:
        raise InvalidMdfData(
            _("The activity has already ended; request funds before it ends."),
            details={"ends_on": "past"},
        )
    if request.ends_on > today + dt.timedelta(days=program.execute_window_days):
        raise InvalidMdfData(
            _("The activity must end within %(n)d days of the request.")
            % {"n": program.execute_window_days},
            details={"ends_on": "outside_execute_window"},
        )
    previous = request.move_to(Status.SUBMITTED)
    now = timezone.now()
    request.submitted_at = now
    request.decision_due_at = now + dt.timedelta(days=program.decision_days)
    request.needs_ops = request.requested_amount > program.ops_approval_threshold
    request.cam_approved_by, request.cam_approved_at = None, None
    request.save()
    threshold = format_money(program.ops_approval_threshold)
    if request.needs_ops:
        rule = _("Above %(n)s: program ops approve after the channel account manager")
    else:
        rule = _("Up to %(n)s: the channel account manager decides alone")
    record_event(
        request, actor=actor, verb="mdf.request_submitted", from_state=previous,
        to_state=Status.SUBMITTED, rule=rule % {"n": threshold},
    )  # fmt: skip
    notify(
        _reviewers(request.partner),
        kind="mdf_request_submitted",
        template="mdf/email/request_submitted",
        context={"request": request},
        url=request.get_absolute_url(),
    )
    return request


def _reviewers(partner: Partner) -> list[User]:
    manager = partner.channel_manager
    if manager is not None and manager.is_active:
        return [manager]
    return program_ops()


def _partner_side(request: FundRequest) -> list[User]:
    users = {user.pk: user for user in partner_admins(request.partner)}
    users.setdefault(request.created_by_id, request.created_by)
    return list(users.values())


def _tell_partner(request: FundRequest, verb: str, reason: str = "") -> None:
    notify(
        _partner_side(request),
        kind="mdf_request_decided",
        template="mdf/email/request_decided",
        context={"request": request, "decision": verb, "reason": reason},
        url=request.get_absolute_url(),
    )


def _required_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidMdfData(_("Give a reason."), details={"reason": _("Give a reason.")})
    return text


def _require_decider(actor: User, request: FundRequest) -> None:
    if request.status == Status.AWAITING_OPS:
        if not actor.is_program_ops:
            raise MdfNotAllowed(_("This request waits for program operations."))
    elif not can_decide_for(actor, request.partner):
        raise MdfNotAllowed(
            _("Only the partner's channel account manager or program operations can decide.")
        )


# The notifications asking reviewers to decide, by the status of the request they were sent in.
ASKED: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: ("mdf_request_submitted",),
    Status.AWAITING_OPS: ("mdf_request_submitted",),
    Status.CLAIM_SUBMITTED: ("mdf_claim_submitted",),
}


def state_left(request: FundRequest, previous: str) -> None:
    """``request`` has left ``previous``: the notifications that asked its reviewers to decide
    it there leave their bells, whoever decided."""
    kinds = ASKED.get(previous)
    if kinds:
        resolve(request.get_absolute_url(), kinds)


def _decide(request: FundRequest, actor: User, target: str, reason: str, verb: str, **data):
    previous = request.move_to(target)
    state_left(request, previous)
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.save()
    record_event(
        request, actor=actor, verb=verb, from_state=previous, to_state=target, reason=reason,
        data={k: str(v) for k, v in data.items()},
    )  # fmt: skip
    publish("mdf_request.decided", request, partner=request.partner_id)
    _tell_partner(request, target, reason)
    return request


@transaction.atomic
def approve_request(
    *, actor: User, request: FundRequest, amount=None, reason: str = ""
) -> FundRequest:
    """Approve ``amount`` (the requested amount by default; less is a partial approval).

    Above the program threshold a CAM's approval moves the request to program ops; the final
    approval reserves the amount on the partner's open fund that expires first and holds
    enough, under the fund row locks. Refused with ``InsufficientFunds`` otherwise."""
    request = _lock(request)
    _require_decider(actor, request)
    # Program ops confirm what the CAM approved unless they say otherwise.
    default = request.approved_amount if request.status == Status.AWAITING_OPS else None
    value = default or request.requested_amount
    if amount not in (None, ""):
        value = parse_amount(amount)
    if value is None or value <= 0 or value > request.requested_amount:
        raise InvalidMdfData(
            _("Approve an amount above zero and no more than requested (%(n)s).")
            % {"n": format_money(request.requested_amount)},
            details={"amount": "out_of_range"},
        )
    reason = (reason or "").strip()
    program = MdfSettings.current()
    if value > program.ops_approval_threshold and not actor.is_program_ops:
        previous = request.move_to(Status.AWAITING_OPS)
        state_left(request, previous)  # the CAM's part is done; ops are asked next
        request.approved_amount = value
        request.cam_approved_by, request.cam_approved_at = actor, timezone.now()
        request.decision_due_at = timezone.now() + dt.timedelta(days=program.decision_days)
        request.save()
        record_event(
            request, actor=actor, verb="mdf.request_cam_approved", from_state=previous,
            to_state=Status.AWAITING_OPS, reason=reason, data={"amount": str(value)},
            rule=_("Above %(n)s program ops approve as well")
            % {"n": format_money(program.ops_approval_threshold)},
        )  # fmt: skip
        notify(
            program_ops(), kind="mdf_request_submitted", template="mdf/email/request_submitted",
            context={"request": request}, url=request.get_absolute_url(),
        )  # fmt: skip
        return request
    _check_transition(request, Status.APPROVED)  # before any money moves
    fund_id = _reserve(request, value, actor)
    request.approved_amount = value
    request.fund_id = fund_id
    request.claim_due_on = request.ends_on + dt.timedelta(days=program.claim_window_days)
    return _decide(request, actor, Status.APPROVED, reason, "mdf.request_approved", amount=value)


def _check_transition(request: FundRequest, target: str) -> None:
    if not request.can_move_to(target):
        raise InvalidTransition(str(FundRequest._meta.verbose_name).capitalize(), request.status,
                                target)  # fmt: skip


def _reserve(request: FundRequest, amount: Decimal, actor: User) -> int:
    today = timezone.localdate()
    candidates = list(open_funds_of(request.partner, on=today).values_list("pk", flat=True))
    ledger.lock_funds(candidates)
    balances = fund_balances(candidates)
    ordered = list(open_funds_of(request.partner, on=today).values_list("pk", flat=True))
    for fund_id in ordered:
        if balances[fund_id].available >= amount:
            ledger.post(
                [ledger.Movement(fund_id, Kind.RESERVATION, amount, request_id=request.pk,
                                 reason=request.title)],
                actor=actor,
            )  # fmt: skip
            return fund_id
    available = max((b.available for b in balances.values()), default=ZERO)
    raise InsufficientFunds(
        _("Not enough funds: %(available)s is available, %(amount)s is needed.")
        % {"available": format_money(available), "amount": format_money(amount)},
        details={"available": str(available), "amount": str(amount)},
    )


@transaction.atomic
def deny_request(*, actor: User, request: FundRequest, reason: str) -> FundRequest:
    request = _lock(request)
    _require_decider(actor, request)
    reason = _required_reason(reason)
    return _decide(request, actor, Status.DENIED, reason, "mdf.request_denied")


@transaction.atomic
def return_request(*, actor: User, request: FundRequest, reason: str) -> FundRequest:
    """Send back for changes, with what to change."""
    request = _lock(request)
    _require_decider(actor, request)
    reason = _required_reason(reason)
    request.approved_amount = None
    return _decide(request, actor, Status.RETURNED, reason, "mdf.request_returned")


@transaction.atomic
def cancel_request(*, actor: User, request: FundRequest, reason: str = "") -> FundRequest:
    """Cancel (the partner, its CAM or ops) before a claim; an approved request's reservation
    is released."""
    request = _lock(request)
    if not (acts_for_partner(actor, request.partner) or can_decide_for(actor, request.partner)):
        raise MdfNotAllowed()
    previous = request.status
    request.move_to(Status.CANCELLED)
    state_left(request, previous)
    if previous == Status.APPROVED:
        release(request, request.reserved_amount, actor=actor, reason=_("Request cancelled"))
    request.save()
    record_event(
        request, actor=actor, verb="mdf.request_cancelled", from_state=previous,
        to_state=Status.CANCELLED, reason=(reason or "").strip(),
    )  # fmt: skip
    return request


def release(request: FundRequest, amount: Decimal, *, actor: User | None, reason: str) -> None:
    """Give ``amount`` of the request's reservation back to its fund; on a fund already past its
    expiry the released money expires at once. The caller holds the request's lock."""
    if amount <= 0 or request.fund_id is None:
        return
    fund = ledger.lock_funds([request.fund_id])[request.fund_id]
    movements = [
        ledger.Movement(fund.pk, Kind.RELEASE, amount, request_id=request.pk, reason=reason)
    ]
    if fund.expires_on < timezone.localdate():
        movements.append(
            ledger.Movement(
                fund.pk, Kind.EXPIRY, amount, request_id=request.pk,
                reason=_("Released after the fund expired"),
            )
        )  # fmt: skip
    ledger.post(movements, actor=actor)
