from dataclasses import replace

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .exceptions import DomainError
from .filters import NOTIFICATION_LIST
from .lists import run_bulk
from .models import NotificationPreference
from .notifications import (
    ACTION_KINDS,
    kind_label,
    mark_notifications_read,
    notifications_for,
    optional_kinds_for,
    save_notification_preferences,
    unread_kinds,
)


@login_required
def notification_list(request):
    """The user's notifications by day, filterable by kind and read state."""
    if request.method == "POST":
        mark_notifications_read(user=request.user)
        messages.success(request, _("All notifications marked as read."))
        return redirect("notifications")
    listing = NOTIFICATION_LIST.run(request, notifications_for(request.user))
    if listing.wants_export:
        return listing.export()
    kinds = [(kind, kind_label(kind), n) for kind, n in unread_kinds(request.user)]
    return render(
        request,
        "prm/notification_list.html",
        listing.context(unread_kinds=kinds, action_kinds=ACTION_KINDS),
    )


@login_required
@require_POST
def notification_mark_read(request):
    """Mark read every unread notification of the ticked kinds; says how many, kind by kind."""
    kinds = list(dict.fromkeys(request.POST.getlist("kinds")))[:50]
    counts: dict[str, int] = {}

    def mark(kind: str) -> None:
        counts[kind] = mark_notifications_read(user=request.user, kind=kind)
        if not counts[kind]:
            raise DomainError(_("Nothing unread of this kind."))

    result = run_bulk(
        _("Mark notifications read"), kinds, mark, label=kind_label, done=_("Marked read")
    )
    result.rows = [
        replace(row, message=_("%(n)d marked read") % {"n": counts[kind]}) if row.ok else row
        for kind, row in zip(kinds, result.rows, strict=True)
    ]
    return render(
        request, "prm/bulk_result.html", {"result": result, "back_url": reverse("notifications")}
    )


class PreferencesForm(forms.Form):
    """Two boxes (email, in the portal) per optional kind the user's role can receive; the
    fields are grouped by area in ``groups`` for the page."""

    def __init__(self, *args, user, current: dict[str, NotificationPreference], **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = []
        for area, kinds in optional_kinds_for(user).items():
            rows = []
            for kind, label in kinds:
                pref = current.get(kind)
                self.fields[f"{kind}__email"] = forms.BooleanField(
                    label=_("%(label)s by email") % {"label": label},
                    required=False,
                    initial=pref.email if pref else True,
                )
                self.fields[f"{kind}__in_portal"] = forms.BooleanField(
                    label=_("%(label)s in the portal") % {"label": label},
                    required=False,
                    initial=pref.in_portal if pref else True,
                )
                rows.append((label, self[f"{kind}__email"], self[f"{kind}__in_portal"]))
            self.groups.append((area or _("General"), rows))

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        kinds = {name.rsplit("__", 1)[0] for name in self.fields}
        return {kind: (data[f"{kind}__email"], data[f"{kind}__in_portal"]) for kind in kinds}


@login_required
def notification_preferences(request):
    current = {p.kind: p for p in NotificationPreference.objects.filter(user=request.user)}
    form = PreferencesForm(request.POST or None, user=request.user, current=current)
    if request.method == "POST" and form.is_valid():
        save_notification_preferences(user=request.user, choices=form.choices())
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
    return render(request, "prm/notification_preferences.html", {"form": form})


def job_progress(request, template: str, context: dict, *, finished: bool):
    """The progress partial a page polls while a job runs; once the job is over it asks the
    page to reload (htmx), which then shows what the job changed."""
    response = render(request, template, context)
    if finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@require_GET
def favicon(request):
    # Resolved per request: the hashed name exists only once static files are collected.
    return redirect(static("img/favicon.ico"))


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
