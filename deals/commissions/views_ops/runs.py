"""Commission runs: the list, the "Calculate period" button and the progress page."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from prm.exceptions import DomainError
from prm.forms import add_domain_errors
from prm.views import job_progress

from .. import ops_selectors, services
from ..forms import RunForm, current_period_label
from .common import ops_required, page_of


@ops_required
def run_list(request):
    form = RunForm(request.POST or None, initial={"period": current_period_label()})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.start_commission_run(
                actor=request.user, period=form.cleaned_data["period"]
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            return redirect("deals:commission_run_detail", pk=run.pk)
    page = page_of(request, ops_selectors.runs_for(request.user))
    return render(request, "commissions/ops/run_list.html", {"form": form, "page_obj": page})


@ops_required
def run_detail(request, pk):
    run = ops_selectors.get_run(request.user, pk)
    return render(request, "commissions/ops/run_detail.html", {"run": run})


@ops_required
@require_GET
def run_progress(request, pk):
    """The partial the run page polls while the worker calculates; once the run is over it
    asks the page to reload, which then shows the result."""
    run = ops_selectors.get_run(request.user, pk)
    return job_progress(
        request,
        "commissions/ops/partials/run_progress.html",
        {"run": run},
        finished=run.status in (run.Status.DONE, run.Status.FAILED),
    )
