"""Claims from the partner's side: the claim form with its proof checklist, the request for
more time to claim, and the download of a proof file (the partner and its vendor contacts
only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from deals.selectors import deals_visible_to
from prm.exceptions import DomainError
from prm.forms import add_domain_errors

from ..claims import selectors as claims
from ..claims import services as claim_services
from ..forms import ClaimForm, ExtensionRequestForm
from ..funds import selectors as funds
from ..models import FundRequest, MdfSettings
from ..requests import selectors
from .partner import detail_context


def _claimable_registrations(user, fund_request):
    """The partner's own registrations since the activity started, to link its results to."""
    return (
        deals_visible_to(user)
        .filter(partner=fund_request.partner, created_at__date__gte=fund_request.starts_on)
        .order_by("-created_at")
    )


@login_required
def claim_form(request, pk):
    fund_request = selectors.get_request_for_user(request.user, pk)
    if not funds.acts_for_partner(request.user, fund_request.partner):
        raise Http404
    if fund_request.status not in FundRequest.CLAIMABLE_STATES:
        messages.error(request, _("This request cannot be claimed now."))
        return redirect(fund_request)
    claim = claims.claim_of(fund_request)
    on_file = {proof.kind for proof in claim.proof_files.all()} if claim else set()
    initial = {}
    if claim is not None:
        initial = {
            "actual_cost": claim.actual_cost,
            "claimed_amount": claim.claimed_amount,
            "leads": claim.leads,
            "pipeline": claim.pipeline,
            "notes": claim.notes,
            "registrations": list(claim.registrations.values_list("pk", flat=True)),
        }
    else:
        initial = {"claimed_amount": fund_request.approved_amount}
    form = ClaimForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        required_proof=fund_request.activity_type.required_proof,
        on_file=on_file,
        registrations=_claimable_registrations(request.user, fund_request),
    )
    if request.method == "POST" and form.is_valid():
        if _save_claim(request, fund_request, form):
            return redirect(fund_request)
        claim = claims.claim_of(fund_request)
        if claim is not None:
            # Saved as a draft with the files that were accepted; only the refusal remains.
            on_file = {proof.kind for proof in claim.proof_files.all()}
            form.mark_on_file(on_file)
            messages.info(
                request,
                _("The claim is saved as a draft with its files; correct what is marked and "
                  "submit it again."),
            )  # fmt: skip
    return render(
        request,
        "mdf/claim_form.html",
        {
            "form": form,
            "fund_request": fund_request,
            "claim": claim,
            "on_file": on_file,
            "program": MdfSettings.current(),
            "missing": selectors.what_is_missing(fund_request),
            "activity_over": fund_request.activity_over(),
        },
        status=400 if form.errors else 200,
    )


def _save_claim(request, fund_request, form) -> bool:
    """Save the claim, store each proof file given, then submit unless only a draft is asked
    for. A refused file is named on its field; the claim and the accepted files stay saved as
    a draft, so nothing has to be typed twice."""
    try:
        claim = claim_services.save_claim(
            actor=request.user, request=fund_request, **form.service_fields()
        )
    except DomainError as exc:
        add_domain_errors(form, exc)
        return False
    for field_name, kind, upload in form.proof_uploads():
        try:
            claim_services.add_proof(actor=request.user, claim=claim, kind=kind, upload=upload)
        except DomainError as exc:
            form.add_error(field_name, exc.message)
    if form.errors:
        return False
    if request.POST.get("action") == "draft":
        messages.success(request, _("Claim saved as a draft. Submit it once the proof is in."))
        return True
    try:
        claim_services.submit_claim(actor=request.user, request=fund_request)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return False
    messages.success(request, _("Claim submitted. Your manager will review it."))
    return True


@login_required
@require_POST
def extension_request(request, pk):
    fund_request = selectors.get_request_for_user(request.user, pk)
    if not funds.acts_for_partner(request.user, fund_request.partner):
        raise Http404
    form = ExtensionRequestForm(request.POST)
    if form.is_valid():
        try:
            claim_services.request_extension(
                actor=request.user,
                request=fund_request,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Extension requested. Your manager will decide."))
            return redirect(fund_request)
    context = detail_context(request, fund_request, extension_form=form)
    return render(request, "mdf/fundrequest_detail.html", context, status=400)


@login_required
@require_POST
def proof_remove(request, pk):
    """Take a proof file off a draft or returned claim (the partner's own users)."""
    proof = claims.get_proof_for_user(request.user, pk)
    fund_request = proof.claim.request
    if not funds.acts_for_partner(request.user, fund_request.partner):
        raise Http404
    try:
        claim_services.remove_proof(actor=request.user, proof=proof)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Proof file removed."))
    return redirect("mdf:claim_form", pk=fund_request.pk)


@login_required
@require_GET
def proof_download(request, pk):
    proof = claims.get_proof_for_user(request.user, pk)
    try:
        handle = proof.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=proof.original_name, content_type=proof.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
