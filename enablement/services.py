"""Writes to certifications and tier evidence. One function per use case; each locks what it
changes, writes an audit row and sends notifications only after the transaction commits."""

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Office, Partner, PartnerMembership
from partners.tier_lapse import would_break_tier
from prm.audit import changes_between, record_event
from prm.exceptions import PermissionDenied
from prm.locks import lock
from prm.models import User
from prm.notifications import notify, resolve
from prm.permissions import require_program_ops
from prm.webhooks import publish

from .exceptions import EnablementError, ExternalIdConflict, InvalidCompletion, NotAPartnerMember
from .models import (
    Certification,
    EnablementSettings,
    PersonCertification,
)
from .selectors import holders_of, region_for

Status = PersonCertification.Status

KIND_EARNED = "enablement.certification_earned"
KIND_EXPIRING = "enablement.certification_expiring"
KIND_EXPIRED = "enablement.certification_expired"


def expiry_date(certification: Certification, earned_on: dt.date) -> dt.date:
    """``validity_months`` after the day it was earned; valid through that day."""
    return earned_on + relativedelta(months=certification.validity_months)


def status_on(expires_on: dt.date, today: dt.date, warning_days: int) -> str:
    if expires_on < today:
        return Status.EXPIRED
    if expires_on <= today + dt.timedelta(days=warning_days):
        return Status.EXPIRING
    return Status.ACTIVE


# --- Completions ------------------------------------------------------------------------------


def _check_may_record(actor: User | None) -> None:
    # ``None`` is the system (the import command, a scheduled job). API keys act as ops
    # service accounts when they are not bound to a partner; bound keys cannot record.
    if actor is not None and not actor.is_program_ops:
        raise PermissionDenied(_("Only program operations record certification completions."))


@dataclass(frozen=True)
class Holder:
    """Where a completion is counted: the person's partner and office."""

    partner: Partner
    office: Office | None


def resolve_holder(
    *,
    user: User,
    partner: Partner | int | None = None,
    office: Office | None = None,
    office_name: str = "",
) -> Holder:
    """The partner and office a completion of ``user`` counts for: the one rule for the portal
    form, the API and the CSV import.

    The partner is the one given, else the partner of the office given (by row or by name among
    the person's partners), else the person's only partner; a person in several partners must
    say which. The office is the one given, else the person's office in that partner. Errors
    name the field (``partner`` or ``office``) in ``details``. Terminated partners do not count.
    ``partner`` may be a row or an id (as the API receives it).
    """
    partner_id = partner.pk if isinstance(partner, Partner) else partner
    memberships = {
        m.partner_id: m
        for m in PartnerMembership.objects.select_related("partner", "office")
        .filter(user=user)
        .exclude(partner__status=Partner.Status.TERMINATED)
    }
    if not memberships:
        raise NotAPartnerMember(
            _("%(user)s is not a member of any partner.") % {"user": user.email},
            details={"email": _("This person is not a member of any partner.")},
        )
    if partner_id is not None and partner_id not in memberships:
        terminated = Partner.objects.filter(pk=partner_id, status=Partner.Status.TERMINATED)
        if terminated.filter(memberships__user=user).exists():
            raise InvalidCompletion(
                _("%(partner)s is terminated.") % {"partner": terminated.get()},
                details={"partner": _("This partner is terminated.")},
            )
        named = Partner.objects.filter(pk=partner_id).first()
        message = _("%(user)s is not a member of %(partner)s.") % {
            "user": user.email,
            "partner": named or _("this partner"),
        }
        raise NotAPartnerMember(message, details={"partner": message})
    office_name = (office_name or "").strip()
    if office is None and office_name:
        office = _office_named(office_name, partner_id or None, list(memberships))
    if office is not None:
        if office.partner_id not in memberships:
            message = _("The person is not a member of %(partner)s, the partner of this office.")
            raise InvalidCompletion(
                message % {"partner": office.partner},
                details={"office": message % {"partner": office.partner}},
            )
        if partner_id not in (None, office.partner_id):
            raise InvalidCompletion(
                _("The office %(office)s belongs to another partner.") % {"office": office.name},
                details={"office": _("This office belongs to another partner.")},
            )
        partner_id = office.partner_id
    if partner_id is None:
        if len(memberships) != 1:
            raise InvalidCompletion(
                _("Give the partner: the person belongs to %(n)s partners.")
                % {"n": len(memberships)},
                details={"partner": _("Give the partner: the person belongs to several.")},
            )
        (partner_id,) = memberships
    membership = memberships[partner_id]
    return Holder(partner=membership.partner, office=office or membership.office)


