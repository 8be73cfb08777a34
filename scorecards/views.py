"""Program ops' pages for the quarterly tier review; thin adapters over the review services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from prm.audit import events_for
from prm.exceptions import DomainError
from prm.jobs import batch_outcome
from prm.paging import querystring
from prm.permissions import require_program_ops
from prm.views import job_progress

from .forms import ApplyForm, BulkForm, DecisionForm, ProposalFilterForm, StartReviewForm
from .review import applying, decisions, selectors, services

PAGE_SIZE = 50


def _require_ops(user) -> None:
    require_program_ops(user, _("Only program operations may do this."), error=PermissionDenied)


@login_required
def review_list(request):
    _require_ops(request.user)
    last = selectors.last_closed_quarter(timezone.localdate())
    form = StartReviewForm(initial={"quarter": last.label})
    reviews = Paginator(selectors.reviews_visible_to(request.user), PAGE_SIZE)
    return render(
        request,
        "scorecards/review_list.html",
        {"form": form, "page_obj": reviews.get_page(request.GET.get("page"))},
    )


@login_required
@require_POST
def review_start(request):
    _require_ops(request.user)
    form = StartReviewForm(request.POST)
    if form.is_valid():
        try:
            review = services.start_review(quarter=form.cleaned_data["quarter"], actor=request.user)
        except DomainError as exc:
            form.add_error("quarter", exc.message)
        else:
            messages.success(
                request, _("The %(quarter)s review has started.") % {"quarter": review.quarter}
            )
            return redirect(review)
    reviews = Paginator(selectors.reviews_visible_to(request.user), PAGE_SIZE)
    return render(
        request,
        "scorecards/review_list.html",
        {"form": form, "page_obj": reviews.get_page(1)},
        status=400,
    )


def _filtered(request, review, form: ProposalFilterForm):
    return selectors.search_proposals(request.user, review=review, **form.filters())


@login_required
def review_detail(request, pk, *, bulk_form=None, status=200):
    _require_ops(request.user)
    review = selectors.get_review_for_user(request.user, pk)
    filters = ProposalFilterForm(request.GET or None)
    rows = _filtered(request, review, filters)
    return render(
        request,
        "scorecards/review_detail.html",
        {
            "review": review,
            "filters": filters,
            "querystring": querystring(request),
            "page_obj": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "bulk_form": bulk_form or BulkForm(initial={"effective_on": review.effective_on}),
            "decisions": selectors.decision_counts(review),
            "application": selectors.latest_application(review),
        },
        status=status,
    )


@login_required
@require_GET
def review_progress(request, pk):
    """The progress partial the review page polls while the review runs; once it is over it
    asks the page to reload, which then lists the proposals."""
    _require_ops(request.user)
    review = selectors.get_review_for_user(request.user, pk)
    return job_progress(
        request,
        "scorecards/partials/review_progress.html",
        {"review": review},
        finished=review.is_finished,
    )


@login_required
@require_POST
def review_bulk(request, pk):
    _require_ops(request.user)
    review = selectors.get_review_for_user(request.user, pk)
    form = BulkForm(request.POST)
    if not form.is_valid():
        return review_detail(request, pk, bulk_form=form, status=400)
    data = form.cleaned_data
    if data["all_matching"]:
        chosen = _filtered(request, review, ProposalFilterForm(request.POST))
    else:
        ids = [int(v) for v in request.POST.getlist("proposal") if v.isdigit()]
        chosen = selectors.search_proposals(request.user, review=review).filter(pk__in=ids)
    chosen = list(chosen)
    back = _with_filters(review, request)
    if not chosen:
        messages.error(request, _("Select at least one proposal."))
        return back
    try:
        if data["op"] == BulkForm.APPLY:
            job = applying.start_application(
                review=review,
                proposals=chosen,
                actor=request.user,
                effective_on=data.get("effective_on"),
            )
            _say_how_the_application_went(request, job)
        else:
            count = decisions.decide_proposals(
                proposals=chosen,
                actor=request.user,
                approve=data["op"] == BulkForm.APPROVE,
                reason=data.get("decision_reason") or "",
                tier=data.get("override_tier"),
            )
            messages.success(request, _("%(n)s proposal(s) decided.") % {"n": count})
    except DomainError as exc:
        messages.error(request, exc.message)
    return back


def _with_filters(review, request):
    """Back to the review's list as the bulk form found it: its filters (the form carries
    them as hidden fields), not the first page of every proposal."""
    names = ProposalFilterForm.base_fields
    filters = {name: request.POST[name] for name in names if request.POST.get(name)}
    url = review.get_absolute_url()
    return redirect(f"{url}?{urlencode(filters)}" if filters else url)


def _say_how_the_application_went(request, job) -> None:
    messages.success(
        request,
        batch_outcome(
            job,
            finished=_("%(succeeded)s proposal(s) applied, %(skipped)s left as they were."),
            queued=_("Applying %(total)s proposal(s) in the background: the progress shows below."),
        ),
    )


@login_required
@require_GET
def application_progress(request, pk):
    """The progress partial the review page polls while a bulk application runs; the page
    reloads when it is over, to show the proposals applied."""
    _require_ops(request.user)
    job = selectors.get_application_for_user(request.user, pk)
    return job_progress(
        request,
        "scorecards/partials/application_progress.html",
        {"application": job},
        finished=job.is_finished,
    )


@login_required
@require_POST
def application_resume(request, pk):
    _require_ops(request.user)
    job = selectors.get_application_for_user(request.user, pk)
    try:
        applying.resume_application(application=job, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _say_how_the_application_went(request, job)
    return redirect(job.review)


@login_required
def proposal_detail(request, pk):
    proposal = selectors.get_proposal_for_user(request.user, pk)
    may_decide = request.user.is_program_ops
    form = DecisionForm(prefix="decide")
    apply_form = ApplyForm(prefix="apply", review=proposal.review)
    status = 200
    if request.method == "POST":
        _require_ops(request.user)
        try:
            if "apply" in request.POST:
                apply_form = ApplyForm(request.POST, prefix="apply", review=proposal.review)
                if apply_form.is_valid():
                    decisions.apply_proposals(
                        proposals=[proposal],
                        actor=request.user,
                        effective_on=apply_form.cleaned_data["effective_on"],
                    )
                    messages.success(request, _("Applied."))
                    return redirect(proposal)
            else:
                form = DecisionForm(request.POST, prefix="decide")
                if form.is_valid():
                    data = form.cleaned_data
                    decisions.decide_proposal(
                        proposal=proposal,
                        actor=request.user,
                        approve=data["op"] == DecisionForm.APPROVE,
                        reason=data.get("decision_reason") or "",
                        tier=data.get("override_tier"),
                    )
                    messages.success(request, _("Decision recorded."))
                    return redirect(proposal)
        except DomainError as exc:
            messages.error(request, exc.message)
        status = 400
    return render(
        request,
        "scorecards/proposal_detail.html",
        {
            "proposal": proposal,
            "snapshot": selectors.snapshot_tiers(proposal),
            "may_decide": may_decide,
            "form": form,
            "apply_form": apply_form,
            "events": events_for(proposal) if may_decide else [],
        },
        status=status,
    )
