"""Applying many decided proposals at once as a job: chunk by chunk with progress, what cannot
be applied left as it was with the reason, an interrupted job continued without applying
anything twice, and only program ops may start, follow or continue one (portal pages in
test_review_views.py, the API below)."""

import datetime as dt
from unittest import mock

import pytest

from partners.models import Partner, TierHistory
from prm.audit import AuditEvent
from prm.exceptions import PermissionDenied
from prm.jobs import fail_batch
from scorecards.models import ProposalApplication, TierProposal, TierReview
from scorecards.review import applying, decisions, services
from scorecards.review.decisions import ReviewError

Status = ProposalApplication.Status


@pytest.fixture(autouse=True)
def _two_per_chunk(monkeypatch):
    monkeypatch.setattr(ProposalApplication, "chunk_size", 2)


@pytest.fixture
def review(ops, quarter, make_partner):
    """Four partners certified for Silver, all proposed for promotion from Registered."""
    for name in NAMES:
        make_partner("registered", sales=2, technical=1, name=name)
    done = services.run_review(
        services.start_review(quarter=quarter.label, actor=ops, queue=False).pk
    )
    assert {p.action for p in proposals_of(done)} == {TierProposal.Action.PROMOTE}
    return done


NAMES = ("Ash", "Birch", "Cedar", "Dogwood")


def proposals_of(review):
    """The four partners' proposals (other partners, the personas', may be reviewed too)."""
    rows = review.proposals.select_related("partner").order_by("pk")
    return [p for p in rows if p.partner.display_name in NAMES]


def tier_of(name):
    return Partner.objects.get(display_name=name).tier


def test_a_job_applies_its_proposals_chunk_by_chunk(ops, review, program):
    proposals = proposals_of(review)
    decisions.decide_proposals(proposals=proposals, actor=ops, approve=True)
    job = applying.start_application(
        review=review, proposals=proposals, actor=ops, effective_on=dt.date(2031, 1, 1), queue=False
    )
    assert (job.status, job.total, job.done, job.percent) == (Status.QUEUED, 4, 0, 0)
    seen = []
    real = applying._apply_chunk

    def watched(application, ids):
        seen.append(list(ids))
        real(application, ids)

    with mock.patch.object(applying, "_apply_chunk", watched):
        job = applying.run_application(job.pk, chunk_size=3)

    assert seen == [[p.pk for p in proposals[:3]], [proposals[3].pk]]
    assert (job.status, job.done, job.succeeded, job.skipped, job.percent) == (
        Status.DONE, 4, 4, [], 100,
    )  # fmt: skip
    assert {tier_of(n) for n in ("Ash", "Birch", "Cedar", "Dogwood")} == {program["silver"]}
    history = TierHistory.objects.filter(tier=program["silver"], effective_to__isnull=True)
    assert {h.effective_from for h in history} == {dt.date(2031, 1, 1)}
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="tier_review.apply").values_list(
            "verb", flat=True
        )
    )
    assert sorted(verbs) == ["tier_review.apply_finished", "tier_review.apply_started"]
    assert AuditEvent.objects.filter(verb="tier_proposal.applied").count() == 4


def test_what_cannot_be_applied_is_left_as_it_was_with_the_reason(ops, review, program):
    ash, birch, cedar, dogwood = proposals_of(review)
    decisions.decide_proposals(proposals=[ash, birch, cedar], actor=ops, approve=True)
    decisions.apply_proposals(proposals=[ash], actor=ops)
    Partner.objects.filter(pk=cedar.partner_id).update(tier=program["gold"])  # changed since

    job = applying.start_application(
        review=review, proposals=[ash, birch, cedar, dogwood], actor=ops, queue=False
    )
    job = applying.run_application(job.pk, chunk_size=2)

    assert (job.status, job.succeeded, job.skipped_count) == (Status.DONE, 1, 3)
    reasons = {row["label"]: row["reason"] for row in job.skipped}
    assert reasons == {
        "Ash": "Applied already.",
        "Cedar": "Cedar changed tier since the review; review it again.",
        "Dogwood": "Not decided yet: approve or override it first.",
    }
    assert tier_of("Birch") == program["silver"]
    assert tier_of("Cedar") == program["gold"] and tier_of("Dogwood") == program["registered"]


def test_an_interrupted_job_continues_where_it_stopped_and_applies_nothing_twice(
    ops, review, program
):
    proposals = proposals_of(review)
    decisions.decide_proposals(proposals=proposals, actor=ops, approve=True)
    job = applying.start_application(review=review, proposals=proposals, actor=ops, queue=False)
    real = decisions.apply_many
    calls = []

    def dies_in_the_second_chunk(proposals, **kwargs):
        calls.append([p.pk for p in proposals])
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(proposals, **kwargs)

    from scorecards.tasks import apply_tier_proposals

    with (
        mock.patch.object(applying, "apply_many", dies_in_the_second_chunk),
        pytest.raises(RuntimeError),
    ):
        apply_tier_proposals.apply(args=[job.pk], throw=True)

    job.refresh_from_db()
    # The first chunk (two proposals) committed; the second rolled back whole.
    assert (job.status, job.done, job.succeeded, job.error) == (
        Status.FAILED, 2, 2, "worker lost",
    )  # fmt: skip
    assert TierHistory.objects.filter(tier=program["silver"]).count() == 2

    applying.resume_application(application=job, actor=ops)
    job = applying.run_application(job.pk)
    assert (job.status, job.done, job.succeeded, job.skipped) == (Status.DONE, 4, 4, [])
    assert TierHistory.objects.filter(tier=program["silver"]).count() == 4
    assert applying.run_application(job.pk).succeeded == 4  # finished: nothing more
    assert TierHistory.objects.filter(tier=program["silver"]).count() == 4
    with pytest.raises(ReviewError):
        applying.resume_application(application=job, actor=ops)


