"""Writes to the learning catalogue (tracks, their courses and the certifications), for program
ops. Reads go
through ``selectors.tracks_for``, the same as the portal's catalogue page.

Each write owns its transaction and leaves an audit row with the fields it changed.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from partners.models import BusinessModel
from prm.audit import changes_between, record_event, snapshot
from prm.exceptions import Conflict
from prm.models import User
from prm.permissions import require_program_ops

from .exceptions import EnablementError
from .models import Certification, Course, Track

# What ops edit of each (the portal's forms show these fields).
TRACK_FIELDS = ("name", "role", "business_models", "description", "position")
COURSE_FIELDS = (
    "track",
    "title",
    "code",
    "duration_minutes",
    "url",
    "role",
    "business_models",
    "position",
)
CERTIFICATION_FIELDS = (
    "code",
    "name",
    "kind",
    "validity_months",
    "points",
    "description",
    "course",
)


def _require_ops(actor: User) -> None:
    require_program_ops(actor, _("Only program operations may change the learning catalogue."))


def _check_business_models(values) -> list[str]:
    unknown = sorted(set(values) - set(BusinessModel.values))
    if unknown:
        raise EnablementError(
            _("Unknown business models."),
            code="invalid",
            details={"business_models": [_("Unknown: %s") % ", ".join(unknown)]},
        )
    return list(dict.fromkeys(values))


def _save(obj, *, actor: User, verb: str, changes: dict, fields: tuple[str, ...]):
    unknown = set(changes) - set(fields)
    if unknown:
        raise TypeError(f"Not catalogue fields: {sorted(unknown)}")
    if "business_models" in changes:
        changes["business_models"] = _check_business_models(changes["business_models"])
    before = snapshot(obj, list(fields)) if obj.pk else {}
    for name, value in changes.items():
        setattr(obj, name, value)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(
            _("Another catalogue entry already uses this name or code."), code="duplicate"
        ) from exc
    logged = {k: (v.pk if hasattr(v, "pk") else v) for k, v in changes.items()}
    # The before and after of each changed field, for the history on the program pages.
    logged["changes"] = changes_between(before, snapshot(obj, list(fields)))
    record_event(obj, actor=actor, verb=verb, data=logged)
    return obj


@transaction.atomic
def create_track(*, actor: User, **fields) -> Track:
    _require_ops(actor)
    return _save(Track(), actor=actor, verb="track_created", changes=fields, fields=TRACK_FIELDS)


@transaction.atomic
def update_track(*, actor: User, track: Track, **changes) -> Track:
    _require_ops(actor)
    track = Track.objects.select_for_update().get(pk=track.pk)
    return _save(track, actor=actor, verb="track_updated", changes=changes, fields=TRACK_FIELDS)


@transaction.atomic
def create_course(*, actor: User, **fields) -> Course:
    _require_ops(actor)
    return _save(Course(), actor=actor, verb="course_created", changes=fields, fields=COURSE_FIELDS)


@transaction.atomic
def update_course(*, actor: User, course: Course, **changes) -> Course:
    _require_ops(actor)
    course = Course.objects.select_for_update().get(pk=course.pk)
    return _save(course, actor=actor, verb="course_updated", changes=changes, fields=COURSE_FIELDS)


def _check_certification(changes: dict, certification: Certification) -> None:
    """A sales, technical or developer certification is earned on a course for that role."""
    kind = changes.get("kind", certification.kind)
    course = changes.get("course", certification.course if certification.pk else None)
    if course is not None and kind != Certification.Kind.SPECIALTY and course.role != kind:
        raise EnablementError(
            _("A %(kind)s certification cannot be earned on a %(role)s course.")
            % {"kind": Certification.Kind(kind).label, "role": course.get_role_display()},
            code="invalid",
            details={"course": [_("Choose a %(kind)s course or no course.") % {
                "kind": Certification.Kind(kind).label}]},
        )  # fmt: skip
    if changes.get("validity_months", 1) < 1:
        raise EnablementError(
            _("A certification is valid for at least one month."),
            code="invalid",
            details={"validity_months": [_("At least one month.")]},
        )


@transaction.atomic
def create_certification(*, actor: User, **fields) -> Certification:
    _require_ops(actor)
    certification = Certification()
    _check_certification(fields, certification)
    return _save(
        certification, actor=actor, verb="certification_created", changes=fields,
        fields=CERTIFICATION_FIELDS,
    )  # fmt: skip


@transaction.atomic
def update_certification(*, actor: User, certification: Certification, **changes) -> Certification:
    """Change a certification; people who hold it keep the expiry dates they were given."""
    _require_ops(actor)
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    _check_certification(changes, certification)
    return _save(
        certification, actor=actor, verb="certification_updated", changes=changes,
        fields=CERTIFICATION_FIELDS,
    )  # fmt: skip
