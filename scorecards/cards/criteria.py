"""The twelve scorecard criteria of the handbook and how a value becomes a score.

Each criterion is either measured from the data (``MEASURES`` says what is counted and what
value earns full marks by default) or rated 1-5 by the partner's channel account manager. A
criterion without data is *missing*: it is shown as such and left out of the weighted score,
never counted as zero.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Criterion(models.TextChoices):
    SOURCED_BOOKINGS = "sourced_bookings", _("Sourced bookings")
    INFLUENCED_BUSINESS = "influenced_business", _("Influenced business")
    REGISTERED_DEAL_FLOW = "registered_deal_flow", _("Registered deal flow")
    PIPELINE_HEALTH = "pipeline_health", _("Pipeline health and predictability")
    SALES_EXPERTISE = "sales_expertise", _("Sales expertise")
    TECHNICAL_EXPERTISE = "technical_expertise", _("Technical expertise and delivery")
    JOINT_MARKETING = "joint_marketing", _("Joint marketing contribution")
    GEOGRAPHIC_COVERAGE = "geographic_coverage", _("Geographic coverage")
    INDUSTRY_COVERAGE = "industry_coverage", _("Industry coverage")
    QUALITY_OF_DELIVERY = "quality_of_delivery", _("Quality of delivery")
    CUSTOMER_SATISFACTION = "customer_satisfaction", _("Customer satisfaction")
    COMMUNICATION = "communication", _("Communication and responsiveness")


class Source(models.TextChoices):
    COMPUTED = "computed", _("Measured from the data")
    RATED = "rated", _("Rated by the channel account manager (1-5)")


class Health(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")
    UNKNOWN = "unknown", _("Not enough data")


@dataclass(frozen=True)
class Measure:
    """What the data says about a criterion: the unit, the default value for full marks,
    whether less is better (response times), and how it is measured (shown on the page)."""

    unit: str | Promise
    target: Decimal
    explanation: str | Promise
    lower_is_better: bool = False


MEASURES: dict[str, Measure] = {
    Criterion.SOURCED_BOOKINGS: Measure(
        "USD",
        Decimal(100000),
        _("Won partner-sourced deals closed in the quarter, in USD."),
    ),
    Criterion.INFLUENCED_BUSINESS: Measure(
        "USD",
        Decimal(50000),
        _("Won partner-influenced deals closed in the quarter, in USD."),
    ),
    Criterion.REGISTERED_DEAL_FLOW: Measure(
        _("registrations"), Decimal(6), _("Deals first registered in the quarter.")
    ),
    Criterion.PIPELINE_HEALTH: Measure(
        "%", Decimal(50), _("Win rate of the registered deals closed (won or lost) in the quarter.")
    ),
    Criterion.SALES_EXPERTISE: Measure(
        _("people"), Decimal(3), _("People holding a current sales certification at quarter end.")
    ),
    Criterion.TECHNICAL_EXPERTISE: Measure(
        _("people"),
        Decimal(3),
        _("People holding a current technical or developer certification at quarter end."),
    ),
    Criterion.JOINT_MARKETING: Measure(
        _("activities"), Decimal(2), _("MDF activities whose claim was approved in the quarter.")
    ),
    Criterion.GEOGRAPHIC_COVERAGE: Measure(
        _("countries"), Decimal(3), _("Countries of the deals registered in the last 12 months.")
    ),
    Criterion.INDUSTRY_COVERAGE: Measure(
        _("industries"), Decimal(3), _("Industries of the deals registered in the last 12 months.")
    ),
    Criterion.QUALITY_OF_DELIVERY: Measure(
        _("references"), Decimal(2), _("Approved reference implementations.")
    ),
    Criterion.COMMUNICATION: Measure(
        _("hours"),
        Decimal(24),
        _(
            "Median hours to answer a lead offered in the quarter (a lead left to lapse "
            "counts as the whole acceptance window)."
        ),
        lower_is_better=True,
    ),
}

# The handbook's default weights: delivery and commitment weigh as much as bookings.
DEFAULT_WEIGHTS: dict[str, int] = {
    Criterion.SOURCED_BOOKINGS: 15,
    Criterion.INFLUENCED_BUSINESS: 5,
    Criterion.REGISTERED_DEAL_FLOW: 10,
    Criterion.PIPELINE_HEALTH: 10,
    Criterion.SALES_EXPERTISE: 10,
    Criterion.TECHNICAL_EXPERTISE: 10,
    Criterion.JOINT_MARKETING: 5,
    Criterion.GEOGRAPHIC_COVERAGE: 5,
    Criterion.INDUSTRY_COVERAGE: 5,
    Criterion.QUALITY_OF_DELIVERY: 10,
    Criterion.CUSTOMER_SATISFACTION: 10,
    Criterion.COMMUNICATION: 5,
}

HUNDRED = Decimal(100)
ONE_PLACE = Decimal("0.1")


def is_measurable(criterion: str) -> bool:
    return criterion in MEASURES


def value_score(value: Decimal, target: Decimal, *, lower_is_better: bool = False) -> Decimal:
    """0-100: the share of the target reached (capped), or for "less is better" criteria the
    target's share of the value (an answer in half the target time still scores 100)."""
    if target <= 0:
        return HUNDRED
    if lower_is_better:
        ratio = HUNDRED if value <= target else target * HUNDRED / value
    else:
        ratio = min(HUNDRED, max(Decimal(0), value) * HUNDRED / target)
    return ratio.quantize(ONE_PLACE, ROUND_HALF_UP)


def rating_score(rating: int) -> Decimal:
    """A 1-5 rating on the same 0-100 scale: 1 is 20, 5 is 100."""
    return Decimal(rating * 20).quantize(ONE_PLACE)


def weighted_score(rows: list[dict]) -> Decimal | None:
    """The weighted mean of the scores present; None when no criterion has data."""
    counted = [row for row in rows if row.get("score") is not None and row["weight"] > 0]
    total_weight = sum(row["weight"] for row in counted)
    if not total_weight:
        return None
    total = sum(Decimal(row["score"]) * row["weight"] for row in counted)
    return (total / total_weight).quantize(ONE_PLACE, ROUND_HALF_UP)


def health_of(score: Decimal | None, *, green_from: int, amber_from: int) -> str:
    if score is None:
        return Health.UNKNOWN
    if score >= green_from:
        return Health.GREEN
    if score >= amber_from:
        return Health.AMBER
    return Health.RED
