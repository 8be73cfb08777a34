"""What the MDF pages share: who may reach which side, and how a refusal is shown."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from prm.exceptions import DomainError

PAGE_SIZE = 25


def internal_or_404(user) -> None:
    """Vendor-side pages: a partner user gets a 404, as for anything outside their scope."""
    if not user.is_internal:
        raise Http404


def ops_or_404(user) -> None:
    if not user.is_program_ops:
        raise Http404


def act(request, target, action, success: str):
    """Run one service call from a button; a refusal becomes an error message."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(target)


VERB_LABELS = {
    "mdf.request_created": _("Request created"),
    "mdf.request_changed": _("Request changed"),
    "mdf.request_submitted": _("Submitted for approval"),
    "mdf.request_cam_approved": _("Approved by the channel account manager; waiting for ops"),
    "mdf.request_approved": _("Approved; funds reserved"),
    "mdf.request_returned": _("Returned for changes"),
    "mdf.request_denied": _("Denied"),
    "mdf.request_cancelled": _("Cancelled"),
    "mdf.claim_saved": _("Claim saved"),
    "mdf.proof_added": _("Proof file added"),
    "mdf.proof_removed": _("Proof file removed"),
    "mdf.claim_submitted": _("Claim submitted"),
    "mdf.claim_approved": _("Claim approved"),
    "mdf.claim_returned": _("Claim returned for changes"),
    "mdf.claim_rejected": _("Claim rejected"),
    "mdf.claim_lapsed": _("Claim not submitted in time"),
    "mdf.extension_requested": _("More time to claim requested"),
    "mdf.extension_decided": _("Extension decided"),
    "mdf.paid": _("Paid"),
}


def labelled(events) -> list:
    """Audit events with a ``label`` a person reads."""
    rows = list(events)
    for event in rows:
        event.label = VERB_LABELS.get(
            event.verb, event.verb.removeprefix("mdf.").replace("_", " ").capitalize()
        )
    return rows
