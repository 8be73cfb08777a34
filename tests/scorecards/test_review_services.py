"""Running the quarterly review: proposals with counts, warnings, idempotent and resumable runs,
the command and the schedule, the queries it takes (ops' decisions on its proposals are in
``test_review_decisions``)."""

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from prm.audit import AuditEvent
from prm.exceptions import PermissionDenied
from prm.models import Notification
from prm.notifications import unread_action_count
from scorecards.models import TierProposal, TierReview, TierReviewSettings
from scorecards.review import decisions, services
from scorecards.review.decisions import ReviewError

from .reviews import proposal_of, review_now

Action = TierProposal.Action


def test_a_review_proposes_for_every_active_partner_with_counts(
    ops, quarter, make_partner, django_capture_on_commit_callbacks
):
    up = make_partner("registered", sales=3, technical=2, developers=2, name="Up")
    stay = make_partner("silver", sales=2, technical=1, name="Stay")
    short = make_partner("gold", sales=2, technical=1, name="Short")

    with django_capture_on_commit_callbacks(execute=True):
        review = review_now(quarter, ops)

    assert review.status == TierReview.Status.DONE and review.percent == 100
    assert (review.partners_total, review.partners_done) == (3, 3)
    assert (review.promote_count, review.demote_count, review.hold_count) == (1, 0, 2)
    assert review.warned_count == 1
    assert proposal_of(review, up).action == Action.PROMOTE
    assert proposal_of(review, stay).action == Action.HOLD
    warned = proposal_of(review, short)
    assert warned.warned and warned.misses == 1
    admin = short.memberships.get(role="admin").user
    note = Notification.objects.get(user=admin, kind=services.KIND_WARNING)
    assert "Gold" in note.title and "1 more certified technical person" in note.body
    assert AuditEvent.objects.filter(verb="tier_review.finished").count() == 1
    assert AuditEvent.objects.filter(verb="tier_review.warned").count() == 1
    # The warning job runs again safely: nobody is warned twice.
    assert services.send_warnings(review.pk) == 0
    assert Notification.objects.filter(kind=services.KIND_WARNING).count() == 1


def test_the_channel_account_manager_is_told_about_the_partner_not_as_the_partner(
    ops, cam, quarter, make_partner, program, django_capture_on_commit_callbacks, mailoutbox
):
    short = make_partner("gold", sales=2, technical=1, name="Short", cam=cam)
    up = make_partner("registered", sales=3, technical=2, developers=2, name="Up", cam=cam)
    with django_capture_on_commit_callbacks(execute=True):
        review = review_now(quarter, ops)
    admin = short.memberships.get(role="admin").user
    to_admin = Notification.objects.get(user=admin, kind=services.KIND_WARNING)
    to_cam = Notification.objects.get(user=cam, kind=decisions.KIND_MANAGER_WARNING)
    # The partner has the gap to close; its manager is told, and decides nothing.
    assert (unread_action_count(admin), unread_action_count(cam)) == (1, 0)
    assert to_admin.title == "Your Gold tier requirements are not met"
    assert "You keep Gold for now" in to_admin.body
    assert to_admin.url == "/enablement/standing/"
    assert to_cam.title == "Short does not meet its Gold tier requirements"
    assert "It keeps Gold for now and its admins have been warned" in to_cam.body
    assert "You keep" not in to_cam.body
    assert "1 more certified technical person" in to_cam.body
    assert to_cam.url == short.get_absolute_url()
    # The page is the notice's link (its button in the portal, its last line in an email).
    for notice in (to_admin, to_cam):
        assert notice.url not in notice.body
        (email,) = [m for m in mailoutbox if m.to == [notice.user.email]]
        assert email.body.count(notice.url) == 1
        assert email.body.rstrip().endswith(f"{settings.PRM_SITE_URL}{notice.url}")

    promotion = proposal_of(review, up)
    decisions.decide_proposal(proposal=promotion, actor=ops, approve=True)
    decisions.apply_proposals(proposals=[promotion], actor=ops)
    admin = up.memberships.get(role="admin").user
    changed_admin = Notification.objects.get(user=admin, kind=decisions.KIND_CHANGED)
    changed_cam = Notification.objects.get(user=cam, kind=decisions.KIND_CHANGED)
    assert changed_admin.title == "Your partner tier is now Gold"
    assert "Congratulations" in changed_admin.body and "Your benefits:" in changed_admin.body
    assert changed_cam.title == "Up is now Gold"
    assert "Up moves from Registered to Gold" in changed_cam.body
    assert "Its benefits:" in changed_cam.body and "Congratulations" not in changed_cam.body
    assert changed_cam.url == up.get_absolute_url()
    assert changed_cam.url not in changed_cam.body
    assert changed_admin.url not in changed_admin.body


