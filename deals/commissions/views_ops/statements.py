"""Statements for program ops: the list with bulk approval, the detail with approval and the
payout form, and the CSV exports for finance."""

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from prm.exceptions import DomainError
from prm.forms import add_domain_errors
from prm.jobs import batch_outcome
from prm.paging import querystring
from prm.views import job_progress

from .. import exports, ops_selectors, selectors
from ..approvals import approve_each, resume_bulk_approval, start_bulk_approval
from ..forms import PayoutForm, StatementFilterForm
from ..models import Statement
from ..statements import approve_together, record_payout, statement_totals
from .common import ops_required, page_of, safe_next


def _filtered(request):
    form = StatementFilterForm(request.GET or None)
    criteria = form.criteria()
    return form, criteria, selectors.statements_visible_to(request.user, **criteria)


@ops_required
def statement_list(request):
    form, _criteria, statements = _filtered(request)
    page = page_of(request, statements)
    totals = selectors.period_line_totals(list(page.object_list))
    rows = [(statement, totals[statement.pk]) for statement in page.object_list]
    return render(
        request,
        "commissions/ops/statement_list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "querystring": querystring(request),
            "approval": ops_selectors.latest_bulk_approval(request.user),
        },
    )


@ops_required
@require_POST
def statement_bulk_approve(request):
    if request.POST.get("all_matching"):
        return _approve_all_matching(request)
    # At most a few pages' worth of ids, each within the id column's range.
    ids = {int(v) for v in request.POST.getlist("statement")[:500] if v.isdigit() and len(v) < 10}
    chosen = list(selectors.statements_visible_to(request.user).filter(pk__in=ids))
    if not chosen:
        messages.error(request, _("Tick the statements to approve."))
        return redirect("deals:commission_statement_list")
    result = approve_each(statements=chosen, actor=request.user)
    if result.approved:
        count = len(result.approved)
        messages.success(
            request,
            ngettext("%(n)d statement approved.", "%(n)d statements approved.", count)
            % {"n": count},
        )
    for statement, reason in result.refused:
        messages.error(
            request,
            _("%(statement)s was not approved: %(reason)s")
            % {"statement": statement, "reason": reason},
        )
    return _back(request)


def _back(request):
    return redirect(safe_next(request, reverse("deals:commission_statement_list")))


def _approve_all_matching(request):
    """Every draft statement the list's filters match, approved by a job (a period of a large
    program holds tens of thousands)."""
    criteria = StatementFilterForm(request.POST).criteria()
    matching = selectors.statements_visible_to(request.user, **criteria).filter(
        status=Statement.Status.DRAFT
    )
    try:
        job = start_bulk_approval(
            statement_ids=matching.values_list("pk", flat=True), actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _say_how_the_approval_went(request, job)
    return _back(request)


def _say_how_the_approval_went(request, job) -> None:
    messages.success(
        request,
        batch_outcome(
            job,
            finished=_("%(succeeded)s statement(s) approved, %(skipped)s not approved."),
            queued=_(
                "Approving %(total)s statement(s) in the background: the progress shows above "
                "the list."
            ),
        ),
    )


@ops_required
@require_GET
def bulk_approval_progress(request, pk):
    """The progress partial the statements page polls while a bulk approval runs; the page
    reloads when it is over, to show the statements approved."""
    job = ops_selectors.get_bulk_approval(request.user, pk)
    return job_progress(
        request,
        "commissions/ops/partials/approval_progress.html",
        {"approval": job},
        finished=job.is_finished,
    )


@ops_required
@require_POST
def bulk_approval_resume(request, pk):
    job = ops_selectors.get_bulk_approval(request.user, pk)
    try:
        resume_bulk_approval(job=job, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _say_how_the_approval_went(request, job)
    return redirect("deals:commission_statement_list")


def _detail(request, statement, payout_form=None, status=200):
    totals = statement_totals(statement)
    if payout_form is None:
        payout_form = PayoutForm(
            initial={"amount": totals.payable, "paid_on": timezone.localdate()}
        )
    return render(
        request,
        "commissions/ops/statement_detail.html",
        {
            "statement": statement,
            "totals": totals,
            "lines": selectors.statement_lines(statement),
            "payouts": selectors.statement_payouts(statement),
            "earlier_drafts": (
                selectors.earlier_drafts(statement)
                if statement.status == statement.Status.DRAFT
                else []
            ),
            "payout_form": payout_form,
        },
        status=status,
    )


@ops_required
def statement_detail(request, pk):
    return _detail(request, selectors.get_statement_for_user(request.user, pk))


@ops_required
@require_POST
def statement_approve(request, pk):
    statement = selectors.get_statement_for_user(request.user, pk)
    result = approve_together(statement_ids=[statement.pk], actor=request.user)
    if result.refused:
        messages.error(request, result.refused[0][1].message)
    elif result.earlier:
        periods = ", ".join(sorted(s.period for s in result.earlier))
        messages.success(
            request,
            _("Statement approved, with the earlier draft statements of %(periods)s.")
            % {"periods": periods},
        )
    else:
        messages.success(request, _("Statement approved."))
    return redirect("deals:commission_statement_detail", pk=statement.pk)


@ops_required
@require_POST
def statement_payout(request, pk):
    statement = selectors.get_statement_for_user(request.user, pk)
    form = PayoutForm(request.POST)
    if form.is_valid():
        try:
            record_payout(statement=statement, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Payout recorded; the statement is paid."))
            return redirect("deals:commission_statement_detail", pk=statement.pk)
    statement.refresh_from_db()
    return _detail(request, statement, payout_form=form, status=400)


def _csv_response(rows, name: str) -> StreamingHttpResponse:
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


@ops_required
@require_GET
def statements_csv(request):
    _form, _criteria, statements = _filtered(request)
    return _csv_response(exports.statement_rows(statements), "commission-statements")


@ops_required
@require_GET
def payouts_csv(request):
    form = StatementFilterForm(request.GET or None)
    period = form.criteria().get("period")
    payouts = selectors.payouts_visible_to(request.user, period=period)
    return _csv_response(exports.payout_rows(payouts), "commission-payouts")