def _office_named(name: str, partner_id: int | None, partner_ids: list[int]) -> Office:
    offices = list(
        Office.objects.filter(
            partner_id__in=[partner_id] if partner_id else partner_ids, name__iexact=name
        )[:2]
    )
    if not offices:
        raise InvalidCompletion(
            _("No office named %(office)s at the person's partner.") % {"office": name},
            details={"office": _("The person's partner has no office of this name.")},
        )
    if len(offices) > 1:
        raise InvalidCompletion(
            _("Give the partner: several of the person's partners have an office %(office)s.")
            % {"office": name},
            details={"partner": _("Give the partner: the office name is not unique.")},
        )
    return offices[0]


def _existing_completion(
    *, user: User, certification: Certification, earned_on: dt.date, external_id: str
) -> PersonCertification | None:
    if external_id:
        same_id = PersonCertification.objects.filter(external_id=external_id).first()
        if same_id is not None:
            if (same_id.user_id, same_id.certification_id, same_id.earned_on) != (
                user.pk,
                certification.pk,
                earned_on,
            ):
                raise ExternalIdConflict(
                    _("External id %(id)s was already used for another completion.")
                    % {"id": external_id},
                    details={"external_id": external_id, "existing": same_id.pk},
                )
            return same_id
    return PersonCertification.objects.filter(
        user=user, certification=certification, earned_on=earned_on
    ).first()


@transaction.atomic
def record_completion(
    *,
    actor: User | None,
    user: User,
    certification: Certification,
    earned_on: dt.date,
    partner: Partner | int | None = None,
    office: Office | None = None,
    office_name: str = "",
    source: str,
    external_id: str = "",
) -> tuple[PersonCertification, bool]:
    """Record that ``user`` earned ``certification`` on ``earned_on``; returns (row, created).

    The partner and office are resolved by ``resolve_holder`` from what the caller knows.

    Idempotent: the same completion (same person, certification and day, or the same external
    id) changes nothing and returns the existing row. A newer completion of a certification the
    person already holds marks the older rows ``renewed``; an older one arriving late is stored
    as ``renewed`` straight away.
    """
    _check_may_record(actor)
    external_id = (external_id or "").strip()
    today = timezone.localdate()
    if earned_on > today:
        raise InvalidCompletion(_("The completion date is in the future."))
    holder = resolve_holder(user=user, partner=partner, office=office, office_name=office_name)
    partner, office = holder.partner, holder.office
    # Serialise completions of one person: two imports of the same row must not both insert.
    lock(User, user.pk)
    existing = _existing_completion(
        user=user, certification=certification, earned_on=earned_on, external_id=external_id
    )
    if existing is not None:
        return existing, False

    expires_on = expiry_date(certification, earned_on)
    history = PersonCertification.objects.select_for_update().filter(
        user=user, certification=certification
    )
    superseded = history.filter(earned_on__gt=earned_on).exists()
    warning_days = EnablementSettings.current().expiry_warning_days
    status = Status.RENEWED if superseded else status_on(expires_on, today, warning_days)
    try:
        with transaction.atomic():
            person_certification = PersonCertification.objects.create(
                user=user,
                partner=partner,
                office=office,
                region=region_for(partner, office),
                certification=certification,
                earned_on=earned_on,
                expires_on=expires_on,
                status=status,
                source=source,
                external_id=external_id,
            )
    except IntegrityError:
        # The unique constraints caught a completion recorded since our look-up.
        existing = _existing_completion(
            user=user, certification=certification, earned_on=earned_on, external_id=external_id
        )
        if existing is None:
            raise
        return existing, False
    record_event(
        person_certification,
        actor=actor,
        verb="certification.recorded",
        to_state=status,
        data={"source": source, "external_id": external_id, "expires_on": str(expires_on)},
    )
    if superseded:
        return person_certification, True
    for older in history.filter(earned_on__lt=earned_on).exclude(status=Status.RENEWED):
        _mark_renewed(older, by=person_certification, actor=actor)
    if status in PersonCertification.CURRENT:  # no congratulations for a lapsed historic row
        notify(
            [user],
            kind=KIND_EARNED,
            template="enablement/email/certification_earned",
            context={"pc": person_certification},
            url=person_certification.get_absolute_url(),
        )
    return person_certification, True


def _mark_renewed(older: PersonCertification, *, by: PersonCertification, actor) -> None:
    previous = older.move_to(Status.RENEWED)
    older.save(update_fields=["status", "updated_at"])
    resolve(older.get_absolute_url(), (KIND_EXPIRING,))  # renewed: what the warning asked
    record_event(
        older,
        actor=actor,
        verb="certification.renewed",
        from_state=previous,
        to_state=Status.RENEWED,
        reason=_("Renewed by the completion of %(day)s.") % {"day": by.earned_on},
        rule="newer_completion",
        data={"renewed_by": by.pk},
    )


# --- Daily status refresh ----------------------------------------------------------------------


