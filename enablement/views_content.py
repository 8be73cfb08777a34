"""Portal pages for the content library (assets, downloads, co-branded copies) and business
cases (built from a model, presented, printed, turned into a deal registration).

Thin adapters: every read goes through a scoped selector (404 outside the user's scope) and
every write through one service; domain errors become messages or form errors.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from partners.selectors import get_partner_for_user, partner_access
from prm.exceptions import DomainError
from prm.paging import querystring

from .business_cases import calculation as case_calculation
from .business_cases import selectors as case_selectors
from .business_cases import services as case_services
from .content import selectors as content_selectors
from .content import services as content_services
from .content.downloads import asset_response
from .forms_programs import AssetForm, BusinessCaseForm
from .models import Asset, BusinessCaseUsage
from .views_programs import page_of

# --- Content library --------------------------------------------------------------------------


@login_required
def asset_list(request):
    assets = content_selectors.search_assets(
        request.user, kind=request.GET.get("kind", ""), query=request.GET.get("q", "").strip()
    )
    return render(
        request,
        "enablement/asset_list.html",
        {
            "page_obj": page_of(request, assets),
            "querystring": querystring(request),
            "kinds": Asset.Kind.choices,
            "can_manage": request.user.is_program_ops,
            "show_audience": request.user.is_internal,
            "can_cobrand": bool(partner_access(request.user).member_of),
        },
    )


@login_required
def asset_create(request):
    if not request.user.is_program_ops:
        raise PermissionDenied
    form = AssetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            content_services.create_asset(
                actor=request.user,
                title=data["title"],
                description=data["description"],
                kind=data["kind"],
                upload=data["upload"],
                external_url=data["external_url"],
                tiers=data["visible_to_tiers"],
                business_models=data["business_models"],
                co_brandable=data["co_brandable"],
                published=data["published"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Asset added to the library."))
            return redirect("enablement:asset_list")
    return render(request, "enablement/asset_form.html", {"form": form})


@login_required
def asset_download(request, pk):
    return asset_response(content_selectors.get_asset_for_user(request.user, pk), request.user)


@login_required
def asset_cobrand(request, pk):
    asset = content_selectors.get_asset_for_user(request.user, pk)
    if request.user.is_internal:
        # Staff preview a partner's version by naming a partner in their scope.
        partner_id = request.GET.get("partner", "")
        if not partner_id.isdigit():
            raise Http404
        partner = get_partner_for_user(request.user, partner_id)
    else:
        partner = content_selectors.acting_partner(request.user)
        if partner is None:
            raise Http404
    try:
        pdf = content_services.render_cobranded_pdf(
            asset=asset, partner=partner, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("enablement:asset_list")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{slugify(asset.title)}-{slugify(partner.display_name)}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Business cases ---------------------------------------------------------------------------


@login_required
def case_list(request):
    cases = case_selectors.business_cases_visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        cases = cases.filter(prospect_name__matches=query)
    return render(
        request,
        "enablement/case_list.html",
        {
            "page_obj": page_of(request, cases),
            "querystring": querystring(request),
            "can_build": case_selectors.partners_for_business_cases(request.user).exists(),
        },
    )


@login_required
def case_model_pick(request):
    if not case_selectors.partners_for_business_cases(request.user).exists():
        raise PermissionDenied
    models = case_selectors.business_case_models_for(request.user).filter(published=True)
    return render(request, "enablement/case_model_pick.html", {"models": models})


@login_required
def case_create(request, model_pk):
    model = case_selectors.get_business_case_model_for_user(request.user, model_pk)
    partners = case_selectors.partners_for_business_cases(request.user)
    if not partners.exists():
        raise PermissionDenied
    form = BusinessCaseForm(request.POST or None, model=model, partners=partners)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_services.build_business_case(
                actor=request.user,
                partner=form.cleaned_data.get("partner") or partners.first(),
                model=model,
                prospect_name=form.cleaned_data["prospect_name"],
                inputs=form.input_values(),
                currency=form.cleaned_data["currency"],
            )
        except case_calculation.InvalidInputs as exc:
            form.add_service_errors(exc.details)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(case)
    return render(request, "enablement/case_form.html", {"form": form, "model": model})


def _case_context(request, case):
    is_member = case.partner_id in partner_access(request.user).member_of
    return {
        "case": case,
        "branding": content_selectors.partner_branding(case.partner, contact=case.created_by),
        "results": case_calculation.result_lines(case),
        "inputs": case_calculation.input_lines(case),
        "is_member": is_member,
    }


@login_required
def case_detail(request, pk):
    case = case_selectors.get_business_case_for_user(request.user, pk)
    return render(request, "enablement/case_detail.html", _case_context(request, case))


@login_required
def case_present(request, pk):
    """The case as the prospect sees it: the partner's branding only, no portal around it."""
    case = case_selectors.get_business_case_for_user(request.user, pk)
    return render(request, "enablement/case_document.html", _case_context(request, case))


@login_required
def case_pdf(request, pk):
    case = case_selectors.get_business_case_for_user(request.user, pk)
    pdf = case_selectors.render_business_case_pdf(case)
    if case.partner_id in partner_access(request.user).member_of:
        case_services.record_case_usage(
            case=case, actor=request.user, action=BusinessCaseUsage.Action.PDF
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"business-case-{slugify(case.prospect_name) or case.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def case_register_deal(request, pk):
    """Count the hand-over, then open the deal registration form pre-filled from the case."""
    case = case_selectors.get_business_case_for_user(request.user, pk)
    if case.partner_id not in partner_access(request.user).member_of:
        raise PermissionDenied
    case_services.record_case_usage(
        case=case, actor=request.user, action=BusinessCaseUsage.Action.DEAL_LINK
    )
    return HttpResponseRedirect(case_selectors.deal_registration_url(case))
