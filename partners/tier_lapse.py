"""What a person certification's lapse would break of its partner's tier: the requirements
met on its last valid day and not the day after, which it feeds (its kind, or its office or
region for the "every office / region" criteria). Enablement warns the partner ahead of the
lapse with these."""

import datetime as dt

from .models import Partner, TierRequirement
from .tier_progress import RequirementStanding, evaluate_requirement, provider_for, requirements_of


def would_break_tier(partner: Partner, person_certification) -> list[RequirementStanding]:
    """Requirements of the partner's current tier that this certification's lapse breaks: met
    on its last valid day, not met the day after, and fed by it (its kind, or its office or
    region for the "every office / region" criteria). Empty when someone else covers it, when
    it is renewed, or when the partner has no tier."""
    tier = partner.tier
    if tier is None:
        return []
    last_day = person_certification.expires_on
    broken = []
    for requirement in requirements_of(tier):
        if provider_for(requirement.metric) is None or not _fed_by(
            requirement, person_certification
        ):
            continue
        before = evaluate_requirement(partner, requirement, as_of=last_day)
        if not before.met:
            continue
        after = evaluate_requirement(partner, requirement, as_of=last_day + dt.timedelta(days=1))
        if after.met:
            continue
        newly_short = set(after.units_short) - set(before.units_short)
        unit = _unit_of(requirement, person_certification)
        if after.units_short and unit is not None and unit not in newly_short:
            continue
        broken.append(after)
    return broken


# Which certification kind feeds a "certified people / specialty" metric; the per-office and
# per-region metrics are fed by any kind.
KIND_OF_METRIC: dict[str, str] = {
    TierRequirement.Metric.CERTIFIED_SALES: "sales",
    TierRequirement.Metric.CERTIFIED_TECHNICAL: "technical",
    TierRequirement.Metric.CERTIFIED_DEVELOPERS: "developer",
    TierRequirement.Metric.SPECIALTY_CERTIFICATIONS: "specialty",
}
_PER_UNIT = {
    TierRequirement.Metric.CERTIFIED_PER_OFFICE,
    TierRequirement.Metric.CERTIFIED_PER_REGION,
}


def _fed_by(requirement: TierRequirement, person_certification) -> bool:
    if requirement.metric in KIND_OF_METRIC:
        return person_certification.certification.kind == KIND_OF_METRIC[requirement.metric]
    return requirement.metric in _PER_UNIT


def _unit_of(requirement: TierRequirement, person_certification) -> str | None:
    if requirement.metric == TierRequirement.Metric.CERTIFIED_PER_REGION:
        return person_certification.region or None
    if requirement.metric == TierRequirement.Metric.CERTIFIED_PER_OFFICE:
        office = person_certification.office
        return office.name if office is not None else None
    return None