@dataclass
class RefreshSummary:
    today: dt.date
    expiring: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)

    def __str__(self):
        return _("%(day)s: %(expiring)s now expiring, %(expired)s now expired.") % {
            "day": self.today,
            "expiring": len(self.expiring),
            "expired": len(self.expired),
        }


def refresh_certification_statuses(*, today: dt.date | None = None) -> RefreshSummary:
    """Move certifications to ``expiring`` (within the warning window) and ``expired`` (past
    ``expires_on``), warning the person, the partner admins and the CAM once per change.

    Each row changes in its own transaction, so one failure does not undo the others and a
    second run the same day finds nothing left to change.
    """
    today = today or timezone.localdate()
    warning_days = EnablementSettings.current().expiry_warning_days
    summary = RefreshSummary(today)
    due = PersonCertification.objects.filter(
        status__in=PersonCertification.CURRENT,
        expires_on__lte=today + dt.timedelta(days=warning_days),
    ).exclude(status=Status.EXPIRING, expires_on__gte=today)
    for pk in due.order_by("pk").values_list("pk", flat=True).iterator():
        changed_to = _refresh_one(pk, today=today, warning_days=warning_days)
        if changed_to == Status.EXPIRING:
            summary.expiring.append(pk)
        elif changed_to == Status.EXPIRED:
            summary.expired.append(pk)
    return summary


@transaction.atomic
def _refresh_one(pk: int, *, today: dt.date, warning_days: int) -> str | None:
    pc = lock(PersonCertification, pk)
    if pc.status not in PersonCertification.CURRENT:
        return None
    target = status_on(pc.expires_on, today, warning_days)
    if target == pc.status or not pc.can_move_to(target):
        # A shorter warning window never turns "expiring" back to "active": warned is warned.
        return None
    previous = pc.move_to(target)
    pc.save(update_fields=["status", "updated_at"])
    if target == Status.EXPIRED:  # too late to renew before it expires: told it expired instead
        resolve(pc.get_absolute_url(), (KIND_EXPIRING,))
    record_event(
        pc,
        actor=None,
        verb="certification.status_changed",
        from_state=previous,
        to_state=target,
        rule=f"expiry_warning_days={warning_days}",
        data={"expires_on": str(pc.expires_on)},
    )
    if target == Status.EXPIRING:
        publish("certification.expiring", pc, partner=pc.partner_id)
    else:
        publish("certification.expired", pc, partner=pc.partner_id)
    _warn(pc, target)
    return target


def _warn(pc: PersonCertification, target: str) -> None:
    pc = PersonCertification.objects.select_related(
        "user", "partner", "partner__tier", "partner__channel_manager", "certification"
    ).get(pk=pc.pk)
    broken = would_break_tier(pc.partner, pc)
    expiring = target == Status.EXPIRING
    notify(
        holders_of(pc),
        kind=KIND_EXPIRING if expiring else KIND_EXPIRED,
        template=(
            "enablement/email/certification_expiring"
            if expiring
            else "enablement/email/certification_expired"
        ),
        context={
            "pc": pc,
            "tier": pc.partner.tier,
            "broken": [b.label for b in broken],
        },
        url=pc.get_absolute_url(),
    )


@transaction.atomic
def update_enablement_settings(*, actor: User, expiry_warning_days: int) -> EnablementSettings:
    require_program_ops(actor, _("Only program operations change enablement settings."))
    _check_warning_days(expiry_warning_days)
    settings_row = EnablementSettings.current()
    previous = settings_row.expiry_warning_days
    settings_row.expiry_warning_days = expiry_warning_days
    settings_row.save()
    record_event(
        settings_row,
        actor=actor,
        verb="enablement.settings_changed",
        from_state=str(previous),
        to_state=str(expiry_warning_days),
        data={
            "changes": changes_between(
                {"expiry_warning_days": previous}, {"expiry_warning_days": expiry_warning_days}
            )
        },
    )
    return settings_row


def _check_warning_days(days: int) -> None:
    """1–365 days, and shorter than the shortest certification validity: a warning period as
    long as the certification would warn the day it is earned."""
    if not 1 <= days <= 365:
        raise EnablementError(
            _("Warn between 1 and 365 days before expiry."),
            code="invalid",
            details={"expiry_warning_days": [_("Between 1 and 365 days.")]},
        )
    shortest = Certification.objects.order_by("validity_months").first()
    if shortest is not None and days >= shortest.validity_months * 28:
        limit = shortest.validity_months * 28
        message = _(
            "“%(name)s” is valid for %(months)s months: warn fewer than %(days)s days ahead."
        ) % {"name": shortest, "months": shortest.validity_months, "days": limit}
        raise EnablementError(message, code="invalid", details={"expiry_warning_days": [message]})
