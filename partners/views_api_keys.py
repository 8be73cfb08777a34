"""Portal pages where program ops and partner admins issue and revoke API keys."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from prm.exceptions import DomainError
from prm.models import ApiKey

from .api_keys import (
    DEFAULT_ROTATION_OVERLAP_HOURS,
    MAX_ROTATION_OVERLAP_HOURS,
    PARTNER_SIDE_SCOPES,
    api_keys_visible_to,
    bound_partner,
    issue_api_key,
    may_manage_api_keys,
    revoke_api_key,
    rotate_api_key,
    set_api_key_rate_limit,
)
from .models import Partner
from .selectors import partner_access


class IssueApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=120,
        help_text=gettext_lazy("What the key is for, e.g. “CRM sync”."),
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner"), queryset=Partner.objects.none(), required=False
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Grant only what the integration needs."),
    )
    rate_limit = forms.IntegerField(
        label=gettext_lazy("Requests per minute"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=gettext_lazy("Leave empty for the program default."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        live = Partner.objects.exclude(status=Partner.Status.TERMINATED).order_by("display_name")
        partner = self.fields["partner"]
        if user.is_program_ops:
            partner.queryset = live
            partner.empty_label = _("None: program-wide (within its scopes)")
            partner.help_text = _("A key bound to a partner sees only that partner's data.")
            self.fields["scopes"].choices = ApiKey.Scope.choices
        else:
            # The limit protects the service for everyone: program ops set it.
            del self.fields["rate_limit"]
            partner.queryset = live.filter(pk__in=partner_access(user).admin_of)
            partner.required = True
            partner.empty_label = None
            self.fields["scopes"].choices = [
                (value, label)
                for value, label in ApiKey.Scope.choices
                if value in PARTNER_SIDE_SCOPES
            ]


def _require_key_manager(user) -> None:
    if not may_manage_api_keys(user):
        raise PageForbidden


@login_required
def api_key_list(request):
    _require_key_manager(request.user)
    keys = api_keys_visible_to(request.user).order_by("revoked_at", "-created_at", "-id")
    page = Paginator(keys, 25).get_page(request.GET.get("page"))
    return render(request, "partners/api_keys_list.html", {"page_obj": page})


@never_cache
@login_required
def api_key_issue(request):
    """On success the key is shown once, on this response only: never stored, never redirected
    through a session."""
    _require_key_manager(request.user)
    form = IssueApiKeyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the key and its limit, or neither
                key, plaintext = issue_api_key(
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    partner=form.cleaned_data["partner"],
                    actor=request.user,
                )
                if form.cleaned_data.get("rate_limit"):
                    key = set_api_key_rate_limit(
                        key=key, actor=request.user, rate_limit=form.cleaned_data["rate_limit"]
                    )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            context = {"key": key, "plaintext": plaintext, "partner": form.cleaned_data["partner"]}
            return render(request, "partners/api_keys_issued.html", context)
    return render(request, "partners/api_keys_issue.html", {"form": form})


@require_POST
@login_required
def api_key_revoke(request, pk):
    _require_key_manager(request.user)
    key = get_object_or_404(api_keys_visible_to(request.user), pk=pk)
    revoke_api_key(key=key, actor=request.user)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
    return redirect("api_keys:api_key_list")


class RotateApiKeyForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label=gettext_lazy("Keep the old key working for (hours)"),
        min_value=0,
        max_value=MAX_ROTATION_OVERLAP_HOURS,
        initial=DEFAULT_ROTATION_OVERLAP_HOURS,
    )


@never_cache
@login_required
def api_key_rotate(request, pk):
    """A new key at once; the old one keeps working for the chosen overlap. The new key is shown
    once, on this response only."""
    _require_key_manager(request.user)
    key = get_object_or_404(api_keys_visible_to(request.user), pk=pk)
    form = RotateApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            successor, plaintext = rotate_api_key(
                key=key, actor=request.user, overlap_hours=form.cleaned_data["overlap_hours"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            context = {
                "key": successor,
                "plaintext": plaintext,
                "partner": bound_partner(successor),
                "rotated": key,
            }
            return render(request, "partners/api_keys_issued.html", context)
    return render(request, "partners/api_keys_rotate.html", {"form": form, "key": key})
