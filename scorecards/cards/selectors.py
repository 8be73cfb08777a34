"""Reads for partner scorecards, scoped per user: program ops see every scorecard, a channel
account manager their assigned partners', a partner's people their own partner's only."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from partners.selectors import focus_list, partner_access
from prm.charts import Chart, Series
from prm.db_routers import reporting_reads
from prm.models import User

from .criteria import Criterion, Health, Source
from .models import CamRating, Scorecard, ScorecardRun, ScorecardTemplate, TemplateCriterion

TREND_QUARTERS = 4


def partners_to_score() -> QuerySet[Partner]:
    return Partner.objects.filter(status=Partner.Status.ACTIVE)


def templates_by_business_model() -> dict[str, ScorecardTemplate]:
    """Every template with its criteria, keyed by business model ("" for the default)."""
    criteria = Prefetch("criteria", queryset=TemplateCriterion.objects.order_by("position", "id"))
    return {t.business_model: t for t in ScorecardTemplate.objects.prefetch_related(criteria)}


def templates_visible_to(user: User) -> QuerySet[ScorecardTemplate]:
    if not getattr(user, "is_authenticated", False) or not user.is_program_ops:
        return ScorecardTemplate.objects.none()
    return ScorecardTemplate.objects.prefetch_related("criteria").select_related("updated_by")


def get_template_for_user(user: User, pk) -> ScorecardTemplate:
    return get_object_or_404(templates_visible_to(user), pk=pk)


def template_as_data(template: ScorecardTemplate) -> dict:
    """A template as plain data, for the audit trail of its changes."""
    return {
        "name": template.name,
        "business_model": template.business_model,
        "green_from": template.green_from,
        "amber_from": template.amber_from,
        "criteria": [
            {
                "criterion": c.criterion,
                "source": c.source,
                "weight": c.weight,
                "target": None if c.target is None else str(c.target),
            }
            for c in template.criteria.order_by("position", "id")
        ],
    }


def ratings_by_card(card_ids: Iterable[int]) -> dict[int, dict[str, CamRating]]:
    found: dict[int, dict[str, CamRating]] = defaultdict(dict)
    for rating in CamRating.objects.filter(scorecard_id__in=list(card_ids)):
        found[rating.scorecard_id][rating.criterion] = rating
    return found


def scorecards_visible_to(user: User) -> QuerySet[Scorecard]:
    base = Scorecard.objects.select_related("partner", "partner__channel_manager")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user.is_program_ops:
        return base
    if user.is_channel_manager:
        return base.filter(partner__channel_manager=user)
    # A partner's people see their own partner's scorecard (a distributor not its resellers').
    ids = partner_access(user).member_of
    return base.filter(partner_id__in=ids) if ids else base.none()


def get_scorecard_for_user(user: User, pk) -> Scorecard:
    return get_object_or_404(scorecards_visible_to(user), pk=pk)


def latest_scorecard_for_user(user: User) -> Scorecard | None:
    return scorecards_visible_to(user).order_by("-period_start", "partner_id").first()


def quarters_visible_to(user: User) -> list[str]:
    rows = scorecards_visible_to(user).order_by("-period_start").values_list("quarter", flat=True)
    return list(dict.fromkeys(rows))


def search_scorecards(
    user: User, *, quarter: str = "", health: str = "", partner: str = ""
) -> QuerySet[Scorecard]:
    cards = scorecards_visible_to(user)
    if quarter:
        cards = cards.filter(quarter=quarter)
    if health:
        cards = cards.filter(health=health)
    if partner:
        cards = cards.filter(partner__display_name__matches=partner)
    return cards.order_by("-period_start", "partner__display_name", "pk")


def may_rate(user: User | None, card: Scorecard) -> bool:
    """Only the partner's own channel account manager rates its scorecard."""
    return bool(
        user is not None
        and user.is_active
        and user.is_channel_manager
        and card.partner.channel_manager_id == user.pk
    )


def rated_criteria(card: Scorecard) -> list[tuple[str, str]]:
    return [(r["criterion"], r["label"]) for r in card.criteria if r["source"] == Source.RATED]


@dataclass
class TrendPoint:
    quarter: str
    score: Decimal | None
    health: str
    change: Decimal | None = None  # against the quarter before it


def trend_of(card: Scorecard, *, quarters: int = TREND_QUARTERS) -> list[TrendPoint]:
    """The partner's scores of the earlier quarters up to this one, oldest first, each with
    its change against the one before."""
    rows = list(
        Scorecard.objects.filter(partner_id=card.partner_id, period_start__lte=card.period_start)
        .order_by("-period_start")
        .values_list("quarter", "score", "health")[: quarters + 1]
    )[::-1]
    points: list[TrendPoint] = []
    for quarter, score, health in rows:
        before = points[-1].score if points else None
        change = score - before if score is not None and before is not None else None
        points.append(TrendPoint(quarter, score, health, change))
    return points


def trend_chart(points: list[TrendPoint]) -> Chart:
    """The partner's score by quarter as a line; the summary's trend table is its table."""
    return Chart(
        key="scorecard_trend",
        title=str(_("Score by quarter")),
        labels=[point.quarter for point in points],
        series=[Series(str(_("Score")), [point.score for point in points])],
        unit="%",
        y_range=(0, 100),
    )


