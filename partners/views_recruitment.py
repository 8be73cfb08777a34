"""Recruitment pages: the public application form, the review queue and decision page, and
accepting an invitation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from prm import exceptions as domain

from . import forms, selectors, services
from .duplicates import likely_duplicates
from .models import Application
from .recruitment import selectors as recruitment
from .recruitment import services as recruitment_services
from .views import personas_required, show_domain_error, timeline


def apply(request):
    """The public "become a partner" form; no account needed."""
    form = forms.ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A filled honeypot is a bot: answer as if all went well and store nothing.
        if not form.is_bot:
            recruitment_services.submit_application(**form.service_kwargs())
        return redirect("partners:apply_thanks")
    return render(request, "partners/application_form.html", {"form": form})


def apply_thanks(request):
    return render(request, "partners/application_thanks.html")


@personas_required("cam", "ops")
def application_review(request, pk):
    application = recruitment.get_application_for_user(request.user, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    bound = {
        "qualify": forms.QualificationForm(request.POST if action == "qualify" else None),
        "approve": forms.ApproveApplicationForm(
            request.POST if action == "approve" else None, prefix="approve"
        ),
        "decline": forms.DeclineApplicationForm(
            request.POST if action == "decline" else None, prefix="decline"
        ),
    }
    if action is None:
        bound["qualify"].initial = {
            **recruitment.suggested_scores(application),
            "willingness_to_engage": 3,
        }
    elif action in bound and bound[action].is_valid():
        done = _decide_application(request, application, action, bound[action])
        if done:
            return redirect("partners:application_review", pk=application.pk)
    return render(
        request,
        "partners/application_review.html",
        {
            "application": application,
            "partner": application.partner,
            "hints": recruitment.suggested_scores(application),
            "duplicates": likely_duplicates(application),
            "qualifications": recruitment.qualifications_for(application.partner),
            "events": timeline(application, application.partner),
            "qualify_form": bound["qualify"],
            "approve_form": bound["approve"],
            "decline_form": bound["decline"],
            "approval_missing": recruitment.approval_missing(application, actor=request.user),
        },
    )


def _decide_application(request, application: Application, action: str, form) -> bool:
    data = form.cleaned_data
    try:
        if action == "qualify":
            recruitment_services.qualify_partner(
                partner=application.partner, actor=request.user, **data
            )
            messages.success(request, _("Assessment saved."))
        elif action == "approve":
            recruitment_services.approve_application(
                application=application, actor=request.user, **data
            )
            messages.success(
                request,
                _("Approved. %(email)s is invited to set up the partner account.")
                % {"email": application.contact_email},
            )
        else:
            recruitment_services.decline_application(
                application=application, actor=request.user, reason=data["reason"]
            )
            messages.success(request, _("Declined. The applicant has been told why."))
    except domain.DomainError as error:
        show_domain_error(form, error)
        return False
    return True


# --- Invitations -----------------------------------------------------------------------------


def invitation_accept(request, token):
    """Someone invited by email joins the partner: no login needed, the link is the proof."""
    invitation = selectors.get_invitation_by_token(token)
    if not invitation.is_open:
        return render(
            request, "partners/invitation_closed.html", {"invitation": invitation}, status=410
        )
    account = selectors.account_for_email(invitation.email)
    if account is not None:
        form = forms.ExistingAccountAcceptForm(request.POST or None, user=account)
    else:
        form = forms.InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                invitation=invitation,
                full_name=form.cleaned_data.get("full_name", ""),
                password=form.cleaned_data.get("password1"),
            )
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            # The invitation link proved the address: sign in with the first configured backend.
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request, _("Welcome to %(partner)s.") % {"partner": invitation.partner}
            )
            return redirect("home")
    return render(
        request,
        "partners/invitation_accept.html",
        {"invitation": invitation, "form": form, "existing_account": account is not None},
    )