def test_the_next_review_below_requirements_proposes_the_demotion(
    ops, quarter, make_partner, program, django_capture_on_commit_callbacks
):
    short = make_partner("gold", sales=2, technical=1)
    with django_capture_on_commit_callbacks(execute=True):
        review_now(quarter.previous(), ops)
        review = review_now(quarter, ops)
    proposal = proposal_of(review, short)
    assert (proposal.action, proposal.misses, proposal.proposed_tier) == (
        Action.DEMOTE, 2, program["silver"],
    )  # fmt: skip
    # The warning was sent once, at the first miss.
    admin = short.memberships.get(role="admin").user
    assert Notification.objects.filter(user=admin, kind=services.KIND_WARNING).count() == 1


def test_a_warning_leaves_the_bell_once_the_next_review_has_judged_the_partner(
    ops, cam, quarter, make_partner, django_capture_on_commit_callbacks
):
    short = make_partner("gold", sales=2, technical=1, cam=cam)
    admin = short.memberships.get(role="admin").user
    with django_capture_on_commit_callbacks(execute=True):
        review_now(quarter.previous(), ops)
    warnings = Notification.objects.filter(kind__in=decisions.WARNING_KINDS)
    assert {n.user for n in warnings.filter(read_at__isnull=True)} == {admin, cam}
    unrelated = Notification.objects.create(user=admin, kind=services.KIND_WARNING, title="x")

    with django_capture_on_commit_callbacks(execute=True):
        review_now(quarter, ops)  # proposes the demotion: the warning has done its work

    assert not warnings.filter(read_at__isnull=True).exclude(pk=unrelated.pk).exists()
    unrelated.refresh_from_db()
    assert unrelated.read_at is None  # only the previous review's warnings


def test_applying_a_warned_partner_s_new_tier_takes_its_warning_off_the_bell(
    ops, cam, quarter, make_partner, program, django_capture_on_commit_callbacks
):
    short = make_partner("gold", sales=2, technical=1, cam=cam)
    other = make_partner("gold", sales=2, technical=1, cam=cam, name="Other")
    with django_capture_on_commit_callbacks(execute=True):
        review = review_now(quarter, ops)
    proposal = proposal_of(review, short)
    assert proposal.warned
    decisions.decide_proposal(
        proposal=proposal, actor=ops, approve=False, reason="Agreed move", tier=program["silver"]
    )
    decisions.apply_proposals(proposals=[proposal], actor=ops)

    unread = Notification.objects.filter(kind__in=decisions.WARNING_KINDS, read_at__isnull=True)
    assert {n.user for n in unread} == {other.memberships.get(role="admin").user, cam}
    assert unread.filter(dedupe_key=decisions.warning_key(review.pk, other.pk)).count() == 2


def test_running_twice_never_duplicates_and_picks_up_new_partners(ops, quarter, make_partner):
    make_partner("registered", sales=1)
    review = review_now(quarter, ops)
    assert review_now(quarter, ops).pk == review.pk
    assert TierProposal.objects.count() == 1

    newcomer = make_partner(None, sales=1)
    review = review_now(quarter, ops)
    assert TierProposal.objects.count() == 2
    assert proposal_of(review, newcomer).action == Action.PROMOTE
    assert TierReview.objects.count() == 1


