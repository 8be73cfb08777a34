"""Writes for partner scorecards: editing templates (program ops), computing a quarter's
scorecards (a resumable job), and the channel account manager's ratings. Every change writes
an audit row."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from prm.audit import record_event
from prm.bulk import atomic_bulk
from prm.exceptions import DomainError, PermissionDenied
from prm.models import User
from prm.money import default_currency
from prm.periods import FiscalPeriod, fiscal_quarter, parse_period
from prm.permissions import require_program_ops

from . import selectors
from .criteria import (
    DEFAULT_WEIGHTS,
    MEASURES,
    Criterion,
    Source,
    health_of,
    rating_score,
    value_score,
    weighted_score,
)
from .measures import Measured, measure_partners
from .models import CamRating, Scorecard, ScorecardRun, ScorecardTemplate, TemplateCriterion

CHUNK_SIZE = 200


class ScorecardError(DomainError):
    """The scorecard request is not valid."""

    code = "scorecard_error"


def _require_ops(actor: User | None) -> None:
    require_program_ops(actor, _("Only program operations may do this."), system_allowed=True)


# --- Templates ----------------------------------------------------------------------------


def default_criteria() -> list[dict]:
    """The handbook's twelve criteria: measured where the data exists, else rated."""
    return [
        {
            "criterion": key,
            "source": Source.COMPUTED if key in MEASURES else Source.RATED,
            "weight": DEFAULT_WEIGHTS[key],
            "target": MEASURES[key].target if key in MEASURES else None,
        }
        for key in Criterion.values
    ]


@transaction.atomic
def ensure_default_template() -> ScorecardTemplate:
    """The template every partner without a business-model template uses (created with the
    handbook's twelve criteria the first time it is needed)."""
    template, created = ScorecardTemplate.objects.get_or_create(
        business_model="", defaults={"name": _("Default scorecard")}
    )
    if created:
        _replace_criteria(template, default_criteria())
        record_event(template, actor=None, verb="scorecard_template.created")
    return template


def clean_criteria(rows: Sequence[dict]) -> list[dict]:
    """Check a template's criteria; raises ``ScorecardError`` naming the criterion at fault."""
    seen: set[str] = set()
    for row in rows:
        key, label = row["criterion"], Criterion(row["criterion"]).label
        if key in seen:
            raise ScorecardError(_("%(c)s appears twice.") % {"c": label})
        seen.add(key)
        if row["source"] == Source.COMPUTED:
            if key not in MEASURES:
                raise ScorecardError(
                    _("%(c)s is not measured from the data: it must be rated.") % {"c": label}
                )
            if row.get("target") is None or row["target"] <= 0:
                raise ScorecardError(
                    _("%(c)s needs a value for full marks above zero.") % {"c": label}
                )
    if not rows:
        raise ScorecardError(_("A template needs at least one criterion."))
    return [
        {**row, "target": row.get("target") if row["source"] == Source.COMPUTED else None}
        for row in rows
    ]


def _replace_criteria(template: ScorecardTemplate, rows: Sequence[dict]) -> None:
    template.criteria.all().delete()
    TemplateCriterion.objects.bulk_create(
        TemplateCriterion(template=template, position=i, **row) for i, row in enumerate(rows)
    )


@transaction.atomic
def save_template(
    *,
    actor: User,
    template: ScorecardTemplate | None,
    name: str,
    business_model: str,
    green_from: int,
    amber_from: int,
    criteria: Sequence[dict],
) -> ScorecardTemplate:
    """Create or change a template. Scorecards already computed keep the criteria they were
    computed with; the next run uses the new ones."""
    _require_ops(actor)
    if not 0 <= amber_from < green_from <= 100:
        raise ScorecardError(_("Amber must start below green, both between 0 and 100."))
    rows = clean_criteria(criteria)
    clash = ScorecardTemplate.objects.filter(business_model=business_model)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ScorecardError(_("Another template already covers this business model."))
    if not name.strip():
        raise ScorecardError(_("Give the template a name."))
    same_name = ScorecardTemplate.objects.filter(name=name.strip())
    if template is not None:
        same_name = same_name.exclude(pk=template.pk)
    if same_name.exists():
        raise ScorecardError(_("Another template already has this name."))
    before = selectors.template_as_data(template) if template else None
    template = template or ScorecardTemplate()
    template.name, template.business_model = name.strip(), business_model
    template.green_from, template.amber_from = green_from, amber_from
    template.updated_at, template.updated_by = timezone.now(), actor
    template.save()
    _replace_criteria(template, rows)
    record_event(
        template,
        actor=actor,
        verb="scorecard_template.changed" if before else "scorecard_template.created",
        data={"before": before, "after": selectors.template_as_data(template)},
    )
    return template