def test_only_program_ops_start_or_continue_a_job(personas, review):
    proposals = proposals_of(review)
    for name in ("cam", "acme_admin", "globex_admin"):
        with pytest.raises(PermissionDenied):
            applying.start_application(
                review=review, proposals=proposals, actor=personas[name], queue=False
            )
    job = applying.start_application(
        review=review, proposals=proposals, actor=personas["ops"], queue=False
    )
    with pytest.raises(PermissionDenied):
        applying.resume_application(application=job, actor=personas["cam"])


@pytest.fixture
def earlier(ops, quarter) -> TierReview:
    """The review of the quarter before (made directly: a review of it now is refused)."""
    before = quarter.previous()
    return TierReview.objects.create(
        quarter=before.label,
        period_start=before.start,
        period_end=before.end,
        effective_on=quarter.start,
        started_by=ops,
    )


def test_an_empty_selection_or_another_reviews_proposals_start_nothing(ops, review, earlier):
    with pytest.raises(ReviewError):
        applying.start_application(review=review, proposals=[], actor=ops, queue=False)
    with pytest.raises(ReviewError):
        applying.start_application(
            review=earlier, proposals=proposals_of(review), actor=ops, queue=False
        )
    assert not ProposalApplication.objects.exists()


# --- API --------------------------------------------------------------------------------------


def test_ops_apply_through_the_api_and_follow_the_job(
    session_for, ops, review, program, django_capture_on_commit_callbacks
):
    client = session_for(ops)
    ids = [p.pk for p in proposals_of(review)]
    url = f"/api/v1/tier-reviews/{review.pk}/bulk/"
    assert client.post(url, {"op": "approve", "proposals": ids}, format="json").json() == {
        "count": 4
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            url, {"op": "apply", "proposals": ids[:3], "effective_on": "2031-01-01"}, format="json"
        )
    assert answer.status_code == 202
    body = answer.json()
    assert body["review"] == review.pk and body["total"] == 3
    job = client.get(f"/api/v1/tier-reviews/{review.pk}/applications/{body['id']}/").json()
    assert (job["status"], job["done"], job["applied_count"], job["skipped"]) == (
        "done", 3, 3, [],
    )  # fmt: skip
    assert job["effective_on"] == "2031-01-01" and job["requested_by"]["id"] == ops.pk
    again = client.post(
        f"/api/v1/tier-reviews/{review.pk}/applications/{body['id']}/resume/", format="json"
    )
    assert again.status_code == 409 and "applied already" in again.json()["error"]["message"]
    assert [tier_of(n) for n in ("Ash", "Birch", "Cedar", "Dogwood")] == [
        program["silver"], program["silver"], program["silver"], program["registered"],
    ]  # fmt: skip


@pytest.mark.parametrize("persona", ["cam", "other_cam", "acme_admin", "globex_admin"])
def test_others_can_neither_apply_nor_read_a_job(session_for, personas, persona, review):
    proposals = proposals_of(review)
    job = applying.start_application(
        review=review, proposals=proposals, actor=personas["ops"], queue=False
    )
    client = session_for(personas[persona])
    url = f"/api/v1/tier-reviews/{review.pk}/"
    answer = client.post(
        url + "bulk/", {"op": "apply", "proposals": [p.pk for p in proposals]}, format="json"
    )
    assert answer.status_code in (403, 404)
    assert client.get(url + f"applications/{job.pk}/").status_code in (403, 404)
    assert client.post(url + f"applications/{job.pk}/resume/").status_code in (403, 404)
    assert ProposalApplication.objects.count() == 1


def test_a_job_is_read_only_under_its_own_review(session_for, ops, review, earlier):
    job = applying.start_application(
        review=review, proposals=proposals_of(review), actor=ops, queue=False
    )
    client = session_for(ops)
    url = f"/api/v1/tier-reviews/{earlier.pk}/applications/{job.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url + "resume/").status_code == 404


def test_ops_continue_a_stopped_job_through_the_api(
    session_for, ops, review, program, django_capture_on_commit_callbacks
):
    proposals = proposals_of(review)
    decisions.decide_proposals(proposals=proposals, actor=ops, approve=True)
    job = applying.start_application(review=review, proposals=proposals, actor=ops, queue=False)
    fail_batch(ProposalApplication, job.pk, "the worker was stopped")
    client = session_for(ops)
    url = f"/api/v1/tier-reviews/{review.pk}/applications/{job.pk}/"
    assert client.get(url).json()["error"] == "the worker was stopped"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url + "resume/")
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    done = client.get(url).json()
    assert (done["status"], done["applied_count"], done["error"]) == ("done", 4, "")
    assert {tier_of(n) for n in NAMES} == {program["silver"]}
