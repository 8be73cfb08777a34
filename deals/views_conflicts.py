"""The conflict comparison page: a registration beside each earlier registration or vendor
opportunity it may clash with, the score and its evidence, and the reviewer's decision.

Only the registration's channel account manager and program ops reach it; everyone else,
partner users included, gets a 404 (they must not learn who else registered the account).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prm.exceptions import DomainError

from . import conflicts
from .forms_leads import ConflictResolutionForm, show_domain_error
from .models import DealConflict


def _page(request, registration, bound: ConflictResolutionForm | None = None, status=200):
    rows = []
    for conflict in conflicts.conflicts_for_review(registration):
        if bound is not None and bound.conflict_id == conflict.pk:
            form = bound
        elif conflict.resolution == DealConflict.Resolution.OPEN:
            form = ConflictResolutionForm(conflict=conflict)
        else:
            form = None
        first = conflicts.first_registered(conflict)
        rows.append({"conflict": conflict, "form": form, "first_registered": first})
    return render(
        request,
        "deals/conflict_compare.html",
        {
            "registration": registration,
            "rows": rows,
            "open_count": sum(r["conflict"].resolution == "open" for r in rows),
        },
        status=status,
    )


@login_required
def conflict_compare(request, pk):
    registration = conflicts.get_reviewable_registration(request.user, pk)
    return _page(request, registration)


@login_required
@require_POST
def conflict_resolve(request, pk):
    conflict = conflicts.get_conflict_for_user(request.user, pk)
    registration = conflict.registration
    form = ConflictResolutionForm(request.POST, conflict=conflict)
    form.conflict_id = conflict.pk
    if form.is_valid():
        try:
            conflicts.resolve_conflict(
                conflict=conflict,
                actor=request.user,
                resolution=form.cleaned_data["resolution"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _resolution_message(conflict))
            return redirect("deals:conflict_compare", pk=registration.pk)
    return _page(request, registration, bound=form, status=400)


def _resolution_message(conflict) -> str:
    """What the decision did, including the later registration "first registered" rejects."""
    conflict.refresh_from_db()
    if conflict.resolution != DealConflict.Resolution.FIRST_REGISTERED_WINS:
        return _("Decision recorded.")
    later = conflicts.later_registered(conflict)
    later.refresh_from_db()
    if later.status == later.Status.REJECTED:
        return _(
            "Decision recorded. The later registration (%(customer)s, #%(pk)s) was rejected "
            "with your reason."
        ) % {"customer": later.customer_name, "pk": later.pk}
    return _(
        "Decision recorded. The later registration (#%(pk)s) is %(status)s and could not be "
        "rejected; decide it on its own page."
    ) % {"pk": later.pk, "status": later.get_status_display().lower()}
