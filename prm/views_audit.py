"""The audit trail in the portal: ops search it, page through it and export what they found."""

import csv

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from . import exceptions as domain
from .csvfiles import safe_cell
from .paging import querystring
from .selectors import AuditFilter, audit_events_for

EXPORT_COLUMNS = [
    "time",
    "actor",
    "verb",
    "object_type",
    "object_id",
    "object",
    "from",
    "to",
    "reason",
    "rule",
    "request_id",
]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=200)
    verb = forms.CharField(label=_("Verb"), required=False, max_length=80)
    object = forms.CharField(label=_("Object"), required=False, max_length=255)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(label=_("Search"), required=False, max_length=200)

    def criteria(self) -> AuditFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilter(
            **{
                name: (value.strip() if isinstance(value, str) else value)
                for name, value in data.items()
                if value not in (None, "")
            }
        )


def _events(request):
    form = AuditFilterForm(request.GET or None)
    try:
        return form, audit_events_for(request.user, form.criteria())
    except domain.PermissionDenied as error:
        raise PermissionDenied(error.message) from error


@require_GET
@login_required
def audit_list(request):
    form, events = _events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "prm/auditevent_list.html",
        {"form": form, "page_obj": page, "querystring": querystring(request)},
    )


class _Echo:
    def write(self, value):
        return value


@require_GET
@login_required
def audit_export(request):
    """Every row of the filtered set, streamed; cells that a spreadsheet would run are defused."""
    _form, events = _events(request)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(EXPORT_COLUMNS)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    safe_cell(value)
                    for value in (
                        event.created_at.isoformat(),
                        event.actor_label,
                        event.verb,
                        event.content_type.model,
                        event.object_id,
                        event.object_repr,
                        event.from_state,
                        event.to_state,
                        event.reason,
                        event.rule,
                        event.request_id,
                    )
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
