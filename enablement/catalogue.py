"""Writes to the learning catalogue (tracks and their courses), for program ops. Reads go
through ``selectors.tracks_for``, the same as the portal's catalogue page.

Each write owns its transaction and leaves an audit row with the fields it changed.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from partners.models import BusinessModel
from prm.audit import record_event
from prm.exceptions import Conflict, PermissionDenied
from prm.models import User

from .exceptions import EnablementError
from .models import Course, Track

TRACK_FIELDS = ("name", "role", "business_models", "description", "position")
COURSE_FIELDS = ("track", "title", "code", "duration_minutes", "url", "role", "business_models")
COURSE_FIELDS += ("position",)


def _require_ops(actor: User) -> None:
    if not actor.is_program_ops:
        raise PermissionDenied(_("Only program operations may change the learning catalogue."))


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
