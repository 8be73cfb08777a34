"""Program configuration owned by the partners app: tiers and their requirements, program
agreements and the channel teams. Program ops only; every change is one audit row holding the
before and after of each changed field (``prm.audit.record_change``)."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_change, snapshot
from prm.exceptions import DomainError
from prm.models import ChannelTeam, User
from prm.notifications import notify
from prm.permissions import require_program_ops

from ..models import Agreement, BusinessModel, Partner, PartnerMembership, Tier, TierRequirement

TIER_FIELDS = [
    "name",
    "rank",
    "description",
    "benefits",
    "mdf_accrual_rate",
    "commission_multiplier",
]
TEAM_FIELDS = ["name", "segment", "lead", "business_models"]
AGREEMENT_FIELDS = ["version", "title", "body", "effective_at"]
# Metrics counted in whole people, certifications or deals: a fractional threshold is a typo.
WHOLE_NUMBER_METRICS = set(TierRequirement.Metric.values) - {TierRequirement.Metric.SOURCED_REVENUE}


class ProgramConfigError(DomainError):
    code = "invalid_configuration"


def require_ops(actor: User) -> None:
    require_program_ops(actor, _("Only program operations configure the program."))


def _full_clean(obj, **kwargs) -> None:
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise ProgramConfigError(_("Some values are not valid."), details=exc.message_dict) from exc


# --- Tiers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementRow:
    metric: str
    threshold: Decimal
    weight: int = 1
    position: int = 0


def describe_requirements(tier: Tier) -> list[str]:
    return [
        f"{r.metric} ≥ {r.threshold.normalize():f} (weight {r.weight}, order {r.position})"
        for r in tier.requirements.order_by("position", "pk")
    ]


def tier_snapshot(tier: Tier) -> dict:
    return {**snapshot(tier, TIER_FIELDS), "requirements": describe_requirements(tier)}


def check_requirements(rows: list[RequirementRow]) -> dict[str, str]:
    errors: dict[str, str] = {}
    metrics = [row.metric for row in rows]
    repeated = sorted({m for m in metrics if metrics.count(m) > 1})
    if repeated:
        errors["requirements"] = _("Each metric may appear once per tier; repeated: %(m)s.") % {
            "m": ", ".join(str(TierRequirement.Metric(m).label) for m in repeated)
        }
    for row in rows:
        if row.metric not in TierRequirement.Metric.values:
            errors["requirements"] = _("Unknown metric %(m)s.") % {"m": row.metric}
        elif row.threshold < 0:
            errors["requirements"] = _("A threshold cannot be negative.")
        elif row.metric in WHOLE_NUMBER_METRICS and row.threshold != row.threshold.to_integral():
            errors["requirements"] = _("“%(m)s” counts whole numbers; %(t)s is not one.") % {
                "m": TierRequirement.Metric(row.metric).label,
                "t": row.threshold,
            }
    return errors


def check_tier_ladder(tier: Tier) -> dict[str, str]:
    """A higher tier never earns less than a lower one: the MDF accrual rate and the commission
    multiplier must not fall as the rank rises."""
    errors: dict[str, str] = {}
    others = Tier.objects.exclude(pk=tier.pk)
    below = others.filter(rank__lt=tier.rank).order_by("-rank").first()
    above = others.filter(rank__gt=tier.rank).order_by("rank").first()
    for field, label in [
        ("mdf_accrual_rate", _("MDF accrual rate")),
        ("commission_multiplier", _("commission multiplier")),
    ]:
        value = Decimal(getattr(tier, field))
        if below is not None and value < getattr(below, field):
            errors[field] = _(
                "The %(label)s cannot be lower than that of %(tier)s (%(value)s), a lower tier."
            ) % {"label": label, "tier": below, "value": getattr(below, field).normalize()}
        elif above is not None and value > getattr(above, field):
            errors[field] = _(
                "The %(label)s cannot be higher than that of %(tier)s (%(value)s), a higher tier."
            ) % {"label": label, "tier": above, "value": getattr(above, field).normalize()}
    return errors


@transaction.atomic
def save_tier(
    *, actor: User, tier: Tier | None = None, requirements: list[RequirementRow] | None, **values
) -> Tier:
    """Create (``tier`` None) or change a tier with its whole list of requirements.

    The requirements given replace the stored ones (``None``: a change that keeps them, as an
    API change that does not send them). Partners keep their tier: the next tier review
    measures them against the new requirements."""
    require_ops(actor)
    unknown = sorted(set(values) - set(TIER_FIELDS))
    if unknown:
        raise ProgramConfigError(_("Unknown field(s): %(n)s.") % {"n": ", ".join(unknown)})
    creating = tier is None
    tier = Tier() if tier is None else Tier.objects.select_for_update().get(pk=tier.pk)
    before = {} if creating else tier_snapshot(tier)
    for name, value in values.items():
        setattr(tier, name, value)
    if requirements is None and creating:
        requirements = []
    errors = {**check_requirements(requirements or []), **check_tier_ladder(tier)}
    try:
        tier.full_clean()
    except ValidationError as exc:
        errors = {**{k: " ".join(v) for k, v in exc.message_dict.items()}, **errors}
    if errors:
        raise ProgramConfigError(_("The tier cannot be saved."), details=errors)
    tier.save()
    if requirements is not None:
        _replace_requirements(tier, requirements)
    verb = "tier.created" if creating else "tier.changed"
    record_change(tier, actor=actor, verb=verb, before=before, after=tier_snapshot(tier))
    return tier


def _replace_requirements(tier: Tier, rows: list[RequirementRow]) -> None:
    tier.requirements.all().delete()
    TierRequirement.objects.bulk_create(
        TierRequirement(
            tier=tier,
            metric=row.metric,
            threshold=row.threshold,
            weight=row.weight,
            position=row.position,
        )
        for row in rows
    )


@transaction.atomic
def delete_tier(*, actor: User, tier: Tier) -> None:
    """Remove a tier nobody holds or held (its history keeps the tier it names)."""
    require_ops(actor)
    if Partner.objects.filter(tier=tier).exists():
        raise ProgramConfigError(_("Partners are in this tier; move them before removing it."))
    before, pk = tier_snapshot(tier), tier.pk
    try:
        with transaction.atomic():
            tier.delete()
    except ProtectedError as exc:
        raise ProgramConfigError(
            _("Partners held this tier in the past; its history must stay. Rename it instead.")
        ) from exc
    tier.pk = pk  # the audit row names the removed tier by its old id
    record_change(tier, actor=actor, verb="tier.deleted", before=before, after={})


# --- Agreements --------------------------------------------------------------------------------


@transaction.atomic
def publish_agreement(
    *, actor: User, version: str, title: str, body: str, effective_at=None
) -> Agreement:
    """Publish a new version of the program agreement. From ``effective_at`` on it is the
    current one, and every partner must accept it again: their admins are told now."""
    require_ops(actor)
    effective_at = effective_at or timezone.now()
    agreement = Agreement(
        version=version.strip(), title=title.strip(), body=body.strip(), effective_at=effective_at
    )
    errors = {}
    latest = Agreement.objects.order_by("-effective_at").first()
    if latest is not None and effective_at <= latest.effective_at:
        errors["effective_at"] = _(
            "A new version must take effect after version %(v)s (%(when)s)."
        ) % {"v": latest.version, "when": latest.effective_at.date().isoformat()}
    try:
        agreement.full_clean()
    except ValidationError as exc:
        errors = {**{k: " ".join(v) for k, v in exc.message_dict.items()}, **errors}
    if errors:
        raise ProgramConfigError(_("The agreement cannot be published."), details=errors)
    agreement.save()
    record_change(
        agreement,
        actor=actor,
        verb="agreement.published",
        before={"current version": latest.version if latest else None},
        after={"current version": agreement.version, **snapshot(agreement, AGREEMENT_FIELDS)},
    )
    _tell_partner_admins(agreement)
    return agreement


def _tell_partner_admins(agreement: Agreement) -> None:
    admins = (
        User.objects.filter(
            memberships__role=PartnerMembership.Role.ADMIN,
            memberships__partner__status__in=[Partner.Status.ACTIVE, Partner.Status.ONBOARDING],
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )
    notify(
        admins,
        kind="partners.agreement_published",
        template="partners/email/agreement_published",
        context={"agreement": agreement},
        url=reverse("partners:my_partner"),
        dedupe_key=f"agreement:{agreement.pk}",
    )


# --- Channel teams -----------------------------------------------------------------------------


def check_team(team: ChannelTeam) -> dict[str, str]:
    errors: dict[str, str] = {}
    bad = [m for m in team.business_models if m not in BusinessModel.values]
    if bad:
        errors["business_models"] = _("Unknown business model(s): %(m)s.") % {"m": ", ".join(bad)}
    taken = []
    for other in ChannelTeam.objects.exclude(pk=team.pk).order_by("name"):
        for model in set(other.business_models) & set(team.business_models):
            taken.append(f"{BusinessModel(model).label} ({other.name})")
    if taken:
        errors["business_models"] = _(
            "Each business model is served by one team; already served: %(list)s."
        ) % {"list": ", ".join(sorted(taken))}
    if team.lead is not None and not team.lead.is_internal:
        errors["lead"] = _("The team lead must be a member of the vendor's staff.")
    return errors


@transaction.atomic
def save_channel_team(*, actor: User, team: ChannelTeam | None = None, **values) -> ChannelTeam:
    require_ops(actor)
    unknown = sorted(set(values) - set(TEAM_FIELDS))
    if unknown:
        raise ProgramConfigError(_("Unknown field(s): %(n)s.") % {"n": ", ".join(unknown)})
    creating = team is None
    team = (
        ChannelTeam() if team is None else ChannelTeam.objects.select_for_update().get(pk=team.pk)
    )
    before = {} if creating else snapshot(team, TEAM_FIELDS)
    for name, value in values.items():
        setattr(team, name, value)
    errors = check_team(team)
    try:
        team.full_clean()
    except ValidationError as exc:
        errors = {**{k: " ".join(v) for k, v in exc.message_dict.items()}, **errors}
    if errors:
        raise ProgramConfigError(_("The team cannot be saved."), details=errors)
    team.save()
    verb = "channel_team.created" if creating else "channel_team.changed"
    record_change(team, actor=actor, verb=verb, before=before, after=snapshot(team, TEAM_FIELDS))
    return team