# --- Computing a quarter ------------------------------------------------------------------


def parse_quarter(text: str) -> FiscalPeriod:
    label = (text or "").strip().upper()
    try:
        period = parse_period(label if label.startswith("FY") else "FY" + label)
    except ValueError:
        period = None
    if period is None or period.quarter is None:
        raise ScorecardError(
            _("“%(text)s” is not a fiscal quarter: enter one such as 2027-Q1.") % {"text": text}
        )
    if period.start > timezone.localdate():
        raise ScorecardError(_("%(q)s has not started yet.") % {"q": period.label})
    return period


@transaction.atomic
def start_run(*, quarter: str, actor: User | None, queue: bool = True) -> ScorecardRun:
    """Queue the computation of every active partner's scorecard for ``quarter``. A run of the
    same quarter not finished yet (its worker may have died) is queued again and returned
    instead of starting a second one: it continues after its last committed partner."""
    _require_ops(actor)
    period = parse_quarter(quarter)
    run = ScorecardRun.objects.filter(
        quarter=period.label, status__in=[ScorecardRun.Status.QUEUED, ScorecardRun.Status.RUNNING]
    ).first()
    if run is None:
        run = ScorecardRun.objects.create(
            quarter=period.label,
            started_by=actor,
            partners_total=selectors.partners_to_score().count(),
        )
        record_event(run, actor=actor, verb="scorecard_run.started", to_state=run.status)
    if queue:
        from ..tasks import compute_scorecards

        transaction.on_commit(lambda: compute_scorecards.delay(run.pk))
    return run


def run_scorecards(run_id: int, *, chunk_size: int = CHUNK_SIZE) -> ScorecardRun:
    """Compute the run's quarter to the end, chunk by chunk (one transaction each, progress
    committed with the scorecards, so a killed worker's run continues where it stopped)."""
    run = ScorecardRun.objects.get(pk=run_id)
    if run.is_finished:
        return run
    period = parse_period(run.quarter)
    ScorecardRun.objects.filter(pk=run_id, status=ScorecardRun.Status.QUEUED).update(
        status=ScorecardRun.Status.RUNNING, updated_at=timezone.now()
    )
    ensure_default_template()
    templates = selectors.templates_by_business_model()
    while True:
        with atomic_bulk():
            run = ScorecardRun.objects.select_for_update().get(pk=run_id)
            partners = list(
                selectors.partners_to_score()
                .filter(pk__gt=run.last_partner_id)
                .order_by("pk")[:chunk_size]
            )
            if partners:
                computed, kept = compute_scorecards(partners, period, templates=templates)
                run.computed_count += computed
                run.kept_count += kept
                run.partners_done += len(partners)
                run.last_partner_id = partners[-1].pk
            else:
                run.status = ScorecardRun.Status.DONE
                run.finished_at = timezone.now()
                run.partners_total = run.partners_done
                record_event(run, actor=None, verb="scorecard_run.finished", to_state=run.status)
            run.updated_at = timezone.now()
            run.save()
        if run.is_finished:
            return run


def compute_scorecards(
    partners: Sequence[Partner],
    period: FiscalPeriod,
    *,
    templates: dict[str, ScorecardTemplate] | None = None,
    today: dt.date | None = None,
) -> tuple[int, int]:
    """Write the scorecards of ``partners`` for ``period`` and answer (computed, kept). A
    scorecard computed after its quarter closed is final and kept as it is."""
    today = today or timezone.localdate()
    if templates is None:
        ensure_default_template()
        templates = selectors.templates_by_business_model()
    existing = {
        card.partner_id: card
        for card in Scorecard.objects.filter(partner__in=partners, quarter=period.label)
    }
    todo = [p for p in partners if not (p.pk in existing and existing[p.pk].is_final)]
    measured = measure_partners(todo, period, today=today)
    ratings = selectors.ratings_by_card([c.pk for c in existing.values()])
    creates: list[Scorecard] = []
    updates: list[Scorecard] = []
    for partner in todo:
        template = templates.get(partner.business_model) or templates[""]
        card = existing.get(partner.pk) or Scorecard(
            partner=partner, quarter=period.label, period_start=period.start
        )
        _fill(card, template, measured[partner.pk], ratings.get(card.pk, {}))
        card.period_end, card.is_final = period.end, period.end < today
        card.computed_at = timezone.now()
        (updates if card.pk else creates).append(card)
    Scorecard.objects.bulk_create(creates)
    fields = [
        "template",
        "template_name",
        "score",
        "health",
        "green_from",
        "amber_from",
        "criteria",
        "obligations",
        "is_final",
        "computed_at",
        "period_end",
    ]
    Scorecard.objects.bulk_update(updates, fields)
    return len(todo), len(partners) - len(todo)


