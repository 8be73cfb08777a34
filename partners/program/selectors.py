"""Reads for the program configuration pages: the tier preview, agreement acceptance, team
coverage and the change history of a configured object."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from prm.audit import events_for
from prm.models import AuditEvent, ChannelTeam

from ..models import Agreement, BusinessModel, Partner, Tier, TierRequirement
from ..selectors import current_agreement
from ..tier_progress import measure_many, requirement_standing

HISTORY_LENGTH = 20


def history_for(obj) -> QuerySet[AuditEvent]:
    """The latest changes to ``obj``, newest first, for the history beside its form."""
    return events_for(obj).order_by("-created_at", "-id")[:HISTORY_LENGTH]


def tiers_with_counts() -> QuerySet[Tier]:
    return Tier.objects.annotate(
        partner_count=Count(
            "partners", filter=Q(partners__status=Partner.Status.ACTIVE), distinct=True
        ),
        requirement_count=Count("requirements", distinct=True),
    ).order_by("rank")


@dataclass(frozen=True)
class TierPreviewRow:
    tier: Tier
    edited: bool
    current_partners: int
    would_meet: int


def tier_preview(
    edited: Tier | None, requirements: list[TierRequirement], *, partners=None
) -> list[TierPreviewRow]:
    """How many active partners would meet each tier if ``edited`` (a tier being edited, or a
    new one) had ``requirements``. The other tiers keep their stored requirements. Each
    metric is measured once for all partners (``measure_many``); a tier without requirements
    is met by everyone."""
    partners = list(partners if partners is not None else _active_partners())
    tiers = list(Tier.objects.all())
    if edited is not None and edited.pk is not None:
        tiers = [tier for tier in tiers if tier.pk != edited.pk]
    requirement_sets = {tier.pk: list(tier.requirements.all()) for tier in tiers}
    rows = [(tier, requirement_sets[tier.pk], False) for tier in tiers]
    if edited is not None:
        rows.append((edited, requirements, True))
    metrics = {r.metric for _tier, reqs, _e in rows for r in reqs}
    measured = {metric: measure_many(metric, partners) for metric in sorted(metrics)}
    holders = dict(
        Partner.objects.filter(status=Partner.Status.ACTIVE, tier__isnull=False)
        .values_list("tier_id")
        .annotate(n=Count("pk"))
    )
    result = []
    for tier, reqs, is_edited in sorted(rows, key=lambda row: row[0].rank or 0):
        meeting = sum(1 for partner in partners if _meets(partner, reqs, measured))
        result.append(
            TierPreviewRow(tier, is_edited, holders.get(tier.pk, 0) if tier.pk else 0, meeting)
        )
    return result


def _meets(partner: Partner, requirements: list[TierRequirement], measured: dict) -> bool:
    for requirement in requirements:
        values = measured[requirement.metric]
        value = None if values is None else values.get(partner.pk)
        if not requirement_standing(requirement, value).met:
            return False
    return True


def _active_partners() -> QuerySet[Partner]:
    return Partner.objects.filter(status=Partner.Status.ACTIVE).select_related("tier")


@dataclass(frozen=True)
class AgreementRow:
    agreement: Agreement
    is_current: bool
    is_scheduled: bool
    accepted: int


def agreement_rows() -> list[AgreementRow]:
    current = current_agreement()
    agreements = Agreement.objects.annotate(accepted=Count("acceptances")).order_by("-effective_at")
    return [
        AgreementRow(
            agreement,
            is_current=current is not None and agreement.pk == current.pk,
            is_scheduled=current is None or agreement.effective_at > current.effective_at,
            accepted=agreement.accepted,
        )
        for agreement in agreements
    ]


def partners_to_accept(agreement: Agreement | None = None) -> int:
    """Active and onboarding partners that have not accepted the current agreement."""
    agreement = agreement or current_agreement()
    if agreement is None:
        return 0
    return (
        Partner.objects.filter(status__in=[Partner.Status.ACTIVE, Partner.Status.ONBOARDING])
        .exclude(acceptances__agreement=agreement)
        .count()
    )


def teams_with_counts() -> QuerySet[ChannelTeam]:
    return (
        ChannelTeam.objects.select_related("lead")
        .annotate(partner_count=Count("partners"))
        .order_by("name")
    )


def unserved_business_models() -> list[str]:
    """Business models no team serves: their partners have nobody aligned to them."""
    served = {m for team in ChannelTeam.objects.all() for m in team.business_models}
    return [str(label) for value, label in BusinessModel.choices if value not in served]
