"""Deal registration pages. Each view reads through ``selectors`` (out of scope → 404) and
writes through one ``services`` call; refusals come back as form errors or messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from prm.exceptions import DomainError
from prm.forms import add_domain_errors
from prm.views import job_progress

from . import conflicts, imports, selectors, services
from .commissions import selectors as commission_selectors
from .conflicts import selectors as conflict_selectors
from .forms import (
    DealImportForm,
    DealRegistrationForm,
    DecisionForm,
    ExtensionDecisionForm,
    OptionalReasonForm,
    OutcomeForm,
    ReasonForm,
)
from .models import DealProgramSettings, DealRegistration

PAGE_SIZE = 25
Status = DealRegistration.Status


# --- Partner side: list, register, edit ------------------------------------------------------


def _registrable_or_404(user):
    partners = list(selectors.registrable_partners(user))
    if not partners:
        raise Http404
    return partners


PREFILL_FIELDS = (
    "customer_name",
    "customer_domain",
    "contact_name",
    "contact_email",
    "country",
    "estimated_amount",
    "notes",
)


@login_required
def deal_create(request):
    partners = _registrable_or_404(request.user)
    queryset = selectors.registrable_partners(request.user)
    # Other pages hand a prospect over through the query string (a business case, a lead).
    initial = {name: request.GET[name] for name in PREFILL_FIELDS if request.GET.get(name)}
    form = DealRegistrationForm(request.POST or None, partners=queryset, initial=initial)
    if request.method == "POST" and form.is_valid():
        partner = form.cleaned_data.get("partner") or partners[0]
        try:
            registration = services.create_registration(
                actor=request.user,
                partner=partner,
                submit=request.POST.get("action") != "draft",
                **form.service_fields(),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            if registration.status == Status.SUBMITTED:
                messages.success(
                    request,
                    _("Registration submitted. A decision is due by %(due)s.")
                    % {"due": registration.sla_due_at.strftime("%Y-%m-%d %H:%M %Z")},
                )
            else:
                messages.success(request, _("Draft saved. Submit it when it is complete."))
            return redirect(registration)
    return render(
        request,
        "deals/dealregistration_form.html",
        {"form": form, "registration": None, "partners": partners},
    )


@login_required
@require_GET
def deal_precheck(request):
    """htmx: is this account already protected? Says until when, never by whom."""
    partners = selectors.registrable_partners(request.user)
    if not partners.exists():
        raise Http404
    partner_id = request.GET.get("partner", "")
    if not partner_id:
        partner = partners.first()
    elif partner_id.isdigit():
        partner = get_object_or_404(partners, pk=partner_id)
    else:
        raise Http404
    values = {
        name: request.GET.get(name, "").strip()
        for name in ("customer_name", "customer_domain", "contact_email", "country")
    }
    protection = None
    if values["customer_name"] or values["customer_domain"] or values["contact_email"]:
        protection = conflicts.protection_precheck(for_partner=partner, **values)
    return render(
        request,
        "deals/partials/precheck.html",
        {"protection": protection, "checked": any(values.values())},
    )


@login_required
def deal_edit(request, pk):
    registration = selectors.get_deal_for_user(request.user, pk)
    if not selectors.acts_for_partner(request.user, registration.partner):
        raise Http404
    if registration.status not in (Status.DRAFT, Status.MORE_INFO):
        messages.error(
            request, _("Only drafts and registrations waiting for information can be edited.")
        )
        return redirect(registration)
    form = DealRegistrationForm(request.POST or None, registration=registration)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.update_registration(
                registration=registration, actor=request.user, **form.service_fields()
            )
            if request.POST.get("action") != "draft":
                registration = services.submit_registration(
                    registration=registration, actor=request.user
                )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Registration saved."))
            return redirect(registration)
    return render(
        request,
        "deals/dealregistration_form.html",
        {"form": form, "registration": registration},
    )


# --- Deal page and its actions ---------------------------------------------------------------


def _detail_context(request, registration, **forms):
    user = request.user
    partner_side = selectors.acts_for_partner(user, registration.partner)
    decider = selectors.can_decide(user, registration)
    status = registration.status
    program = DealProgramSettings.current()
    extensions = list(selectors.extensions_of(registration))
    resubmissions_left = max(program.max_resubmissions - registration.resubmission_count, 0)
    extension_refusal = selectors.extension_refusal(registration)
    return {
        "registration": registration,
        "timeline": selectors.timeline_for(registration, internal=user.is_internal),
        "extensions": extensions,
        "partner_side": partner_side,
        "decider": decider,
        "can_edit": partner_side and status in (Status.DRAFT, Status.MORE_INFO),
        # A rejected registration is offered for resubmission only while the limit allows.
        "can_submit": partner_side
        and (
            status in (Status.DRAFT, Status.MORE_INFO)
            or (status == Status.REJECTED and resubmissions_left > 0)
        ),
        "resubmissions_left": resubmissions_left,
        "can_withdraw": (partner_side or user.is_program_ops)
        and registration.can_move_to(Status.WITHDRAWN),
        "can_record_outcome": (partner_side or decider) and status == Status.APPROVED,
        "can_request_extension": partner_side and not extension_refusal,
        "extension_refusal": extension_refusal
        if partner_side and status == Status.APPROVED
        else "",
        "program": program,
        "outcome_form": forms.get("outcome_form") or OutcomeForm(),
        "extension_form": forms.get("extension_form") or ReasonForm(),
        "withdraw_form": OptionalReasonForm(),
        "open_conflicts": registration.conflicts.filter(resolution="open").count()
        if decider
        else 0,
        "commission": commission_selectors.deal_commission(user, registration),
        "conflicts_against": list(conflict_selectors.conflicts_raised_against(user, registration)),
    }


@login_required
def deal_detail(request, pk):
    registration = selectors.get_deal_for_user(request.user, pk)
    return render(
        request, "deals/dealregistration_detail.html", _detail_context(request, registration)
    )


def _act(request, registration, action, success: str):
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(registration)


@login_required
@require_POST
def deal_submit(request, pk):
    registration = selectors.get_deal_for_user(request.user, pk)
    return _act(
        request,
        registration,
        lambda: services.submit_registration(registration=registration, actor=request.user),
        _("Registration submitted for review."),
    )


@login_required
@require_POST
def deal_withdraw(request, pk):
    registration = selectors.get_deal_for_user(request.user, pk)
    form = OptionalReasonForm(request.POST)
    form.is_valid()
    return _act(
        request,
        registration,
        lambda: services.withdraw_registration(
            registration=registration,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
        ),
        _("Registration withdrawn."),
    )


@login_required
@require_POST
def deal_outcome(request, pk):
    registration = selectors.get_deal_for_user(request.user, pk)
    form = OutcomeForm(request.POST, registration=registration)
    if form.is_valid():
        try:
            services.record_outcome(
                registration=registration, actor=request.user, **form.service_fields()
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect(registration)
    context = _detail_context(request, registration, outcome_form=form)
    return render(request, "deals/dealregistration_detail.html", context, status=400)


@login_required
@require_POST
def deal_request_extension(request, pk):
    registration = selectors.get_deal_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        return _act(
            request,
            registration,
            lambda: services.request_extension(
                registration=registration, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            _("Extension requested. Your manager will decide."),
        )
    context = _detail_context(request, registration, extension_form=form)
    return render(request, "deals/dealregistration_detail.html", context, status=400)


# --- Vendor side: queue, decisions, extensions -----------------------------------------------


def _internal_or_404(user):
    if not user.is_internal:
        raise Http404


@login_required
def deal_review(request, pk):
    registration = selectors.get_deal_for_review(request.user, pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        reason = form.cleaned_data["reason"]
        action = {
            DecisionForm.APPROVE: services.approve_registration,
            DecisionForm.REJECT: services.reject_registration,
            DecisionForm.MORE_INFO: services.request_more_info,
        }[decision]
        try:
            action(registration=registration, actor=request.user, reason=reason)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded; the partner is notified."))
            return redirect("deals:review_queue")
    conflict_rows = list(
        selectors.conflicts_of(registration).select_related(
            "existing_registration", "existing_registration__partner", "existing_opportunity"
        )
    )
    return render(
        request,
        "deals/dealregistration_review.html",
        {
            "registration": registration,
            "form": form,
            "conflicts": conflict_rows,
            "open_conflicts": sum(c.resolution == "open" for c in conflict_rows),
            "timeline": selectors.timeline_for(registration, internal=True),
            "can_decide_now": registration.status == Status.SUBMITTED,
        },
    )


@login_required
def extension_queue(request):
    _internal_or_404(request.user)
    page = Paginator(selectors.pending_extensions(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deals/extensionrequest_list.html",
        {"page_obj": page, "form": ExtensionDecisionForm()},
    )


@login_required
@require_POST
def extension_decide(request, pk):
    extension = selectors.get_extension_for_review(request.user, pk)
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
        return redirect("deals:extension_queue")
    try:
        services.decide_extension(
            extension=extension,
            actor=request.user,
            approve=form.cleaned_data["approve"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Extension decision recorded; the partner is notified."))
    return redirect("deals:extension_queue")


# --- Reports ---------------------------------------------------------------------------------


@login_required
def aging_report(request):
    report = selectors.aging_report(request.user)
    return render(request, "deals/report_aging.html", {"report": report})


@login_required
def sla_report(request):
    report = selectors.sla_report(request.user)
    program = DealProgramSettings.current()
    return render(request, "deals/report_sla.html", {"report": report, "program": program})


# --- CSV import ------------------------------------------------------------------------------


@login_required
def deal_import(request):
    partners = _registrable_or_404(request.user)
    queryset = selectors.registrable_partners(request.user)
    form = DealImportForm(request.POST or None, request.FILES or None, partners=queryset)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = imports.start_import(
                actor=request.user,
                partner=form.cleaned_data.get("partner") or partners[0],
                data=upload.read(),
                filename=upload.name,
                submit=form.cleaned_data["submit"],
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect(record)
    recent = (
        selectors.imports_visible_to(request.user)
        .filter(uploaded_by=request.user)
        .defer("report")[:10]
    )
    return render(
        request,
        "deals/dealimport_form.html",
        {
            "form": form,
            "recent": recent,
            "columns": imports.COLUMNS,
            "required": imports.REQUIRED_COLUMNS,
        },
    )


@login_required
def import_detail(request, pk):
    record = selectors.get_import_for_user(request.user, pk)
    page = Paginator(record.report, 100).get_page(request.GET.get("page"))
    return render(request, "deals/dealimport_detail.html", {"record": record, "page_obj": page})


@login_required
@require_GET
def import_progress(request, pk):
    """The progress partial the import page polls while the job runs; once the job is over it
    asks the page to reload, which then shows the report."""
    record = selectors.get_import_for_user(request.user, pk)
    return job_progress(
        request,
        "deals/partials/import_progress.html",
        {"record": record},
        finished=record.is_finished,
    )


@login_required
def import_report_csv(request, pk):
    record = selectors.get_import_for_user(request.user, pk)
    response = HttpResponse(imports.report_csv(record), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="deal-import-{record.pk}-report.csv"'
    return response


@login_required
def import_template_csv(request):
    _registrable_or_404(request.user)
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="deal-registrations.csv"'
    return response