def test_an_interrupted_review_continues_where_it_stopped(ops, quarter, make_partner, monkeypatch):
    partners = [make_partner("registered", sales=1, name=f"P{i}") for i in range(5)]
    review = services.start_review(quarter=quarter.label, actor=ops, queue=False)
    real = services._review_chunk
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_review_chunk", dying)
    with pytest.raises(SystemExit):
        services.run_review(review.pk, chunk_size=2)
    review.refresh_from_db()
    assert review.status == TierReview.Status.RUNNING
    assert review.partners_done == 4 and review.last_partner_id == partners[3].pk
    first_ids = set(TierProposal.objects.values_list("pk", flat=True))

    monkeypatch.setattr(services, "_review_chunk", real)
    review = services.run_review(
        services.start_review(quarter=quarter.label, actor=ops, queue=False).pk, chunk_size=2
    )
    assert review.status == TierReview.Status.DONE
    assert review.partners_done == 5
    assert TierProposal.objects.count() == 5
    assert first_ids < set(TierProposal.objects.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="writes one behind on PostgreSQL")
def test_a_worker_writes_each_chunk_while_proposing_the_next_and_resumes_after_a_kill(
    ops, quarter, make_partner, monkeypatch
):
    """Outside a transaction (a worker on PostgreSQL) each chunk is written on a connection of
    its own while the next one is proposed: the same proposals, the same resumable progress."""
    up = {"sales": 3, "technical": 2, "developers": 2}  # meets Silver
    partners = [
        make_partner("registered", **(up if i % 2 == 0 else {"sales": 1}), name=f"P{i}")
        for i in range(5)
    ]
    review = services.start_review(quarter=quarter.label, actor=ops, queue=False)
    real = services._review_chunk
    writers = []

    def dying(*args, **kwargs):
        writers.append(threading.current_thread())
        if len(writers) == 3:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_review_chunk", dying)
    with pytest.raises(SystemExit):
        services.run_review(review.pk, chunk_size=2)
    assert threading.current_thread() not in writers
    review.refresh_from_db()
    assert review.status == TierReview.Status.RUNNING
    assert review.partners_done == 4 and review.last_partner_id == partners[3].pk
    assert (review.promote_count, review.hold_count) == (2, 2)  # counted with each chunk

    monkeypatch.setattr(services, "_review_chunk", real)
    review = services.run_review(
        services.start_review(quarter=quarter.label, actor=ops, queue=False).pk, chunk_size=2
    )
    assert review.status == TierReview.Status.DONE and review.partners_done == 5
    assert sorted(review.proposals.values_list("partner_id", flat=True)) == [p.pk for p in partners]
    assert (review.promote_count, review.hold_count) == (3, 2)


def test_a_chunk_skips_a_partner_another_run_of_the_review_proposed_meanwhile(
    ops, quarter, make_partner, monkeypatch
):
    partners = [make_partner("registered", sales=1, name=f"P{i}") for i in range(3)]
    review = services.start_review(quarter=quarter.label, actor=ops, queue=False)
    real_write, real_finish = services._write_chunk, services._finish
    theirs, counted = [], {}

    def another_run_first(review_id, rows, last_partner_id, auto_promote):
        if not theirs:  # the other run's chunk, holding the review's lock first
            row = rows[1]
            real_write(review_id, [row], row[services._PARTNER], auto_promote)
            theirs.append(TierProposal.objects.get(partner_id=row[services._PARTNER]).pk)
        real_write(review_id, rows, last_partner_id, auto_promote)

    def finish(review_id):  # the counts as the chunks left them, before the final count
        counted.update(
            TierReview.objects.values("partners_done", "promote_count", "hold_count").get(
                pk=review_id
            )
        )
        return real_finish(review_id)

    monkeypatch.setattr(services, "_write_chunk", another_run_first)
    monkeypatch.setattr(services, "_finish", finish)
    review = services.run_review(review.pk)

    assert sorted(review.proposals.values_list("partner_id", flat=True)) == [p.pk for p in partners]
    assert proposal_of(review, partners[1]).pk == theirs[0]
    actions = Counter(review.proposals.values_list("action", flat=True))
    assert counted == {
        "partners_done": 3,
        "promote_count": actions[Action.PROMOTE],
        "hold_count": actions[Action.HOLD],
    }


def test_only_ops_start_and_decide(acme_admin, cam, ops, quarter, make_partner):
    partner = make_partner("registered", sales=1)
    for person in (acme_admin, cam):
        with pytest.raises(PermissionDenied):
            services.start_review(quarter=quarter.label, actor=person, queue=False)
    review = review_now(quarter, ops)
    with pytest.raises(PermissionDenied):
        decisions.decide_proposal(proposal=proposal_of(review, partner), actor=cam, approve=True)


