"""Portal pages for certifications, tier standing, reference implementations and badges."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from partners.models import Partner
from partners.selectors import (
    get_partner_for_user,
    partner_access,
    primary_membership,
)
from partners.tier_progress import standing as tier_standing
from prm.audit import events_for
from prm.exceptions import DomainError
from prm.permissions import require_program_ops
from prm.views import job_progress

from . import badges, imports, references, selectors, services
from .forms import (
    CatalogueFilterForm,
    ImportForm,
    RecordCompletionForm,
    ReferenceDecisionForm,
    ReferenceForm,
)
from .models import Certification, PersonCertification

PAGE_SIZE = 50


def _page(request, rows, size=PAGE_SIZE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _querystring(form) -> str:
    if not form.is_valid():
        return ""
    values = {k: v.pk if hasattr(v, "pk") else v for k, v in form.cleaned_data.items() if v}
    return urlencode(values)


def _require_ops(user) -> None:
    require_program_ops(user, _("Only program operations may do this."), error=PermissionDenied)


# --- Catalogue and certifications -------------------------------------------------------------


@login_required
def catalogue(request):
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tracks = selectors.tracks_for(
        role=filters.get("role", ""), business_model=filters.get("business_model", "")
    )
    certifications = selectors.certification_catalogue(kind=filters.get("kind", ""))
    return render(
        request,
        "enablement/certification_catalogue.html",
        {
            "form": form,
            "tracks": tracks,
            "page_obj": _page(request, certifications, 25),
            "querystring": _querystring(form),
        },
    )


@login_required
def certification_detail(request, pk):
    pc = selectors.get_person_certification_for_user(request.user, pk)
    base_url = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "enablement/certification_detail.html",
        {
            "pc": pc,
            "cert": badges.public_view(pc),
            "embed": badges.embed_snippet(pc, base_url=base_url)
            if pc.certification.earns_badge
            else "",
            "verify_url": base_url + reverse("enablement:verify", args=[pc.verification_code]),
            "events": events_for(pc)[:20],
        },
    )


@login_required
@require_GET
def certificate_pdf(request, pk):
    pc = selectors.get_person_certification_for_user(request.user, pk)
    pdf = badges.certificate_pdf(pc, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{pc.certification.code}.pdf"'
    return response


# --- Ops: record and import -------------------------------------------------------------------


@login_required
def record_completion(request):
    _require_ops(request.user)
    form = RecordCompletionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pc, created = services.record_completion(
                actor=request.user,
                source=PersonCertification.Source.PORTAL,
                **form.service_kwargs(),
            )
        except DomainError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            fields = [name for name in details if name in form.fields]
            for name in fields:
                form.add_error(name, details[name])
            if not fields:
                form.add_error(None, exc.message)
        else:
            if created:
                messages.success(request, _("The completion is recorded."))
            else:
                messages.info(request, _("This completion was already recorded; nothing changed."))
            return redirect(pc)
    return render(request, "enablement/certification_record.html", {"form": form})


@login_required
def import_certifications(request):
    _require_ops(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = imports.start_import(
                actor=request.user, data=imports.read_upload(upload), file_name=upload.name
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect(run)
    return render(
        request,
        "enablement/certification_import.html",
        {"form": form, "page_obj": _page(request, selectors.certification_imports(), 20)},
    )


@login_required
def import_detail(request, pk):
    _require_ops(request.user)
    run = selectors.get_import(pk)
    return render(
        request,
        "enablement/certification_import_detail.html",
        {"run": run, "page_obj": _page(request, run.report, 100)},
    )


@login_required
@require_GET
def import_progress(request, pk):
    """The progress partial the import page polls while the job runs; once the job is over it
    asks the page to reload, which then shows the report."""
    _require_ops(request.user)
    run = selectors.get_import(pk)
    return job_progress(
        request,
        "enablement/partials/import_progress.html",
        {"run": run},
        finished=run.is_finished,
    )


@login_required
def import_report(request, pk):
    _require_ops(request.user)
    run = selectors.get_import(pk)
    response = HttpResponse(imports.report_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-report.csv"'
    return response


# --- Where we stand ---------------------------------------------------------------------------


def _render_standing(request, partner: Partner):
    from scorecards.review.selectors import what_if  # the review policy lives in scorecards

    rows = selectors.team_certifications(partner)
    counts = selectors.certification_counts(partner)
    return render(
        request,
        "enablement/standing_detail.html",
        {
            "partner": partner,
            "standing": tier_standing(partner),
            "what_if": what_if(partner),
            "page_obj": _page(request, rows),
            "expiring_count": counts.get(PersonCertification.Status.EXPIRING, 0),
            "active_count": counts.get(PersonCertification.Status.ACTIVE, 0),
            "expired_count": counts.get(PersonCertification.Status.EXPIRED, 0),
        },
    )


@login_required
def standing(request):
    membership = primary_membership(request.user)
    if membership is None:
        raise Http404(_("You do not belong to a partner."))
    return _render_standing(request, membership.partner)


@login_required
def partner_standing(request, pk):
    return _render_standing(request, get_partner_for_user(request.user, pk))


# --- Reference implementations ----------------------------------------------------------------


@login_required
def reference_list(request):
    user = request.user
    status = request.GET.get("status", "")
    if status not in dict(selectors.ReferenceImplementation.Status.choices):
        status = ""
    rows = selectors.search_references(user, status=status)
    return render(
        request,
        "enablement/reference_list.html",
        {
            "page_obj": _page(request, rows),
            "status": status,
            "statuses": selectors.ReferenceImplementation.Status.choices,
            "querystring": urlencode({"status": status}) if status else "",
            "may_submit": bool(partner_access(user).admin_of),
        },
    )


@login_required
def reference_create(request):
    admin_of = partner_access(request.user).admin_of
    if not admin_of:
        raise PermissionDenied(_("Only partner admins submit reference implementations."))
    partners = list(Partner.objects.filter(pk__in=admin_of).order_by("display_name"))
    form = ReferenceForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reference = references.submit_reference_implementation(
                actor=request.user,
                partner=data.get("partner") or partners[0],
                customer_name=data["customer_name"],
                scope=data["scope"],
                completed_on=data["completed_on"],
                evidence=data.get("evidence", ""),
                evidence_url=data.get("evidence_url", ""),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Submitted to your channel account manager."))
            return redirect(reference)
    return render(request, "enablement/reference_form.html", {"form": form})


@login_required
def reference_detail(request, pk):
    reference = selectors.get_reference_for_user(request.user, pk)
    may_decide = (
        selectors.may_decide_reference(request.user, reference)
        and reference.status == reference.Status.SUBMITTED
    )
    form = ReferenceDecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("You cannot decide this reference implementation."))
        if form.is_valid():
            try:
                references.decide_reference_implementation(
                    actor=request.user,
                    reference=reference,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data.get("reason", ""),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect(reference)
    return render(
        request,
        "enablement/reference_detail.html",
        {"reference": reference, "form": form, "events": events_for(reference)[:20]},
    )


# --- Public: badges and verification ----------------------------------------------------------


@require_GET
@cache_control(public=True, max_age=badges.BADGE_MAX_AGE)
def badge(request, code):
    pc = selectors.find_by_verification_code(code)
    if pc is None or pc.certification.kind != Certification.Kind.SPECIALTY:
        raise Http404("No such badge.")
    return HttpResponse(badges.badge_svg(pc), content_type="image/svg+xml; charset=utf-8")


@require_GET
def verify(request, code):
    pc = selectors.find_by_verification_code(code)
    if pc is None:
        return render(request, "enablement/verify_missing.html", {"code": code[:64]}, status=404)
    return render(request, "enablement/verify_detail.html", {"cert": badges.public_view(pc)})
