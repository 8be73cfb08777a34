"""Snapshots, the resumable computation job, ratings and template editing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from prm.exceptions import PermissionDenied
from prm.models import AuditEvent
from scorecards.cards import services
from scorecards.cards.criteria import Criterion, Source
from scorecards.cards.models import CamRating, Scorecard, ScorecardRun, ScorecardTemplate

from .conftest import deal

C = Criterion


def _card(partner, quarter):
    return Scorecard.objects.get(partner=partner, quarter=quarter.label)


def test_a_closed_quarter_does_not_change_when_later_data_arrives(measured_partner, quarter, ops):
    run = services.start_run(quarter=quarter.label, actor=ops, queue=False)
    services.run_scorecards(run.pk)
    before = _card(measured_partner, quarter)
    assert before.is_final
    # A deal won late in the quarter is recorded after it closed.
    deal(measured_partner, quarter, status="won", amount="48000", day=60)
    run = services.start_run(quarter=quarter.label, actor=ops, queue=False)
    run = services.run_scorecards(run.pk)
    after = _card(measured_partner, quarter)
    assert (after.score, after.criteria, after.computed_at) == (
        before.score,
        before.criteria,
        before.computed_at,
    )
    assert run.computed_count == 0 and run.kept_count == run.partners_done >= 1


def test_the_current_quarter_is_recomputed_with_new_data(measured_partner, ops):
    current = services.current_quarter()
    services.compute_scorecards([measured_partner], current)
    assert not _card(measured_partner, current).is_final
    won = {"status": "won", "amount": "100000", "day": 0}
    deal(measured_partner, current, **won)
    services.compute_scorecards([measured_partner], current)
    row = next(
        r for r in _card(measured_partner, current).criteria if r["criterion"] == C.SOURCED_BOOKINGS
    )
    assert Decimal(row["value"]) == Decimal("100000.00")


def test_an_interrupted_run_continues_after_the_last_committed_partner(
    acme, globex, distri, quarter, ops
):
    for partner in (acme, globex, distri):
        partner.status = "active"
        partner.save(update_fields=["status"])
    run = services.start_run(quarter=quarter.label, actor=ops, queue=False)
    first = min(acme.pk, globex.pk, distri.pk)
    # As if the worker died after committing the first partner.
    services.compute_scorecards([p for p in (acme, globex, distri) if p.pk == first], quarter)
    ScorecardRun.objects.filter(pk=run.pk).update(
        last_partner_id=first, partners_done=1, status="running"
    )
    run = services.run_scorecards(run.pk, chunk_size=1)
    assert (run.status, run.partners_done) == ("done", 3)
    assert Scorecard.objects.filter(quarter=quarter.label).count() == 3


def test_starting_twice_while_queued_returns_the_same_run(quarter, ops):
    first = services.start_run(quarter=quarter.label, actor=ops, queue=False)
    assert services.start_run(quarter=quarter.label, actor=ops, queue=False) == first


def test_only_ops_start_a_run(quarter, cam):
    with pytest.raises(PermissionDenied):
        services.start_run(quarter=quarter.label, actor=cam, queue=False)


def test_a_future_quarter_is_refused(ops):
    later = services.current_quarter().next().next()
    with pytest.raises(services.ScorecardError):
        services.start_run(quarter=later.label, actor=ops, queue=False)


def test_the_command_computes_a_quarter(measured_partner, quarter):
    call_command("compute_scorecards", "--quarter", quarter.label)
    assert _card(measured_partner, quarter).score == Decimal("65.2")


def test_the_partners_cam_rates_a_rated_criterion_and_the_score_follows(
    measured_partner, quarter, cam
):
    services.compute_scorecards([measured_partner], quarter)
    card = services.rate_criterion(
        actor=cam,
        scorecard=_card(measured_partner, quarter),
        criterion=C.CUSTOMER_SATISFACTION,
        rating=5,
        note="Two renewals praised the team",
    )
    # 5 is 100 points at weight 10: (5214.5 + 1000) / 90 = 69.05 → 69.1
    assert card.score == Decimal("69.1")
    row = next(r for r in card.criteria if r["criterion"] == C.CUSTOMER_SATISFACTION)
    assert (row["value"], row["score"], row["note"]) == (
        5,
        "100.0",
        "Two renewals praised the team",
    )
    event = AuditEvent.objects.get(verb="scorecard.rated")
    assert (event.actor, event.to_state, event.reason) == (
        cam,
        "5",
        "Two renewals praised the team",
    )
    # Rating again replaces the rating (one per criterion) and leaves the old value in the audit.
    services.rate_criterion(
        actor=cam,
        scorecard=card,
        criterion=C.CUSTOMER_SATISFACTION,
        rating=3,
        note="One escalation",
    )
    assert CamRating.objects.get().rating == 3
    assert AuditEvent.objects.filter(verb="scorecard.rated").latest("pk").from_state == "5"


@pytest.mark.parametrize("who", ["other_cam", "ops", "acme_admin"])
def test_nobody_but_the_partners_cam_rates(measured_partner, quarter, personas, who):
    services.compute_scorecards([measured_partner], quarter)
    with pytest.raises(PermissionDenied):
        services.rate_criterion(
            actor=personas[who],
            scorecard=_card(measured_partner, quarter),
            criterion=C.CUSTOMER_SATISFACTION,
            rating=4,
            note="x",
        )


def test_a_measured_criterion_cannot_be_rated(measured_partner, quarter, cam):
    services.compute_scorecards([measured_partner], quarter)
    with pytest.raises(services.ScorecardError):
        services.rate_criterion(
            actor=cam,
            scorecard=_card(measured_partner, quarter),
            criterion=C.SOURCED_BOOKINGS,
            rating=4,
            note="x",
        )


def test_template_changes_are_audited_with_before_and_after(ops):
    template = services.ensure_default_template()
    services.save_template(
        actor=ops,
        template=template,
        name="Default",
        business_model="",
        green_from=80,
        amber_from=55,
        criteria=[
            {
                "criterion": C.SALES_EXPERTISE,
                "source": Source.COMPUTED,
                "weight": 2,
                "target": Decimal(5),
            }
        ],
    )
    event = AuditEvent.objects.filter(verb="scorecard_template.changed").get()
    assert event.actor == ops
    assert len(event.data["before"]["criteria"]) == 12
    assert event.data["after"]["criteria"] == [
        {"criterion": "sales_expertise", "source": "computed", "weight": 2, "target": "5.00"}
    ]


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [
                {
                    "criterion": C.CUSTOMER_SATISFACTION,
                    "source": Source.COMPUTED,
                    "weight": 1,
                    "target": Decimal(1),
                }
            ],
            "must be rated",
        ),
        (
            [
                {
                    "criterion": C.SALES_EXPERTISE,
                    "source": Source.COMPUTED,
                    "weight": 1,
                    "target": None,
                }
            ],
            "full marks",
        ),
        ([], "at least one"),
    ],
)
def test_invalid_templates_are_refused(ops, rows, message):
    with pytest.raises(services.ScorecardError, match=message):
        services.save_template(
            actor=ops,
            template=None,
            name="X",
            business_model="msp",
            green_from=75,
            amber_from=50,
            criteria=rows,
        )
    assert not ScorecardTemplate.objects.filter(name="X").exists()


def test_only_ops_edit_templates(cam):
    with pytest.raises(PermissionDenied):
        services.save_template(
            actor=cam,
            template=None,
            name="X",
            business_model="msp",
            green_from=75,
            amber_from=50,
            criteria=[],
        )


def test_a_second_template_for_the_same_business_model_is_refused(ops):
    services.ensure_default_template()
    with pytest.raises(services.ScorecardError, match="already covers"):
        services.save_template(
            actor=ops,
            template=None,
            name="Other default",
            business_model="",
            green_from=75,
            amber_from=50,
            criteria=services.default_criteria(),
        )


def test_trend_lists_earlier_quarters_with_their_change(measured_partner, quarter):
    from scorecards.cards.selectors import trend_of

    earlier = quarter.previous()
    services.compute_scorecards([measured_partner], earlier)
    services.compute_scorecards([measured_partner], quarter)
    points = trend_of(_card(measured_partner, quarter))
    assert [p.quarter for p in points] == [earlier.label, quarter.label]
    assert points[1].change == points[1].score - points[0].score
    assert dt.date.fromisoformat(str(_card(measured_partner, earlier).period_end)) < quarter.start


def test_starting_a_stalled_run_again_queues_it_and_it_finishes(
    acme, quarter, ops, django_capture_on_commit_callbacks
):
    stalled = services.start_run(quarter=quarter.label, actor=ops, queue=False)
    ScorecardRun.objects.filter(pk=stalled.pk).update(status="running")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.start_run(quarter=quarter.label, actor=ops)
    assert again == stalled
    again.refresh_from_db()
    assert again.status == "done"
    assert Scorecard.objects.filter(partner=acme, quarter=quarter.label).exists()