def test_a_quarter_still_open_cannot_be_reviewed(ops, quarter):
    with pytest.raises(ReviewError, match="has not closed yet"):
        services.start_review(quarter=quarter.next().label, actor=ops, queue=False)
    with pytest.raises(ReviewError):
        services.start_review(quarter="2026-Q9", actor=ops, queue=False)


def test_a_quarter_before_the_latest_review_cannot_be_reviewed_or_run_again(
    ops, quarter, make_partner
):
    make_partner("registered", sales=1)
    earlier = quarter.previous()
    review_now(earlier, ops)
    review_now(quarter, ops)
    for label in (earlier.label, earlier.previous().label):
        with pytest.raises(ReviewError, match=f"The {quarter.label} review exists"):
            services.start_review(quarter=label, actor=ops, queue=False)
    assert TierReview.objects.count() == 2
    assert services.start_review(quarter=quarter.label, actor=ops, queue=False).quarter == (
        quarter.label
    )


def test_the_command_and_the_scheduled_task_review_the_closed_quarter(ops, quarter, make_partner):
    from io import StringIO

    from scorecards.tasks import start_quarterly_tier_review

    make_partner("registered", sales=1)
    out = StringIO()
    call_command("run_tier_review", "--quarter", quarter.label.removeprefix("FY"), stdout=out)
    assert "1 of 1 partners" in out.getvalue()
    review = TierReview.objects.get(quarter=quarter.label)
    assert review.status == TierReview.Status.DONE
    assert start_quarterly_tier_review() == review.pk  # eager: runs again, adds nothing
    assert TierProposal.objects.count() == 1


def test_the_task_is_scheduled_on_the_first_day_of_each_fiscal_quarter(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scorecards-quarterly-tier-review"]
    assert entry["task"] == "scorecards.tasks.start_quarterly_tier_review"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1}
    assert len(schedule.month_of_year) == 4


def test_settings_changes_are_audited(ops):
    services.update_review_settings(actor=ops, qualifying_percent=80)
    assert TierReviewSettings.current().qualifying_percent == 80
    assert AuditEvent.objects.filter(verb="tier_review_settings.changed").exists()


def test_a_review_takes_as_many_queries_for_many_partners_as_for_few(
    ops, quarter, make_partner, program
):
    """Partners are read once, with only what the set-based measures use: no measure reads a
    field left out, which would cost a query per partner."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partners.models import TierRequirement
    from tests.factories import TierRequirementFactory

    gold = set(program["gold"].requirements.values_list("metric", flat=True))
    for position, metric in enumerate(set(TierRequirement.Metric.values) - gold):
        TierRequirementFactory(
            tier=program["gold"], metric=metric, threshold=1, position=10 + position
        )

    def queries_of_review(period) -> int:
        with CaptureQueriesContext(connection) as queries:
            review_now(period, ops)
        return len(queries)

    def partner_serving_no_listed_region(name):  # measured by its country's region
        partner = make_partner("silver", sales=1, name=name)
        type(partner).objects.filter(pk=partner.pk).update(regions_served=[])

    for i in range(2):
        make_partner("silver", sales=2, technical=i, name=f"First {i}")
    partner_serving_no_listed_region("First abroad")
    review_now(quarter.previous().previous(), ops)  # each review below has a previous one
    few = queries_of_review(quarter.previous())
    for i in range(4):
        make_partner("silver", sales=3, technical=i, name=f"Later {i}")
        partner_serving_no_listed_region(f"Later abroad {i}")
    assert queries_of_review(quarter) == few


def test_a_review_builds_its_proposals_with_the_cycle_collector_paused(
    ops, quarter, make_partner, monkeypatch
):
    import gc

    make_partner("registered", sales=2, technical=1)
    seen = []
    real = services._review_chunk

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_review_chunk", watched)
    was = gc.isenabled()
    gc.enable()
    try:
        review = review_now(quarter, ops)
        assert gc.isenabled()
    finally:
        if not was:
            gc.disable()
    assert seen == [False] and review.partners_done == 1
