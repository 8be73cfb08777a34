"""Reversing a commission line (program ops): the decision not to pay it, with a reason the
partner sees. The page shows the line, what it is traceable to, and its history."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from prm.audit import events_for
from prm.exceptions import DomainError
from prm.forms import add_domain_errors

from .. import selectors
from ..forms import LineReverseForm
from ..models import CommissionLine
from ..services import reverse_line
from .common import ops_required, safe_next


@ops_required
def line_reverse(request, pk):
    line = selectors.get_line_for_user(request.user, pk)
    back = _back_url(request, line)
    form = LineReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reverse_line(actor=request.user, line=line, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Line reversed: it will not be paid, and the partner "
                                        "sees why."))  # fmt: skip
            return redirect(back)
    return render(
        request,
        "commissions/ops/line_reverse.html",
        {
            "line": line,
            "form": form,
            "back": back,
            "reversible": line.can_move_to(CommissionLine.Status.REVERSED),
            "history": events_for(line)[:50],
        },
        status=400 if form.is_bound else 200,
    )


def _back_url(request, line: CommissionLine) -> str:
    statement = selectors.statement_of_line(line)
    if statement is None:
        return safe_next(request, reverse("deals:commission_lines"))
    return safe_next(request, reverse("deals:commission_statement_detail", args=[statement.pk]))
