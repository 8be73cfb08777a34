"""Reads of the recruitment of new partners: applications and their review aids (the applicant's
Scale/Skill/Will assessments, suggested scores, what stops an approval), scoped by who asks."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from prm.models import User

from ..models import Application, Partner, Qualification


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Ops see every application; a channel account manager, the unassigned ones and their own."""
    base = Application.objects.select_related("partner", "partner__channel_manager", "decided_by")
    if not getattr(user, "is_authenticated", False):
        return base.none()
    if user.is_program_ops:
        return base
    if user.is_channel_manager:
        return base.filter(
            Q(partner__channel_manager=user) | Q(partner__channel_manager__isnull=True)
        )
    return base.none()


def get_application_for_user(user: User, pk) -> Application:
    return get_object_or_404(applications_visible_to(user), pk=pk)


def applications_waiting(user: User) -> QuerySet[Application]:
    """Submitted applications the user may review, oldest first (first come, first served)."""
    return (
        applications_visible_to(user)
        .filter(status=Application.Status.SUBMITTED)
        .order_by("submitted_at", "id")
    )


def pending_application_for_email(email: str) -> Application | None:
    """A submitted application from this contact address that nobody has decided yet."""
    return (
        Application.objects.filter(
            contact_email=email.strip().lower(), status=Application.Status.SUBMITTED
        )
        .select_related("partner")
        .first()
    )


def approval_missing(
    application: Application, *, actor: User, channel_manager: User | None = None
) -> dict[str, str]:
    """What stops ``actor`` approving the application, by form field: a Scale/Skill/Will
    assessment of the applicant, and a channel account manager (the one chosen, the partner's,
    or the reviewing manager, who takes the partner)."""
    missing = {}
    if not Qualification.objects.filter(partner_id=application.partner_id).exists():
        missing["qualification"] = str(
            _("Assess the applicant's Scale, Skill and Will before approving.")
        )
    has_manager = (
        channel_manager is not None
        or application.partner.channel_manager_id is not None
        or actor.is_channel_manager
    )
    if not has_manager:
        missing["channel_manager"] = str(_("Choose the channel account manager for the partner."))
    return missing


def qualifications_for(partner: Partner, *, limit: int = 5) -> list[Qualification]:
    """The latest assessments, newest first, each with ``trait_labels`` for display."""
    labels = dict(Qualification.OppTrait.choices)
    qualifications = list(partner.qualifications.select_related("assessed_by")[:limit])
    for qualification in qualifications:
        qualification.trait_labels = [  # type: ignore[attr-defined]
            labels.get(t, t) for t in qualification.opp_traits
        ]
    return qualifications


def _score_from_steps(value: int, steps: tuple[int, int, int, int]) -> int:
    return 1 + sum(value >= step for step in steps)


def suggested_scores(application: Application) -> dict[str, int]:
    """Starting points for the reviewer, read from the applicant's own answers.

    Scale follows the number of customers, Skill the technical staff, Will whether an
    executive sponsor is named. The reviewer always decides; these only pre-fill the form.
    """
    return {
        "scale": _score_from_steps(application.customer_count, (10, 50, 200, 1000)),
        "skill": _score_from_steps(application.technical_staff, (1, 3, 10, 25)),
        "will": 4 if application.executive_sponsor.strip() else 2,
    }