def _fill(card: Scorecard, template: ScorecardTemplate, measured: Measured, ratings) -> None:
    rows = []
    for criterion in template.criteria.all():
        key = criterion.criterion
        measure = MEASURES.get(key)
        row = {
            "criterion": key,
            "label": str(Criterion(key).label),
            "source": criterion.source,
            "weight": criterion.weight,
            "target": None,
            "unit": "",
            "explanation": "",
            "value": None,
        }
        if criterion.source == Source.COMPUTED and measure is not None:
            value = measured.values.get(key)
            row["target"] = str(criterion.target)
            row["unit"] = default_currency() if measure.unit == "USD" else str(measure.unit)
            row["explanation"] = str(measure.explanation)
            row["lower_is_better"] = measure.lower_is_better
            row["value"] = None if value is None else str(value)
        rows.append(row)
    card.template, card.template_name = template, template.name
    card.green_from, card.amber_from = template.green_from, template.amber_from
    card.obligations = measured.obligations
    _score(card, rows, ratings)


def _score(card: Scorecard, rows: list[dict], ratings: dict[str, CamRating]) -> None:
    """Score each criterion (missing when there is no value or rating) and the whole card."""
    for row in rows:
        if row["source"] == Source.RATED:
            rating = ratings.get(row["criterion"])
            row["value"] = rating.rating if rating else None
            row["note"] = rating.note if rating else ""
            row["score"] = str(rating_score(rating.rating)) if rating else None
        elif row["value"] is not None:
            score = value_score(
                Decimal(row["value"]),
                Decimal(row["target"]),
                lower_is_better=row.get("lower_is_better", False),
            )
            row["score"] = str(score)
        else:
            row["score"] = None
        row["missing"] = row["score"] is None
    card.criteria = rows
    card.score = weighted_score(rows)
    card.health = health_of(card.score, green_from=card.green_from, amber_from=card.amber_from)


# --- Ratings --------------------------------------------------------------------------------


@transaction.atomic
def rate_criterion(
    *, actor: User, scorecard: Scorecard, criterion: str, rating: int, note: str
) -> Scorecard:
    """The partner's channel account manager rates a rated criterion 1-5 with a note; the
    scorecard's score and health follow (its measured values stay as they were)."""
    card = Scorecard.objects.select_for_update().select_related("partner").get(pk=scorecard.pk)
    if not selectors.may_rate(actor, card):
        raise PermissionDenied(_("Only the partner's channel account manager rates it."))
    row = next((r for r in card.criteria if r["criterion"] == criterion), None)
    if row is None or row["source"] != Source.RATED:
        raise ScorecardError(_("This criterion is not rated on this scorecard."))
    if not 1 <= rating <= 5:
        raise ScorecardError(_("A rating is 1 to 5."))
    if not note.strip():
        raise ScorecardError(_("Say why in a note."))
    previous = CamRating.objects.filter(scorecard=card, criterion=criterion).first()
    CamRating.objects.update_or_create(
        scorecard=card,
        criterion=criterion,
        defaults={
            "rating": rating,
            "note": note.strip(),
            "rated_by": actor,
            "rated_at": timezone.now(),
        },
    )
    _score(card, card.criteria, selectors.ratings_by_card([card.pk]).get(card.pk, {}))
    card.save(update_fields=["criteria", "score", "health"])
    record_event(
        card,
        actor=actor,
        verb="scorecard.rated",
        from_state=str(previous.rating) if previous else "",
        to_state=str(rating),
        reason=note.strip(),
        data={"criterion": criterion},
    )
    return card


def current_quarter() -> FiscalPeriod:
    return fiscal_quarter(timezone.localdate())