@dataclass
class Obligation:
    label: str
    done: int | None
    total: int | None

    @property
    def applies(self) -> bool:
        return self.total is None or self.total > 0


def obligations_of(card: Scorecard) -> list[Obligation]:
    """The vendor's side of the scorecard, in the order the page shows it."""
    o = card.obligations or {}

    def pair(key):
        value = o.get(key) or {}
        return value.get("done", 0), value.get("total", 0)

    return [
        Obligation("Business plan check-ins held", *pair("checkins")),
        Obligation("MDF paid within 30 days of claim approval", *pair("mdf_payments")),
        Obligation("Deal decisions within the SLA", *pair("deal_decisions")),
        Obligation("Leads passed to the partner", o.get("leads_passed", 0), None),
    ]


@dataclass
class ScorecardSummary:
    """One partner's scorecard for a quarter, as plain figures (the quarterly business review
    PDF includes it with ``templates/scorecards/cards/_summary.html``)."""

    partner: Partner
    quarter: str
    found: bool
    score: Decimal | None = None
    health: str = Health.UNKNOWN
    green_from: int = 0
    amber_from: int = 0
    criteria: list[dict] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)


def scorecard_summary(partner: Partner, quarter: str) -> ScorecardSummary:
    """The figures of ``partner``'s scorecard for ``quarter`` (``FY2027-Q1``); ``found`` is
    False when none was computed. The caller has checked the reader may see the partner."""
    card = Scorecard.objects.filter(partner=partner, quarter=quarter).first()
    if card is None:
        return ScorecardSummary(partner=partner, quarter=quarter, found=False)
    return ScorecardSummary(
        partner=partner,
        quarter=quarter,
        found=True,
        score=card.score,
        health=card.health,
        green_from=card.green_from,
        amber_from=card.amber_from,
        criteria=card.criteria,
        obligations=obligations_of(card),
        trend=trend_of(card),
    )


# --- The channel account manager's focus view -------------------------------------------


POTENTIAL_BANDS = [("high", 64), ("medium", 27), ("low", 1)]
HEALTH_ORDER = [Health.GREEN, Health.AMBER, Health.RED, Health.UNKNOWN]


@dataclass
class FocusCell:
    potential: str
    health: str
    advice: str
    partners: list = field(default_factory=list)


ADVICE: dict[tuple[str, str], Promise] = {
    ("high", Health.GREEN): _("Grow: co-sell and plan bigger"),
    ("high", Health.AMBER): _("Invest: close the gaps"),
    ("high", Health.RED): _("Invest first: strong potential, not realised"),
    ("medium", Health.GREEN): _("Keep momentum"),
    ("medium", Health.AMBER): _("Coach on the weak criteria"),
    ("medium", Health.RED): _("Find the blocker"),
    ("low", Health.GREEN): _("Maintain with light touch"),
    ("low", Health.AMBER): _("Self-service"),
    ("low", Health.RED): _("Review the fit"),
}
NOT_ASSESSED = _("Assess Scale, Skill and Will")
NOT_SCORED = _("Complete the scorecard: rate the criteria only you can judge")


def advice(potential: str, health: str) -> str:
    """What a channel account manager should do with the partners of one cell of the grid."""
    if potential == "unassessed":
        return str(NOT_ASSESSED)
    return str(ADVICE.get((potential, health), NOT_SCORED))


def potential_band(focus_score: int | None) -> str:
    if focus_score is None:
        return "unassessed"
    return next(name for name, floor in POTENTIAL_BANDS if focus_score >= floor)


@reporting_reads()
def focus_grid(user: User, *, quarter: str) -> list[list[FocusCell]]:
    """The user's partners placed by Scale × Skill × Will (rows: high, medium, low potential,
    then unassessed) against the health of their ``quarter`` scorecard (columns)."""
    partners = list(focus_list(user))
    cards = {
        partner_id: (health, pk)
        for partner_id, health, pk in scorecards_visible_to(user)
        .filter(quarter=quarter, partner__in=[p.pk for p in partners])
        .values_list("partner_id", "health", "pk")
    }
    rows = ["high", "medium", "low", "unassessed"]
    grid: dict[tuple[str, str], FocusCell] = {
        (r, h): FocusCell(r, h, advice(r, h)) for r in rows for h in HEALTH_ORDER
    }
    for partner in partners:
        # Annotated by focus_list: the latest Scale × Skill × Will; the card to link to.
        health, card_id = cards.get(partner.pk, (Health.UNKNOWN, None))
        partner.card_id = card_id  # type: ignore[attr-defined]
        band = potential_band(partner.focus_score)  # type: ignore[attr-defined]
        grid[(band, health)].partners.append(partner)
    return [[grid[(r, h)] for h in HEALTH_ORDER] for r in rows]


def runs_visible_to(user: User) -> QuerySet[ScorecardRun]:
    if not getattr(user, "is_authenticated", False) or not user.is_program_ops:
        return ScorecardRun.objects.none()
    return ScorecardRun.objects.select_related("started_by")


def get_run_for_user(user: User, pk) -> ScorecardRun:
    return get_object_or_404(runs_visible_to(user), pk=pk)


CRITERIA_LABELS = dict(Criterion.choices)
