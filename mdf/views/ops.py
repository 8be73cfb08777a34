"""Program operations: the activity menu, the program settings, discretionary allocations and
payments in bulk. Everyone else gets a 404, as for any page outside their scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prm.exceptions import DomainError
from prm.forms import add_domain_errors
from prm.money import InvalidAmount, parse_amount

from ..claims import payments as claim_payments
from ..claims import selectors as claims
from ..forms import (
    ActivityTypeForm,
    AllocationForm,
    PartnerSearchForm,
    PaymentBatchForm,
    SettingsForm,
)
from ..funds import selectors as funds
from ..funds import services as fund_services
from ..models import MdfSettings
from ..requests import selectors, services
from .common import act, ops_or_404

# --- The activity menu -----------------------------------------------------------------------


@login_required
def activity_type_list(request):
    ops_or_404(request.user)
    return render(
        request,
        "mdf/activitytype_list.html",
        {"activities": selectors.activity_types(include_inactive=True)},
    )


@login_required
def activity_type_create(request):
    ops_or_404(request.user)
    form = ActivityTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_activity_type(actor=request.user, **form.service_fields())
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Activity type added to the menu."))
            return redirect("mdf:activity_types")
    return render(request, "mdf/activitytype_form.html", {"form": form, "activity": None})


def _activity_or_404(pk):
    return get_object_or_404(selectors.activity_types(include_inactive=True), pk=pk)


@login_required
def activity_type_edit(request, pk):
    ops_or_404(request.user)
    activity = _activity_or_404(pk)
    form = ActivityTypeForm(request.POST or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_activity_type(
                actor=request.user, activity_type=activity, **form.service_fields()
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Activity type saved."))
            return redirect("mdf:activity_types")
    return render(request, "mdf/activitytype_form.html", {"form": form, "activity": activity})


@login_required
@require_POST
def activity_type_toggle(request, pk):
    """Withdraw an activity from the menu (requests already made keep it), or offer it again."""
    ops_or_404(request.user)
    activity = _activity_or_404(pk)
    offered = not activity.is_active
    return act(
        request,
        "mdf:activity_types",
        lambda: services.update_activity_type(
            actor=request.user, activity_type=activity, is_active=offered
        ),
        _("%(name)s is offered again.") % {"name": activity.name}
        if offered
        else _("%(name)s is withdrawn from the menu.") % {"name": activity.name},
    )


# --- Program settings ------------------------------------------------------------------------


@login_required
def program_settings(request):
    ops_or_404(request.user)
    current = MdfSettings.current()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            fund_services.update_settings(actor=request.user, **form.service_fields())
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Program settings saved."))
            return redirect("mdf:settings")
    return render(request, "mdf/settings_form.html", {"form": form, "program": current})


# --- Discretionary allocation ----------------------------------------------------------------


@login_required
def allocation(request):
    """Find the partner, then allocate with a reason. The partner is named in the query string,
    so the page works the same with ten partners or ten thousand."""
    ops_or_404(request.user)
    partners = funds.mdf_partners_visible_to(request.user)
    wanted = request.GET.get("partner", "")
    partner = get_object_or_404(partners, pk=wanted) if wanted.isdigit() else None
    search = PartnerSearchForm(request.GET or None)
    matches = []
    if partner is None and search.is_valid() and search.cleaned_data["q"]:
        matches = list(
            partners.filter(display_name__matches=search.cleaned_data["q"]).order_by(
                "display_name"
            )[:20]
        )
    form = AllocationForm(request.POST or None)
    if partner is not None and request.method == "POST" and form.is_valid():
        try:
            fund_services.allocate_funds(actor=request.user, partner=partner, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(amount)s allocated to %(partner)s.")
                % {"amount": form.cleaned_data["amount"], "partner": partner.display_name},
            )
            return redirect(f"{reverse('mdf:home')}?partner={partner.pk}")
    return render(
        request,
        "mdf/allocation_form.html",
        {
            "partner": partner,
            "search": search,
            "matches": matches,
            "form": form,
            "balance": funds.partner_balance(partner) if partner else None,
        },
        status=400 if form.errors else 200,
    )


# --- Payments in bulk ------------------------------------------------------------------------


@login_required
def payments(request):
    """Approved claims waiting for payment, with a checkbox each. The ticked rows are recorded
    together or not at all; a refusal names each row that needs attention."""
    ops_or_404(request.user)
    payable = claims.payable_requests(request.user)
    page = Paginator(payable, 100).get_page(request.GET.get("page"))
    form = PaymentBatchForm(request.POST or None, initial={"paid_on": timezone.localdate()})
    row_errors: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        rows, row_errors = _payment_rows(request.POST, form.cleaned_data)
        if not rows and not row_errors:
            form.add_error(None, _("Tick at least one claim to pay."))
        elif not row_errors:
            try:
                recorded = claim_payments.record_payments(actor=request.user, rows=rows)
            except DomainError as exc:
                row_errors = dict(exc.details.get("lines", {})) if exc.details else {}
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(n)d payment(s) recorded; the partners are notified.")
                    % {"n": len(recorded)},
                )
                return redirect("mdf:payments")
        else:
            form.add_error(None, _("No payment was recorded: some rows need attention."))
    return render(
        request,
        "mdf/payments.html",
        {
            "page_obj": page,
            "form": form,
            "rows": _payable_rows(page, request.POST, row_errors),
            "recent": claims.payments_visible_to(request.user).order_by("-created_at", "-pk")[:10],
        },
        status=400 if form.errors else 200,
    )


def _payable_rows(page, data, errors: dict) -> list[dict]:
    """What each table row shows: the values typed (after a refusal) or the approved amount."""
    ticked = set(data.getlist("pay"))
    rows = []
    for fund_request in page:
        key = str(fund_request.pk)
        claim = fund_request.claim
        rows.append(
            {
                "request": fund_request,
                "ticked": key in ticked,
                "amount": data.get(f"amount-{key}", claim.approved_amount),
                "reference": data.get(f"reference-{key}", ""),
                "error": errors.get(key, ""),
            }
        )
    return rows


def _payment_rows(data, batch: dict):
    """The ticked rows as payment rows; each row's amount and reference, else the batch's.
    Rows are numbered by their request, so errors come back to the right line."""
    rows, errors = [], {}
    for value in data.getlist("pay"):
        if not value.isdigit():
            continue
        try:
            amount = parse_amount(data.get(f"amount-{value}", ""))
        except InvalidAmount as exc:
            errors[value] = str(exc)
            continue
        reference = (data.get(f"reference-{value}") or batch.get("reference") or "").strip()
        rows.append(
            claim_payments.PaymentRow(
                request_id=int(value),
                amount=amount,
                paid_on=batch["paid_on"],
                reference=reference,
                line=int(value),
            )
        )
    return rows, errors
