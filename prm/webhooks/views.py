"""Portal pages for webhooks: ops see every endpoint, a partner admin their partner's."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from prm.exceptions import DomainError

from . import selectors, services
from .events import EVENT_TYPES
from .forms import EndpointForm, ReplayRangeForm, RotateForm

PAGE_SIZE = 25


def _require_webhook_user(user) -> None:
    if not selectors.may_use_webhooks(user):
        raise PageForbidden


@login_required
def endpoint_list(request):
    _require_webhook_user(request.user)
    endpoints = selectors.endpoints_visible_to(request.user)
    page = Paginator(endpoints, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "webhooks/webhookendpoint_list.html", {"page_obj": page})


@never_cache
@login_required
def endpoint_create(request):
    """On success the secret is shown once, on this response only."""
    _require_webhook_user(request.user)
    form = EndpointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.create_endpoint(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return render(request, "webhooks/webhookendpoint_secret.html", {"endpoint": endpoint})
    return render(request, "webhooks/webhookendpoint_form.html", {"form": form})


@login_required
def endpoint_detail(request, pk):
    _require_webhook_user(request.user)
    endpoint = selectors.get_endpoint_for_user(request.user, pk)
    deliveries = selectors.deliveries_of(endpoint)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "page_obj": page,
        "events": [EVENT_TYPES[name] for name in endpoint.event_types if name in EVENT_TYPES],
        "rotate_form": RotateForm(),
        "replay_form": ReplayRangeForm(),
    }
    return render(request, "webhooks/webhookendpoint_detail.html", context)


@login_required
def endpoint_edit(request, pk):
    _require_webhook_user(request.user)
    endpoint = selectors.get_endpoint_for_user(request.user, pk)
    initial = {k: getattr(endpoint, k) for k in ("url", "description", "event_types")}
    form = EndpointForm(request.POST or None, initial=initial, user=request.user, endpoint=endpoint)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(endpoint=endpoint, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect(endpoint)
    return render(
        request, "webhooks/webhookendpoint_form.html", {"form": form, "endpoint": endpoint}
    )


@never_cache
@require_POST
@login_required
def endpoint_rotate(request, pk):
    _require_webhook_user(request.user)
    endpoint = selectors.get_endpoint_for_user(request.user, pk)
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the overlap in hours, from 0 to 168."))
        return redirect(endpoint)
    endpoint = services.rotate_secret(endpoint=endpoint, actor=request.user, overlap=form.overlap)
    context = {"endpoint": endpoint, "rotated": True}
    return render(request, "webhooks/webhookendpoint_secret.html", context)


@require_POST
@login_required
def endpoint_pause(request, pk):
    _require_webhook_user(request.user)
    endpoint = selectors.get_endpoint_for_user(request.user, pk)
    services.pause_endpoint(endpoint=endpoint, actor=request.user)
    messages.success(request, _("The endpoint is paused; new events are kept for it."))
    return redirect(endpoint)


@require_POST
@login_required
def endpoint_resume(request, pk):
    _require_webhook_user(request.user)
    endpoint = selectors.get_endpoint_for_user(request.user, pk)
    services.resume_endpoint(endpoint=endpoint, actor=request.user)
    messages.success(request, _("The endpoint is active; kept events are being sent."))
    return redirect(endpoint)


@require_POST
@login_required
def endpoint_replay(request, pk):
    _require_webhook_user(request.user)
    endpoint = selectors.get_endpoint_for_user(request.user, pk)
    form = ReplayRangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a start and a later end for the replay."))
        return redirect(endpoint)
    try:
        replays = services.replay_deliveries(
            endpoint=endpoint, actor=request.user, **form.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d deliveries queued again.") % {"n": len(replays)})
    return redirect(endpoint)


@login_required
def delivery_detail(request, pk):
    _require_webhook_user(request.user)
    delivery = selectors.get_delivery_for_user(request.user, pk)
    context = {
        "delivery": delivery,
        "endpoint": delivery.endpoint,
        "attempts": selectors.attempts_of(delivery),
        "payload_json": json.dumps(delivery.payload, indent=2, sort_keys=True),
    }
    return render(request, "webhooks/webhookdelivery_detail.html", context)


@require_POST
@login_required
def delivery_replay(request, pk):
    _require_webhook_user(request.user)
    delivery = selectors.get_delivery_for_user(request.user, pk)
    replay = services.replay_delivery(delivery=delivery, actor=request.user)
    messages.success(request, _("The event is queued again."))
    return redirect(replay)
